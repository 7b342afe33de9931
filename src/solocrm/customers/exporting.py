"""Exporting customer lists to CSV and XLSX, safe to open in a spreadsheet.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab, CR or LF could run as a
formula when the file is opened (CSV injection); such cells get an apostrophe in front,
in CSV and XLSX alike (an XLSX copy saved again as CSV stays safe), and so does text
that starts with apostrophes and then like a formula; the import removes one leading
apostrophe from such text, so an export imports back unchanged. A plain number
(``-12.5``) is left alone: it cannot run. Text cells in XLSX are always written as
text, never as formulas, even when they look like numbers; numbers (number and decimal
custom fields) are written as numbers unless they have more digits than a spreadsheet
keeps (15), then as text. ``neutralise=False`` turns the apostrophes off for files
meant for programs, not spreadsheets.

Who may export: the owner and members, what they may see (a member limited to their own
records exports only those). Viewers may look records up but not take bulk copies of
personal data, so they cannot export. Every export leaves an ``export`` audit entry with
the filters, the format and the number of rows.

Columns carry the import's field names, so an exported file imports back unchanged.
CSV is UTF-8 with a byte-order mark, which Excel needs to show Chinese correctly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.core.audit import audit_record
from solocrm.core.custom_fields import CustomFieldDefinition, definitions_for
from solocrm.core.permissions import can_write, visible
from solocrm.customers.filters import CustomerFilterForm, customers_filter
from solocrm.customers.importing.values import tags_join
from solocrm.customers.models import Customer
from solocrm.customers.selectors import customers_visible, customers_with_details

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
EXPORT_FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK = 2000


def cell_neutralise(value: Any) -> Any:
    """The value with an apostrophe before a formula-like text; other values unchanged.

    Text that already starts with apostrophes and then like a formula gets one more, so
    that the import, which removes one such apostrophe, gives back the text as it was."""
    if not isinstance(value, str) or not value.lstrip("'").startswith(FORMULA_START):
        return value
    if PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if value else None


Getter = Callable[[Customer], Any]


def export_columns() -> list[tuple[str, Getter]]:
    """(header, value getter) pairs; headers are the import's field names."""
    columns: list[tuple[str, Getter]] = [
        (_("Name"), lambda c: c.name),
        (_("External ID"), lambda c: c.external_id or ""),
        (_("Email"), lambda c: "; ".join(e.email for e in c.emails.all())),
        (_("Phone"), lambda c: "; ".join(p.e164 or p.raw for p in c.phones.all())),
        (_("Company"), lambda c: c.company.name if c.company else ""),
        (_("WeChat ID"), lambda c: c.wechat_id),
        (_("Address"), lambda c: c.address),
        (_("City"), lambda c: c.city),
        (_("Country"), lambda c: c.country),
        (_("Birthday"), lambda c: c.birthday),
        (_("Gender"), lambda c: c.get_gender_display() if c.gender else ""),
        (_("Source"), lambda c: c.get_source_display()),
        (_("Tags"), lambda c: tags_join(t.name for t in c.tags.all())),
        (_("Marketing consent"), lambda c: c.get_consent_status_display()),
        (_("Stage"), lambda c: c.get_lifecycle_stage_display()),
        (_("Tier"), lambda c: c.get_tier_display()),
        (_("Owner"), lambda c: str(c.owner) if c.owner else ""),
        (_("Created"), lambda c: _local(c.created_at)),
        (_("Updated"), lambda c: _local(c.updated_at)),
    ]
    for definition in definitions_for(CustomFieldDefinition.Target.CUSTOMER):
        columns.append((definition.label, _custom_getter(definition)))
    return columns


def _custom_getter(definition: CustomFieldDefinition) -> Getter:
    types = CustomFieldDefinition.FieldType

    def value(customer: Customer) -> Any:
        stored = customer.custom_fields.get(definition.key)
        if stored is None:
            return ""
        if isinstance(stored, bool):
            return _("yes") if stored else _("no")
        if isinstance(stored, list):
            return tags_join(str(v) for v in stored)
        if definition.field_type == types.DECIMAL:
            try:
                return Decimal(str(stored))
            except InvalidOperation:
                return str(stored)
        if definition.field_type == types.DATE:
            try:
                return dt.date.fromisoformat(str(stored))
            except ValueError:
                return str(stored)
        return stored

    return value


