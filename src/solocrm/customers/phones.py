"""Phone numbers: keep what the person typed, store the E.164 form for matching."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import phonenumbers
from django.utils.translation import gettext as _

T = TypeVar("T")
_REMEMBERED: ContextVar[dict[Hashable, Any] | None] = ContextVar("phones_remembered", default=None)


@dataclass(frozen=True)
class NormalisedPhone:
    raw: str
    e164: str
    national_digits: str  # national format digits with the trunk prefix, e.g. 01012345678


def default_phone_region() -> str:
    from solocrm.accounts.models import WorkspaceSettings

    return (WorkspaceSettings.load().default_phone_region or "CN").upper()


@contextmanager
def phones_remembered(memory: dict[Hashable, Any] | None = None) -> Iterator[None]:
    """Within this block each phone number is parsed once per region (and each email
    address checked once: ``emails_clean``).

    An import parses every phone of a file twice (checking the rows, then writing them
    through the services) and formats it once more for the search text; parsing is a
    pure function of the text and the region, so the answers are kept until the block
    ends. Refusals are not kept (their messages follow the active language). Pass the
    ``memory`` of an earlier block to go on with its answers.
    """
    token = _REMEMBERED.set({} if memory is None else memory)
    try:
        yield
    finally:
        _REMEMBERED.reset(token)


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its earlier answer for ``key`` inside ``phones_remembered``."""
    memory = _REMEMBERED.get()
    if memory is None:
        return compute()
    if key not in memory:
        memory[key] = compute()
    return memory[key]


def phone_normalise(raw: str, *, region: str) -> NormalisedPhone:
    """Parse ``raw`` as written in ``region`` (ISO code); raise ``ValueError`` if invalid."""
    return remembered(("normalise", str(raw), region), lambda: _phone_normalise(raw, region=region))


def _phone_normalise(raw: str, *, region: str) -> NormalisedPhone:
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
    phone = NormalisedPhone(
        raw=text,
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        national_digits=re.sub(r"\D", "", national),
    )
    if not number.extension:  # then the E.164 form formats to the same national digits
        remembered(("national", phone.e164), lambda: phone.national_digits)
    return phone


def phone_digits(text: str) -> str:
    return re.sub(r"\D", "", text)
