"""Phone numbers: keep what the person typed, store the E.164 form for matching."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class NormalisedPhone:
    raw: str
    e164: str
    national_digits: str  # national format digits with the trunk prefix, e.g. 01012345678


def default_phone_region() -> str:
    from solocrm.accounts.models import WorkspaceSettings

    return (WorkspaceSettings.load().default_phone_region or "CN").upper()


def phone_normalise(raw: str, *, region: str) -> NormalisedPhone:
    """Parse ``raw`` as written in ``region`` (ISO code); raise ``ValueError`` if invalid."""
    text = " ".join(str(raw).split())
    if not text:
        raise ValueError(_("Enter a phone number."))
    if len(text) > 50:
        raise ValueError(_("A phone number has at most 50 characters."))
    try:
        number = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException as exc:
        raise ValueError(_("“%s” is not a phone number.") % text) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(
            _(
                "“%(raw)s” is not a valid phone number for region %(region)s; "
                "write numbers from elsewhere with + and the country code."
            )
            % {"raw": text, "region": region.upper()}
        )
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return NormalisedPhone(
        raw=text,
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        national_digits=re.sub(r"\D", "", national),
    )


def phone_digits(text: str) -> str:
    return re.sub(r"\D", "", text)
