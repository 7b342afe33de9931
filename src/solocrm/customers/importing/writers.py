"""Finding the record a row describes, and creating or updating it through the services.

Customers match on, in order: external ID (the file's own key for the person); then a
normalised email address or E.164 phone number of a customer not in the trash. A
customer with a different external ID is never matched by email or phone. A row whose
email and phone point at two different customers is rejected: merge them first.
Companies match on name (ignoring case) or web domain.

On update, the file wins for every non-empty cell; empty cells leave stored values
alone; emails, phones and tags are added to the stored ones, never removed; a note is
added once (the same text is not logged twice).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.db import models
from django.utils.translation import gettext as _

from solocrm.customers.models import Company, Customer, CustomerEmail, CustomerPhone, Interaction
from solocrm.customers.services import (
    company_create,
    company_update,
    customer_create,
    customer_update,
    interaction_create,
)

CUSTOMER_DATA = ("external_id", "wechat_id", "address", "city", "country", "birthday")
CUSTOMER_CHOICES = ("gender", "source")
COMPANY_DATA = ("domain", "industry", "size", "address")


class RecordWriter(Protocol):
    """What the engine needs of a writer: find a row's record, create or update one."""

    def match(self, values: dict[str, Any]) -> tuple[models.Model | None, str]: ...

    def create(self, values: dict[str, Any]) -> models.Model: ...

    def update(self, record: Any, values: dict[str, Any]) -> bool: ...


