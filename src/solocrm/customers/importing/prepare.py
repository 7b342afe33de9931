"""Turning one row's cells into the values a service takes, or the problems found.

Nothing here writes. Contact details are cleaned by the same functions the customer
services use (``emails_clean``, ``phones_clean``), and custom fields by
``custom_fields_validate``, so a value the UI refuses is refused here, for the same
reason, and reported under the column it came from. Two shortcuts give the same answers
for the commonest cells without the slow checks: plain ASCII addresses (``PLAIN_EMAIL``)
and 11-digit Chinese mobiles (``phones_fast``); ``tests/customers/test_import_prepare.py``
holds them to it.

Each cell is read as text once (``cell_text``); the parsers then take that text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from solocrm.core.custom_fields import CustomFieldDefinition, custom_fields_validate
from solocrm.customers.importing.choices import choice_names, company_size_for, consent_parse
from solocrm.customers.importing.errors import RowProblem
from solocrm.customers.importing.fields import CUSTOM_PREFIX
from solocrm.customers.importing.mapping import ColumnMap
from solocrm.customers.importing.phones_fast import phones_clean_primed
from solocrm.customers.importing.table import Row
from solocrm.customers.importing.values import (
    cell_text,
    choice_parse,
    date_parse,
    date_text_parse,
    list_text_split,
    tags_split,
    tags_text_split,
    yes_no_parse,
)
from solocrm.customers.services import emails_clean, emails_known_valid

MAX_REPORTED_VALUE = 200
CJK = re.compile(r"[\u3400-\u9fff]")
# Plain ASCII addresses, every one of which Django's ``validate_email`` accepts (dot-atom
# local part, labels of letters, digits and inner hyphens, a top-level domain of letters).
PLAIN_EMAIL = re.compile(
    r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@"
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
    r"\.[a-z]{2,63}"
)
MAX_EMAIL = 320


@dataclass(frozen=True)
class PrepareContext:
    target: str  # "customer" or "company"
    phone_region: str
    date_order: str = "dmy"
    custom: dict[str, CustomFieldDefinition] = field(default_factory=dict)


@dataclass
class PreparedRow:
    line: int
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)  # field key → its cell text

    def reject(self, column: str, value: Any, reason: str) -> None:
        self.reject_text(column, cell_text(value), reason)

    def reject_text(self, column: str, text: str, reason: str) -> None:
        """``reject`` of a value already read as text by ``cell_text``."""
        self.problems.append(RowProblem(self.line, column, text[:MAX_REPORTED_VALUE], reason))


def _parse_single(kind: str, raw: Any, text: str, context: PrepareContext) -> Any:
    """The value of a single-valued cell; ``text`` is ``cell_text(raw)``, not empty."""
    if kind == "date":
        if isinstance(raw, dt.date):  # a spreadsheet's own date (or date and time) cell
            return date_parse(raw, date_order=context.date_order)
        return date_text_parse(text, date_order=context.date_order)
    if kind == "yes_no":
        return yes_no_parse(raw)
    if kind == "consent":
        return consent_parse(raw)
    if kind == "company_size" and text.isdigit():
        return company_size_for(int(text))
    if kind in ("gender", "source", "company_size"):
        what = {"gender": _("gender"), "source": _("source"), "company_size": _("size")}[kind]
        return choice_parse(raw, choices=choice_names(kind), what=what)
    return text


def _custom_value(definition: CustomFieldDefinition, raw: Any, context: PrepareContext) -> Any:
    types = CustomFieldDefinition.FieldType
    if definition.field_type == types.DATE:
        return date_parse(raw, date_order=context.date_order).isoformat()
    if definition.field_type == types.MULTIPLE_CHOICE:
        return tags_split(raw)
    if definition.field_type in (types.NUMBER, types.DECIMAL) and isinstance(raw, int | float):
        return raw
    return cell_text(raw)


def _contacts(prepared: PreparedRow, kind: str, header: str, text: str, region: str) -> None:
    items = list_text_split(text, kind=kind)
    if kind == "emails":
        cleaned, errors = _emails_clean(items)
        known = prepared.values.setdefault("emails", [])
        known.extend([e for e in cleaned if e not in known])
    else:
        # Primed: the services' own check when writing finds the answers ready.
        phones, errors = phones_clean_primed(items, region=region)
        known = prepared.values.setdefault("phones_e164", [])
        for phone in phones:
            if phone.e164 not in known:
                known.append(phone.e164)
                prepared.values.setdefault("phones", []).append(phone.raw)
    for error in errors:
        prepared.reject_text(header, text, error)


def _emails_clean(items: list[str]) -> tuple[list[str], list[str]]:
    """``emails_clean(items)``, without its validator when every item is a plain address
    (whose answer is remembered for the services' own check when writing)."""
    cleaned: list[str] = []
    for item in items:
        email = item.strip().lower()
        if len(email) > MAX_EMAIL or not PLAIN_EMAIL.fullmatch(email):
            return emails_clean(items)
        if email not in cleaned:
            cleaned.append(email)
    emails_known_valid(cleaned)
    return cleaned, []


def row_prepare(row: Row, *, column_map: ColumnMap, context: PrepareContext) -> PreparedRow:
    prepared = PreparedRow(line=row.line)
    cells = row.cells
    width = len(column_map.headers)
    extra = [c for c in cells[width:] if cell_text(c)]
    if extra:
        prepared.reject(
            f"Column {width + 1}",
            extra[0],
            _(
                "This row has %(cells)d cells but the header has %(columns)d columns; "
                "is a value with the delimiter in it missing its quotes?"
            )
            % {"cells": len(cells), "columns": width},
        )
    custom: dict[str, Any] = {}
    headers, fields = column_map.headers, column_map.fields
    for key, indexes in column_map.columns.items():
        kind = fields[key].kind
        for index in indexes:
            raw = cells[index] if index < len(cells) else None
            text = cell_text(raw)
            if not text:
                continue
            prepared.cells[key] = text
            _cell(prepared, key, kind, headers[index], raw, text, context, custom)
    _compose_name(prepared)
    _check_custom(prepared, column_map, context, custom)
    if not prepared.values.get("name"):
        prepared.reject(column_map.header_for("name"), "", _("A name is required."))
    return prepared


def _cell(
    prepared: PreparedRow,
    key: str,
    kind: str,
    header: str,
    raw: Any,
    text: str,
    context: PrepareContext,
    custom: dict[str, Any],
) -> None:
    """Parse one non-empty cell into ``prepared`` (``text`` is ``cell_text(raw)``)."""
    try:
        if kind == "emails" or kind == "phones":
            _contacts(prepared, kind, header, text, context.phone_region)
        elif kind == "tags":
            prepared.values.setdefault("tags", []).extend(tags_text_split(text))
        elif key.startswith(CUSTOM_PREFIX):
            name = key.removeprefix(CUSTOM_PREFIX)
            custom[name] = _custom_value(context.custom[name], raw, context)
        else:
            value = _parse_single(kind, raw, text, context)
            if value is not None:
                prepared.values[key] = value
    except ValueError as exc:
        prepared.reject_text(header, text, str(exc))


def _compose_name(prepared: PreparedRow) -> None:
    first = prepared.values.pop("first_name", "")
    last = prepared.values.pop("last_name", "")
    if prepared.values.get("name") or not (first or last):
        return
    if CJK.search(first + last):  # 张 + 三 → 张三: family name first, no space
        prepared.values["name"] = f"{last}{first}"
    else:
        prepared.values["name"] = " ".join(p for p in (first, last) if p)


def _check_custom(
    prepared: PreparedRow, column_map: ColumnMap, context: PrepareContext, custom: dict[str, Any]
) -> None:
    if not custom:
        return
    try:
        custom_fields_validate(target=context.target, values=custom, previous={}, require=False)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            name = key.removeprefix("custom_fields.")
            for message in messages:
                prepared.reject(column_map.header_for(key), custom.get(name, ""), message)
        return
    prepared.values["custom_fields"] = custom
