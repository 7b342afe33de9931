"""Finding the customers of a batch of orders in a few queries.

The same rules as the customers' import: external ID first (the file's own key for the
person); then a normalised email or E.164 phone of a customer not in the trash. A
customer with a different external ID is never matched by email or phone. An order whose
email and phone point at two different customers is rejected: merge them first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from solocrm.customers.importing.writers import RowConflict
from solocrm.customers.models import Customer, CustomerEmail, CustomerPhone


class CustomerLookup:
    def __init__(self) -> None:
        self.by_external_id: dict[str, Customer] = {}
        self.by_email: dict[str, set[int]] = {}
        self.by_phone: dict[str, set[int]] = {}
        self.customers: dict[int, Customer] = {}

    @classmethod
    def load(cls, values: Iterable[dict[str, Any]]) -> CustomerLookup:
        lookup = cls()
        external_ids, emails, phones = set(), set(), set()
        for value in values:
            if value.get("customer_external_id"):
                external_ids.add(value["customer_external_id"])
            emails.update(value.get("customer_email", []))
            phones.update(value.get("customer_phone_e164", []))
        alive = {"customer__deleted_at__isnull": True}
        ids: set[int] = set()
        for email, customer_id in CustomerEmail.objects.filter(
            email__in=emails, **alive
        ).values_list("email", "customer_id"):
            lookup.by_email.setdefault(email, set()).add(customer_id)
            ids.add(customer_id)
        for e164, customer_id in CustomerPhone.objects.filter(e164__in=phones, **alive).values_list(
            "e164", "customer_id"
        ):
            lookup.by_phone.setdefault(e164, set()).add(customer_id)
            ids.add(customer_id)
        found = Customer.objects.filter(pk__in=ids) | Customer.objects.filter(
            external_id__in=external_ids
        )
        for customer in found:
            lookup.customers[customer.pk] = customer
            if customer.external_id:
                lookup.by_external_id[customer.external_id] = customer
        return lookup

    def add(self, customer: Customer, values: dict[str, Any]) -> None:
        """A customer created during the import, found by the orders that follow."""
        self.customers[customer.pk] = customer
        if customer.external_id:
            self.by_external_id[customer.external_id] = customer
        for email in values.get("customer_email", []):
            self.by_email.setdefault(email, set()).add(customer.pk)
        for e164 in values.get("customer_phone_e164", []):
            self.by_phone.setdefault(e164, set()).add(customer.pk)

    def match(self, values: dict[str, Any]) -> tuple[Customer | None, str]:
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
        candidates = [self.customers[pk] for pk in sorted(reasons) if pk in self.customers]
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
