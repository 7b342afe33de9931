"""Reading XLSX workbooks without trusting them.

Before openpyxl sees the file, the zip directory is checked: the members' declared
uncompressed sizes must add up to less than the limit (Python's zipfile never inflates a
member past its declared size, so the check holds against zip bombs). The workbook is
then read in read-only mode, one row at a time, with ``reset_dimensions`` so a wrong
``<dimension>`` element cannot hide rows. The first worksheet is imported; row numbers
are the sheet's own.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from typing import Any

from django.utils.translation import gettext as _

from solocrm.customers.importing.errors import FileRefused
from solocrm.customers.importing.limits import MB, ImportLimits
from solocrm.customers.importing.table import Row, Table, header_names, is_blank

ZIP_SIGNATURE = b"PK\x03\x04"


def _check_archive(data: bytes, limits: ImportLimits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise FileRefused(_("The file looks like XLSX but its zip structure is damaged.")) from exc
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise FileRefused(_("This zip file is not an XLSX workbook (no xl/workbook.xml)."))
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_unpacked_bytes:
        raise FileRefused(
            _(
                "The workbook unpacks to %(size).0f MB, more than the %(most).0f MB allowed; "
                "it may be a zip bomb, or save it as CSV."
            )
            % {"size": unpacked / MB, "most": limits.max_unpacked_bytes / MB}
        )


def _trimmed(cells: tuple[Any, ...]) -> tuple[Any, ...]:
    end = len(cells)
    while end and (cells[end - 1] is None or str(cells[end - 1]).strip() == ""):
        end -= 1
    return cells[:end]


def xlsx_table_read(*, data: bytes, limits: ImportLimits) -> Table:
    _check_archive(data, limits)
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it ignores
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise FileRefused(_("The workbook could not be read (%s).") % type(exc).__name__) from exc
    try:
        return _first_sheet(workbook, limits)
    except FileRefused:
        raise
    except Exception as exc:
        raise FileRefused(_("The workbook could not be read (%s).") % type(exc).__name__) from exc
    finally:
        workbook.close()


def _first_sheet(workbook: Any, limits: ImportLimits) -> Table:
    if not workbook.worksheets:
        raise FileRefused(_("The workbook has no worksheet."))
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()
    table: Table | None = None
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = _trimmed(tuple(values))
        if is_blank(cells):
            if table is not None:
                table.blank_rows += 1
            continue
        if table is None:
            headers = header_names(cells)
            if len(headers) > limits.max_columns:
                raise FileRefused(
                    _("The header has %(columns)s columns; at most %(most)s are read.")
                    % {"columns": len(headers), "most": limits.max_columns}
                )
            table = Table(
                file_format="xlsx", headers=headers, header_line=number, sheet=sheet.title
            )
            continue
        if len(table.rows) >= limits.max_rows:
            raise FileRefused(
                _("The sheet has more than %(rows)s data rows; split it into smaller files.")
                % {"rows": limits.max_rows}
            )
        table.rows.append(Row(line=number, cells=cells))
    if table is None:
        raise FileRefused(_("The sheet “%s” is empty: there is no header row.") % sheet.title)
    return table
