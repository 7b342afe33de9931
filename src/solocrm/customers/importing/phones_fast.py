"""A shortcut for the commonest phone of a Chinese customer file: an 11-digit mobile.

``phone_normalise`` parses every number with ``phonenumbers`` (some 150 µs each). For
region CN, a cell of exactly 11 digits that matches ``phonenumbers``' own patterns for
China (its general pattern and its mobile pattern, read from the library's metadata, so
they follow its updates) is a valid mobile whose E.164 form is ``+86`` and the digits,
and whose national form has the same digits; the answers are put where
``phone_normalise`` looks first (``phones.remembered``), so the services, the search
text and everything else see exactly what ``phonenumbers`` would have said.
``tests/customers/test_import_batch.py`` checks that equivalence over every 4-digit
prefix. Any other cell goes to ``phonenumbers`` as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

import phonenumbers

from solocrm.customers.phones import NormalisedPhone, remembered
from solocrm.customers.services.contacts import phones_clean

ELEVEN_DIGITS = re.compile(r"1\d{10}")


@cache
def _cn_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    return (
        re.compile(metadata.general_desc.national_number_pattern),
        re.compile(metadata.mobile.national_number_pattern),
    )


def cn_mobile(text: str) -> NormalisedPhone | None:
    """The normalised phone for an 11-digit Chinese mobile written as digits only."""
    if not ELEVEN_DIGITS.fullmatch(text):
        return None
    general, mobile = _cn_patterns()
    if general.fullmatch(text) and mobile.fullmatch(text):
        return NormalisedPhone(raw=text, e164="+86" + text, national_digits=text)
    return None


def phones_prime(items: Iterable[str], *, region: str) -> None:
    """Answer ``phone_normalise`` for the plain CN mobiles among ``items`` in advance."""
    if region.upper() != "CN":
        return
    for item in items:
        phone = cn_mobile(item)
        if phone is not None:
            remembered(("normalise", item, region), lambda phone=phone: phone)
            remembered(("national", phone.e164), lambda phone=phone: phone.national_digits)


def _distinct(phones: Sequence[NormalisedPhone | None]) -> list[NormalisedPhone]:
    """Each number once, in order (the first is the primary)."""
    cleaned: list[NormalisedPhone] = []
    for phone in phones:
        if phone is not None and all(p.e164 != phone.e164 for p in cleaned):
            cleaned.append(phone)
    return cleaned


def phones_clean_fast(
    items: Sequence[str], *, region: str
) -> tuple[list[NormalisedPhone], list[str]]:
    """``phones_clean(items, region=region)``, without ``phonenumbers`` when every item is
    a plain CN mobile (the same answer: see ``cn_mobile``)."""
    fast = [cn_mobile(item) for item in items] if region.upper() == "CN" else [None]
    if any(phone is None for phone in fast):
        return phones_clean(items, region=region)
    return _distinct(fast), []


def phones_clean_primed(
    items: Sequence[str], *, region: str
) -> tuple[list[NormalisedPhone], list[str]]:
    """``phones_prime`` then ``phones_clean_fast``, each item looked at once."""
    if region.upper() != "CN":
        return phones_clean(items, region=region)
    fast = [cn_mobile(item) for item in items]
    for item, phone in zip(items, fast, strict=True):
        if phone is not None:
            remembered(("normalise", item, region), lambda phone=phone: phone)
            remembered(("national", phone.e164), lambda phone=phone: phone.national_digits)
    if any(phone is None for phone in fast):
        return phones_clean(items, region=region)
    return _distinct(fast), []
