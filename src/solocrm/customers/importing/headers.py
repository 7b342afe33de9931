"""Suggesting which column feeds which field, from header names in English or Chinese."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from solocrm.customers.importing.fields import CUSTOM_PREFIX, ImportField

IGNORED_CHARACTERS = re.compile(r"[\s_\-.:：()（）\[\]【】*＊#/]+")
LATIN = re.compile(r"[a-z0-9 ]+")


def header_normalise(header: str) -> str:
    """Case-folded, without spaces, punctuation or required-field stars: "E-mail *" → "email"."""
    return IGNORED_CHARACTERS.sub("", header.casefold())


def _words(header: str) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", header.casefold())) - {""}


def _synonyms(field: ImportField) -> list[str]:
    return [field.key, str(field.label), *field.synonyms]


def _exact(header: str, fields: Sequence[ImportField]) -> ImportField | None:
    wanted = header_normalise(header)
    for field in fields:
        if any(header_normalise(s) == wanted for s in _synonyms(field)):
            return field
    return None


def _partial(header: str, fields: Sequence[ImportField]) -> ImportField | None:
    """The field whose synonym sits last in the header, the longest on a tie: compound
    names end in what they are, in English and Chinese alike ("Company Phone", "客户手机号"
    are phones). Latin synonyms must be whole words. None when two fields still tie."""
    normalised = header_normalise(header)
    words = _words(header)
    scored: list[tuple[tuple[int, int], ImportField]] = []
    for field in fields:
        for synonym in _synonyms(field):
            wanted = header_normalise(synonym)
            if LATIN.fullmatch(synonym.casefold()):
                found = set(synonym.casefold().split()) <= words and len(synonym) >= 3
            else:
                found = len(synonym) >= 2 and wanted in normalised
            if found and wanted:
                end = normalised.rfind(wanted) + len(wanted)
                scored.append(((end, len(wanted)), field))
    if not scored:
        return None
    best = max(score for score, _field in scored)
    top = {field.key: field for score, field in scored if score == best}
    return next(iter(top.values())) if len(top) == 1 else None


def mapping_suggest(*, headers: Iterable[str], fields: Sequence[ImportField]) -> dict[str, str]:
    """``{header: field key}`` ("" for columns left out). Exact names win over partial
    ones; a single-valued field is suggested for one column only."""
    headers = list(headers)
    mapping = {header: "" for header in headers}
    taken: set[str] = set()
    for finder in (_exact, _partial):
        for header in headers:
            if mapping[header]:
                continue
            field = finder(header, fields)
            if field is None or (field.key in taken and not field.multi_valued):
                continue
            mapping[header] = field.key
            taken.add(field.key)
    return mapping


def custom_import_fields(definitions: Iterable[object]) -> list[ImportField]:
    """Import fields for custom-field definitions, suggested by their label or key."""
    fields = []
    for definition in definitions:
        key = definition.key  # type: ignore[attr-defined]
        label = definition.label  # type: ignore[attr-defined]
        multi = definition.field_type == "multiple_choice"  # type: ignore[attr-defined]
        fields.append(
            ImportField(
                f"{CUSTOM_PREFIX}{key}", label, "custom_list" if multi else "custom", (key,)
            )
        )
    return fields
