"""Applying and validating a customer's values: the one set of rules ``customer_create``,
``customer_update`` and ``CustomerBatch`` (imports) share.

A batch answers the checks that need the database (does the company exist, is the
external ID taken, which custom fields are defined) from lookups it loaded for many rows
at once; the rules and messages are the same ones, in this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.core.custom_fields import CustomFieldDefinition, custom_fields_validate
from solocrm.core.permissions import MEMBER, OWNER, visible
from solocrm.core.tags import Tag, tags_get_or_create
from solocrm.customers.models import Company, Customer
from solocrm.customers.phones import NormalisedPhone
from solocrm.customers.services._base import acting_user_links, clean_errors, raise_if
from solocrm.customers.services.contacts import emails_clean, phones_clean

CUSTOMER_FIELDS = (
    "name",
    "company",
    "wechat_id",
    "address",
    "city",
    "country",
    "birthday",
    "gender",
    "source",
    "owner",
    "lifecycle_stage",
    "tier",
    "consent_status",
    "consent_source",
    "consent_at",
    "external_id",
)
TEXT_FIELDS = ("name", "wechat_id", "address", "city", "country", "consent_source")


class BatchLookups(Protocol):
    """What a batch already knows, so validating one of its rows needs no query."""

    definitions: Sequence[CustomFieldDefinition]

    def company(self, company_id: int) -> Company | None:
        """The company if the acting user may see it (trashed or not), else None."""
        ...

    def external_id_taken(self, external_id: str) -> bool: ...


def tags_resolve(tags: Sequence[Tag | str], by: Any) -> list[Tag]:
    named = [t for t in tags if isinstance(t, str)]
    objects = [t for t in tags if isinstance(t, Tag)]
    return objects + [t for t in tags_get_or_create(names=named, by=by) if t not in objects]


def customer_apply(customer: Customer, data: dict[str, Any]) -> None:
    """Set ``data`` (names from ``CUSTOMER_FIELDS``) on ``customer``, tidying text."""
    unknown = set(data) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    for name, value in data.items():
        if name in TEXT_FIELDS and isinstance(value, str):
            value = " ".join(value.split()) if name != "address" else value.strip()
        if name == "external_id":
            value = (str(value).strip() or None) if value is not None else None
        if name in ("company", "owner") and isinstance(value, int):
            name, value = f"{name}_id", value
        setattr(customer, name, value)
    if "consent_status" in data and "consent_at" not in data:
        customer.consent_at = (
            None if customer.consent_status == Customer.Consent.UNKNOWN else timezone.now()
        )


def _company_errors(company: Company | None) -> list[str]:
    if company is None:
        return [_("This company does not exist.")]
    if company.deleted_at is not None:
        return [_("%s is in the trash; restore it first.") % company.name]
    return []


def _owner_errors(customer: Customer) -> list[str]:
    if customer.owner_id is None:
        return []
    owner = customer.owner
    if not owner.is_active or owner.role not in (OWNER, MEMBER):
        return [_("Choose an active owner or member.")]
    return []


def _model_errors(customer: Customer, by: Any) -> dict[str, list[str]]:
    """``full_clean`` and the links: the company must be one ``by`` may see and not
    trashed (this message replaces ``full_clean``'s), the owner a working user."""
    errors = clean_errors(customer, exclude=["custom_fields"])
    if customer.company_id is not None:
        company = visible(by, Company.objects.filter(pk=customer.company_id)).first()
        if company_errors := _company_errors(company):
            errors["company"] = company_errors
    if owner_errors := _owner_errors(customer):
        errors["owner"] = owner_errors
    return errors


def _model_errors_batched(
    customer: Customer, by: Any, lookups: BatchLookups
) -> dict[str, list[str]]:
    """The same checks as ``_model_errors`` with the database's part answered by
    ``lookups``: links to the acting user need no existence check, the company comes from
    the batch, and the external ID is checked against the batch's known IDs."""
    errors = clean_errors(
        customer,
        exclude=["custom_fields", "company", *acting_user_links(customer, by)],
        validate_unique=False,
    )
    company_id = customer.company_id
    if company_id is not None and (company_errors := _company_errors(lookups.company(company_id))):
        errors["company"] = company_errors
    if owner_errors := _owner_errors(customer):
        errors["owner"] = owner_errors
    external_id = customer.external_id
    if external_id and "external_id" not in errors and lookups.external_id_taken(external_id):
        taken = customer.unique_error_message(Customer, ("external_id",))
        errors["external_id"] = list(taken.messages)
    return errors


def customer_validate(
    customer: Customer,
    *,
    by: Any,
    emails: Sequence[str] | None,
    phones: Sequence[str] | None,
    custom_fields: dict[str, Any] | None,
    previous_custom_fields: dict[str, Any],
    phone_region: str | None,
    creating: bool,
    lookups: BatchLookups | None = None,
) -> tuple[list[str] | None, list[NormalisedPhone] | None]:
    """Validate everything at once so one error message names every wrong field.

    Returns the cleaned emails and phones (``None`` where none were given); sets the
    cleaned custom fields on ``customer``.
    """
    if lookups is None:
        errors = _model_errors(customer, by)
    else:
        errors = _model_errors_batched(customer, by, lookups)
    clean_emails = clean_phones = None
    if emails is not None:
        clean_emails, email_errors = emails_clean(emails)
        if email_errors:
            errors["emails"] = email_errors
    if phones is not None:
        clean_phones, phone_errors = phones_clean(phones, region=phone_region)
        if phone_errors:
            errors["phones"] = phone_errors
    try:
        customer.custom_fields = custom_fields_validate(
            target=CustomFieldDefinition.Target.CUSTOMER,
            values=custom_fields or {},
            previous=previous_custom_fields,
            require=creating or custom_fields is not None,
            definitions=lookups.definitions if lookups is not None else None,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    raise_if(errors)
    return clean_emails, clean_phones
