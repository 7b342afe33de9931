"""Finding the customers of a batch of orders in a few queries.

The same rules as the customers' import: external ID first (the file's own key for the
person); then a normalised email or E.164 phone of a customer not in the trash. A
customer with a different external ID is never matched by email or phone. An order whose
email and phone point at two different customers is rejected: merge them first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from solocrm.customers.importing.writers import RowConflict
from solocrm.customers.models import Customer, CustomerEmail, CustomerPhone
from solocrm.sales.services.orders_bulk import rows_where_in


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """What matching and permission checks need of a customer (no model instance)."""

    pk: int
    name: str
    external_id: str | None
    owner_id: int | None
    deleted_at: Any  # only ever compared with None (the raw column value)


class CustomerLookup:
    def __init__(self) -> None:
        self.by_external_id: dict[str, Any] = {}
        self.by_email: dict[str, set[int]] = {}
        self.by_phone: dict[str, set[int]] = {}
        self.customers: dict[int, Any] = {}

    @classmethod
    def load(cls, values: Iterable[dict[str, Any]]) -> CustomerLookup:
        lookup = cls()
        external_ids, emails, phones = set(), set(), set()
        for value in values:
            if value.get("customer_external_id"):
                external_ids.add(value["customer_external_id"])
            emails.update(value.get("customer_email", []))
            phones.update(value.get("customer_phone_e164", []))
        ids: set[int] = set()
        # No join here: on a big table SQLite's planner may walk the customers instead of
        # the email index. Trashed customers are left out in ``match``.
        for email, customer_id in rows_where_in(
            CustomerEmail, "email", ("email", "customer_id"), sorted(emails)
        ):
            lookup.by_email.setdefault(email, set()).add(customer_id)
            ids.add(customer_id)
        for e164, customer_id in rows_where_in(
            CustomerPhone, "e164", ("e164", "customer_id"), sorted(phones)
        ):
            lookup.by_phone.setdefault(e164, set()).add(customer_id)
            ids.add(customer_id)
        fields = ("id", "name", "external_id", "owner", "deleted_at")
        found = [
            CustomerRef(*row)
            for key, keys in (("id", sorted(ids)), ("external_id", sorted(external_ids)))
            for row in rows_where_in(Customer, key, fields, keys)
        ]
        for customer in found:
            lookup.customers[customer.pk] = customer
            if customer.external_id:
                lookup.by_external_id[customer.external_id] = customer
        return lookup

    def add(self, customer: Any, values: dict[str, Any]) -> None:
        """A customer created during the import, found by the orders that follow."""
        self.customers[customer.pk] = customer
        if customer.external_id:
            self.by_external_id[customer.external_id] = customer
        for email in values.get("customer_email", []):
            self.by_email.setdefault(email, set()).add(customer.pk)
        for e164 in values.get("customer_phone_e164", []):
            self.by_phone.setdefault(e164, set()).add(customer.pk)

    def match(self, values: dict[str, Any]) -> tuple[Any, str]:
        """The customer (a ``CustomerRef`` or a new ``Customer``) and how it was found."""
        external_id = values.get("customer_external_id")
        if external_id and external_id in self.by_external_id:
            found = self.by_external_id[external_id]
            if found.deleted_at is not None:
                raise RowConflict(
                    "customer_external_id",
                    _("External ID %s belongs to a customer in the trash; restore them first.")
                    % external_id,
                )
            return found, "external ID"
        reasons: dict[int, str] = {}
        for email in values.get("customer_email", []):
            for customer_id in self.by_email.get(email, ()):
                reasons.setdefault(customer_id, "email")
        for e164 in values.get("customer_phone_e164", []):
            for customer_id in self.by_phone.get(e164, ()):
                reasons.setdefault(customer_id, "phone")
        candidates = [
            self.customers[pk]
            for pk in sorted(reasons)
            if pk in self.customers and self.customers[pk].deleted_at is None
        ]
        if external_id:  # another external ID means another person who shares a contact
            candidates = [c for c in candidates if not c.external_id]
        if len(candidates) > 1:
            described = ", ".join(f"#{c.pk} {c.name} ({reasons[c.pk]})" for c in candidates)
            raise RowConflict(
                "customer_email" if values.get("customer_email") else "customer_phone",
                _("Matches several customers: %s; merge them first.") % described,
            )
        if candidates:
            return candidates[0], reasons[candidates[0].pk]
        return None, ""
