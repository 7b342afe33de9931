"""A sales file's column mapping, and one row's cells turned into values (no writes).

Emails and phones are cleaned by the customers' own functions, so an address the
customer page refuses is refused here too, under the column it came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from solocrm.customers.importing.fields import ImportField
from solocrm.customers.importing.headers import mapping_suggest
from solocrm.customers.importing.mapping import ColumnMap, MappingRefused
from solocrm.customers.importing.phones_fast import phones_clean_fast
from solocrm.customers.importing.prepare import PreparedRow
from solocrm.customers.importing.table import Row, Table
from solocrm.customers.importing.values import cell_text, list_split, yes_no_parse
from solocrm.customers.services import emails_clean
from solocrm.sales.importing.cells import cell_parse
from solocrm.sales.importing.fields import SALES_FIELDS

CUSTOMER_KEYS = ("customer_email", "customer_phone", "customer_external_id")
LINE_SOURCES = ("sku", "unit_price", "total")


def _required(kind: str, mapped: set[str]) -> list[str]:
    problems = []
    labels = {f.key: str(f.label) for f in SALES_FIELDS[kind]}
    if kind == "products":
        problems += [f"no column is mapped to {labels[k]}" for k in ("sku",) if k not in mapped]
    else:
        if "number" not in mapped:
            problems.append(f"no column is mapped to {labels['number']}")
        if not mapped & set(CUSTOMER_KEYS):
            problems.append("no column identifies the customer (email, phone or external ID)")
        if not mapped & set(LINE_SOURCES):
            problems.append("no column gives a price: map a SKU, a unit price or an order total")
    return problems


def sales_mapping(*, table: Table, kind: str, mapping: dict[str, str] | None) -> ColumnMap:
    """The suggested mapping with the given entries laid over it, checked."""
    fields: Sequence[ImportField] = SALES_FIELDS[kind]
    combined = {**mapping_suggest(headers=table.headers, fields=fields), **(mapping or {})}
    by_key = {f.key: f for f in fields}
    column_map = ColumnMap(headers=list(table.headers), fields=by_key)
    problems = []
    for header, key in combined.items():
        if not key:
            continue
        if header not in table.headers:
            problems.append(f"the column “{header}” is not in the file")
        elif key not in by_key:
            problems.append(f"“{key}” (for column “{header}”) is not a field that can be imported")
        else:
            column_map.columns.setdefault(key, []).append(table.headers.index(header))
    for key, indexes in column_map.columns.items():
        if len(indexes) > 1 and not by_key[key].multi_valued:
            names = ", ".join(f"“{table.headers[i]}”" for i in indexes)
            problems.append(f"{names} are all mapped to {by_key[key].label}; pick one")
    problems += _required(kind, set(column_map.columns))
    if problems:
        raise MappingRefused("The column mapping cannot be used: " + "; ".join(problems) + ".")
    for indexes in column_map.columns.values():
        indexes.sort()
    return column_map


def _contacts(prepared: PreparedRow, kind: str, header: str, raw: Any, region: str) -> None:
    items = list_split(raw, kind=kind)
    if kind == "emails":
        emails, errors = emails_clean(items)
        known = prepared.values.setdefault("customer_email", [])
        known.extend(e for e in emails if e not in known)
    else:
        phones, errors = phones_clean_fast(items, region=region)
        e164 = prepared.values.setdefault("customer_phone_e164", [])
        for phone in phones:
            if phone.e164 not in e164:
                e164.append(phone.e164)
                prepared.values.setdefault("customer_phone", []).append(phone.raw)
    for error in errors:
        prepared.reject(header, raw, error)


@dataclass(frozen=True)
class Column:
    """One mapped column, with what parsing it needs worked out once per file."""

    key: str
    index: int
    kind: str
    header: str
    label: str


def columns_of(column_map: ColumnMap) -> list[Column]:
    return [
        Column(key, index, column_map.fields[key].kind, column_map.headers[index],
               str(column_map.fields[key].label))
        for key, indexes in column_map.columns.items()
        for index in indexes
    ]  # fmt: skip


def row_prepare(
    row: Row,
    *,
    column_map: ColumnMap,
    date_order: str,
    phone_region: str,
    columns: Sequence[Column] | None = None,
    tz: dt.tzinfo | None = None,
) -> PreparedRow:
    prepared = PreparedRow(line=row.line)
    width = len(column_map.headers)
    cells = row.cells
    if len(cells) > width and any(cell_text(c) for c in cells[width:]):
        extra = next(c for c in cells[width:] if cell_text(c))
        prepared.reject(
            f"Column {width + 1}",
            extra,
            _(
                "This row has %(cells)d cells but the header has %(columns)d columns; "
                "is a value with the delimiter in it missing its quotes?"
            )
            % {"cells": len(cells), "columns": width},
        )
    present = len(cells)
    for column in columns if columns is not None else columns_of(column_map):
        raw = cells[column.index] if column.index < present else None
        if type(raw) is str:
            text = raw.strip()  # the common CSV case, without cell_text's general work
            if not text:
                continue
            if text[0] == "'":
                text = cell_text(raw)
        else:
            text = cell_text(raw)
        if not text:
            continue
        prepared.cells[column.key] = text
        try:
            if column.kind == "text":
                prepared.values[column.key] = text
            elif column.kind in ("emails", "phones"):
                _contacts(prepared, column.kind, column.header, raw, phone_region)
            elif column.kind == "yes_no":
                prepared.values[column.key] = yes_no_parse(raw)
            else:
                prepared.values[column.key] = cell_parse(
                    column.kind, raw, date_order=date_order, what=column.label, text=text, tz=tz
                )
        except ValueError as exc:
            prepared.reject(column.header, raw, str(exc))
    return prepared