class RowConflict(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


class AmbiguousMatch(RowConflict):
    """The row's contacts belong to several customers: no single one to skip or update
    (in create mode the row is simply created)."""


def _same(stored: Any, new: Any) -> bool:
    """Equal values; a spreadsheet's number compared as a number ("12.50" is 12.5)."""
    if stored == new:
        return True
    if isinstance(new, bool) or not isinstance(new, int | float):
        return False
    try:
        return Decimal(str(stored)) == Decimal(str(new))
    except (InvalidOperation, ValueError):
        return False


def _custom_changes(stored: dict[str, Any], new: dict[str, Any] | None) -> dict[str, Any] | None:
    changed = {k: v for k, v in (new or {}).items() if not _same(stored.get(k), v)}
    return changed or None


def _merged(stored: list[str], new: list[str]) -> list[str] | None:
    """Stored items plus new ones; None when nothing is new."""
    known = {item.casefold() for item in stored}
    added = [item for item in new if item.casefold() not in known]
    return [*stored, *added] if added else None


class CustomerWriter:
    target = "customer"

    def __init__(self, *, by: Any, phone_region: str, source_label: str) -> None:
        self.by = by
        self.phone_region = phone_region
        self.source_label = source_label

    def match(self, values: dict[str, Any]) -> tuple[Customer | None, str]:
        external_id = values.get("external_id")
        if external_id:
            found = Customer.objects.filter(external_id=external_id).first()
            if found is not None:
                if found.deleted_at is not None:
                    raise RowConflict(
                        "external_id",
                        _("External ID %s belongs to a customer in the trash; restore them first.")
                        % external_id,
                    )
                return found, "external ID"
        reasons: dict[int, str] = {}
        emails = values.get("emails") or []
        phones = values.get("phones_e164") or []
        alive = {"customer__deleted_at__isnull": True}
        for customer_id in CustomerEmail.objects.filter(email__in=emails, **alive).values_list(
            "customer_id", flat=True
        ):
            reasons.setdefault(customer_id, "email")
        for customer_id in CustomerPhone.objects.filter(e164__in=phones, **alive).values_list(
            "customer_id", flat=True
        ):
            reasons.setdefault(customer_id, "phone")
        candidates = list(Customer.objects.filter(pk__in=reasons).order_by("pk"))
        if external_id:  # another external ID means another person who shares a contact
            candidates = [c for c in candidates if not c.external_id]
        if len(candidates) > 1:
            described = ", ".join(f"#{c.pk} {c.name} ({reasons[c.pk]})" for c in candidates)
            raise AmbiguousMatch(
                "emails" if emails else "phones",
                _("Matches several customers: %s; merge them first.") % described,
            )
        if candidates:
            return candidates[0], reasons[candidates[0].pk]
        return None, ""

    def _data(self, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        data = self.plain_data(values, creating=creating)
        if values.get("company"):
            data["company"] = self._company(values["company"])
        return data

    def plain_data(self, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        """The row's values for the customer services, all but the company."""
        data = {key: values[key] for key in (*CUSTOMER_DATA, *CUSTOMER_CHOICES) if key in values}
        if creating and "source" not in data:
            data["source"] = Customer.Source.IMPORT
        if "consent" in values:
            granted = values["consent"]
            data["consent_status"] = (
                Customer.Consent.GRANTED if granted else Customer.Consent.DENIED
            )
            data["consent_source"] = self.source_label[:200]
        return data

    def _company(self, name: str) -> Company:
        found = Company.objects.alive().filter(name__iexact=name).order_by("pk").first()
        return found or company_create(by=self.by, name=name)

    def _note(self, customer: Customer, values: dict[str, Any]) -> bool:
        body = values.get("notes", "")
        if not body or customer.interactions.filter(kind=Interaction.Kind.NOTE, body=body).exists():
            return False
        interaction_create(
            by=self.by,
            customer=customer,
            kind=Interaction.Kind.NOTE,
            subject=_("Imported note"),
            body=body,
        )
        return True

    def create(self, values: dict[str, Any]) -> Customer:
        customer = customer_create(
            by=self.by,
            name=values["name"],
            data=self._data(values, creating=True),
            emails=values.get("emails", ()),
            phones=values.get("phones", ()),
            tags=values.get("tags", ()),
            custom_fields=values.get("custom_fields"),
            phone_region=self.phone_region,
        )
        self._note(customer, values)
        return customer

    def update(self, customer: Customer, values: dict[str, Any]) -> bool:
        """Apply the row; True when anything changed."""
        version = customer.version
        stored_phones = list(customer.phones.values_list("raw", "e164"))
        new_phones = [
            raw
            for raw, e164 in zip(
                values.get("phones", []), values.get("phones_e164", []), strict=True
            )
            if e164 not in {e for _r, e in stored_phones}
        ]
        tags = _merged(list(customer.tags.values_list("name", flat=True)), values.get("tags", []))
        updated = customer_update(
            customer=customer,
            by=self.by,
            data={"name": values["name"], **self._data(values, creating=False)},
            emails=_merged(
                list(customer.emails.values_list("email", flat=True)), values.get("emails", [])
            ),
            phones=[raw for raw, _e in stored_phones] + new_phones if new_phones else None,
            tags=tags,
            custom_fields=_custom_changes(customer.custom_fields, values.get("custom_fields")),
            phone_region=self.phone_region,
        )
        noted = self._note(updated, values)
        return updated.version != version or noted


class CompanyWriter:
    target = "company"

    def __init__(self, *, by: Any, phone_region: str = "", source_label: str = "") -> None:
        self.by = by

    def match(self, values: dict[str, Any]) -> tuple[Company | None, str]:
        companies = Company.objects.alive().order_by("pk")
        found = companies.filter(name__iexact=values["name"]).first()
        if found is not None:
            return found, "name"
        domain = values.get("domain", "").lower().removeprefix("https://").removeprefix("http://")
        domain = domain.strip("/")
        if domain and (found := companies.filter(domain__iexact=domain).first()) is not None:
            return found, "domain"
        return None, ""

    def create(self, values: dict[str, Any]) -> Company:
        return company_create(
            by=self.by,
            name=values["name"],
            data={key: values[key] for key in COMPANY_DATA if key in values},
            tags=values.get("tags", ()),
            custom_fields=values.get("custom_fields"),
        )

    def update(self, company: Company, values: dict[str, Any]) -> bool:
        version = company.version
        updated = company_update(
            company=company,
            by=self.by,
            data={
                "name": values["name"],
                **{key: values[key] for key in COMPANY_DATA if key in values},
            },
            tags=_merged(list(company.tags.values_list("name", flat=True)), values.get("tags", [])),
            custom_fields=_custom_changes(company.custom_fields, values.get("custom_fields")),
        )
        return updated.version != version