def _rows(customers: QuerySet[Customer], columns: list[tuple[str, Getter]]) -> Iterator[list]:
    for customer in customers.iterator(chunk_size=CHUNK):
        yield [getter(customer) for _header, getter in columns]


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _csv(headers: list[str], rows: Iterator[list], neutralise: bool) -> tuple[bytes, int]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    count = 0
    for row in rows:
        texts = [_csv_text(v) for v in row]
        writer.writerow([cell_neutralise(t) for t in texts] if neutralise else texts)
        count += 1
    return buffer.getvalue().encode("utf-8-sig"), count


def _fits_a_float(value: Decimal | int) -> bool:
    """Whether a spreadsheet number (a double) holds ``value`` exactly."""
    if isinstance(value, bool):
        return True
    try:
        return Decimal(repr(float(value))) == value
    except OverflowError:
        return False


def _xlsx(headers: list[str], rows: Iterator[list], neutralise: bool) -> tuple[bytes, int]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Customers"))

    def cell(value: Any) -> Any:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            text = cell_neutralise(value) if neutralise else value
            written = WriteOnlyCell(sheet, value=text)
            written.data_type = "s"  # text, never a formula, whatever it starts with
            return written
        if isinstance(value, Decimal | int) and not _fits_a_float(value):
            return cell(str(value))
        return value

    sheet.append([cell(h) for h in headers])
    count = 0
    for row in rows:
        sheet.append([cell(v) for v in row])
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str
    content_type: str
    rows: int


def customers_export(
    *,
    by: Any,
    customers: QuerySet[Customer],
    file_format: str,
    filters: dict[str, Any],
    neutralise: bool = True,
) -> ExportFile:
    """Write ``customers`` (narrowed to what ``by`` may see) as CSV or XLSX and audit it."""
    if not can_write(by):
        raise PermissionDenied(_("Viewers cannot export; ask the owner for an export."))
    if file_format not in EXPORT_FORMATS:
        raise ValueError(f"format must be one of {', '.join(EXPORT_FORMATS)}")
    customers = customers_with_details(visible(by, customers))
    columns = export_columns()
    headers = [str(header) for header, _getter in columns]
    writer = _csv if file_format == "csv" else _xlsx
    content, count = writer(headers, _rows(customers, columns), neutralise)
    audit_record(
        "export",
        object_type_label="customers.customer",
        object_repr=f"export of {count} customers"[:200],
        changes={
            "filters": filters,
            "format": file_format,
            "rows": count,
            "neutralised": neutralise,
        },
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return ExportFile(
        content, f"customers-{stamp}.{file_format}", CONTENT_TYPES[file_format], count
    )


NOT_FILTERS = {"format", "raw", "cursor", "columns"}


def export_filters(query: QueryDict) -> dict[str, Any]:
    """The list filters of a query string, as the audit entry records them."""
    return {
        key: values if len(values) > 1 else values[0]
        for key, values in query.lists()
        if key not in NOT_FILTERS and any(values)
    }


def filtered_export(*, user: Any, query: QueryDict) -> ExportFile | dict[str, list[str]]:
    """The export file, or the filter errors (a wrong filter never widens an export)."""
    file_format = query.get("format", "csv")
    if file_format not in EXPORT_FORMATS:
        return {"format": [f"Use one of: {', '.join(EXPORT_FORMATS)}."]}
    form = CustomerFilterForm(query)
    if not form.is_valid():
        return {field: [str(m) for m in messages] for field, messages in form.errors.items()}
    return customers_export(
        by=user,
        customers=customers_filter(customers_visible(user), form),
        file_format=file_format,
        filters=export_filters(query),
        neutralise=query.get("raw") != "1",
    )
