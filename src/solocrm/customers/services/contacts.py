"""Contact details: email addresses and phone numbers (first is primary, each kept once)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from solocrm.customers.models import Customer, CustomerEmail, CustomerPhone
from solocrm.customers.phones import (
    NormalisedPhone,
    default_phone_region,
    phone_normalise,
    remembered,
)


def emails_clean(emails: Sequence[str]) -> tuple[list[str], list[str]]:
    """Lower-cased, de-duplicated addresses (first is primary) and the errors found."""
    cleaned: list[str] = []
    errors: list[str] = []
    for raw in emails:
        email = str(raw).strip().lower()
        if not email:
            continue
        if not remembered(("email", email), lambda email=email: _email_valid(email)):
            errors.append(_("“%s” is not an email address.") % raw)
            continue
        if email not in cleaned:
            cleaned.append(email)
    return cleaned, errors


def emails_known_valid(emails: Sequence[str]) -> None:
    """Inside ``phones_remembered``: these cleaned addresses were checked by other means
    (an import's plain-address test), so ``emails_clean`` need not run the validator."""
    for email in emails:
        remembered(("email", email), _known_valid)


def _known_valid() -> bool:
    return True


def _email_valid(email: str) -> bool:
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def phones_clean(
    phones: Sequence[str], *, region: str | None
) -> tuple[list[NormalisedPhone], list[str]]:
    """Normalised phones (first is primary, same number once) and the errors found."""
    region = region or default_phone_region()
    cleaned: list[NormalisedPhone] = []
    errors: list[str] = []
    for raw in phones:
        if not str(raw).strip():
            continue
        try:
            phone = phone_normalise(str(raw), region=region)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        if all(p.e164 != phone.e164 for p in cleaned):
            cleaned.append(phone)
    return cleaned, errors


def contacts_replace(
    customer: Customer, emails: list[str] | None, phones: list[NormalisedPhone] | None
) -> None:
    if emails is not None:
        customer.emails.all().delete()
        CustomerEmail.objects.bulk_create(
            CustomerEmail(customer=customer, email=email, is_primary=i == 0)
            for i, email in enumerate(emails)
        )
    if phones is not None:
        customer.phones.all().delete()
        CustomerPhone.objects.bulk_create(
            CustomerPhone(customer=customer, raw=p.raw, e164=p.e164, is_primary=i == 0)
            for i, p in enumerate(phones)
        )


def related_snapshot(customer: Customer) -> dict[str, Any]:
    return {
        "emails": list(customer.emails.values_list("email", flat=True)),
        "phones": list(customer.phones.values_list("raw", flat=True)),
        "tags": sorted(customer.tags.values_list("name", flat=True)),
    }
