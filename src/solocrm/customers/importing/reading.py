"""Reading an uploaded file into a Table, or refusing it with the reason."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import TextIO

from django.utils.translation import gettext as _

from solocrm.customers.importing.csv_reading import HEAD_CHARS, csv_table_read
from solocrm.customers.importing.decoding import text_decode
from solocrm.customers.importing.errors import FileRefused
from solocrm.customers.importing.limits import MB, ImportLimits, limits_from_environment
from solocrm.customers.importing.table import Table
from solocrm.customers.importing.xlsx_reading import ZIP_SIGNATURE, xlsx_table_read

TEXT_SUFFIXES = {"", ".csv", ".txt", ".tsv", ".tab"}


def table_read(
    *,
    data: bytes,
    filename: str = "",
    limits: ImportLimits | None = None,
    path: Path | None = None,
) -> Table:
    """The file's header and rows. Raises ``FileRefused`` saying why it cannot be read.

    ``path``: the file ``data`` was read from. A long CSV file's rows are then read
    again from it when walked, so that its bytes need not be kept (see ``LazyRows``).
    """
    limits = limits or limits_from_environment()
    suffix = PurePath(filename).suffix.lower()
    if len(data) > limits.max_bytes:
        raise FileRefused(
            _(
                "The file is %(size).1f MB; at most %(most).0f MB can be imported at once. "
                "Split it into smaller files."
            )
            % {"size": len(data) / MB, "most": limits.max_bytes / MB}
        )
    if not data.strip():
        raise FileRefused(_("The file is empty."))
    if data.startswith(ZIP_SIGNATURE):
        return _with_rows(xlsx_table_read(data=data, limits=limits))
    if suffix in (".xlsx", ".xlsm"):
        raise FileRefused(_("The file is named .xlsx but is not an Excel workbook."))
    if suffix == ".xls":
        raise FileRefused(_("Old Excel .xls files cannot be read; save it as .xlsx or CSV."))
    if suffix not in TEXT_SUFFIXES:
        raise FileRefused(_("Files of type %s cannot be imported; use CSV or XLSX.") % suffix)
    text, encoding = text_decode(data=data)
    reopen = _from_file(path, encoding) if path is not None else _from_bytes(data, encoding)
    whole = len(text) <= HEAD_CHARS
    if not whole:  # read from ``reopen`` past the head: the text is let go here
        text = text[:HEAD_CHARS]
    table = csv_table_read(text=text, encoding=encoding, limits=limits, reopen=reopen, whole=whole)
    return _with_rows(table)


def _from_bytes(data: bytes, encoding: str) -> Callable[[], TextIO]:
    return lambda: _reopen(data, encoding)


def _from_file(path: Path, encoding: str) -> Callable[[], TextIO]:
    """The file's text again, decoded from disk; refused if the file changed since."""
    read = os.stat(path)

    def reopen() -> TextIO:
        now = os.stat(path)
        if (now.st_size, now.st_mtime_ns) != (read.st_size, read.st_mtime_ns):
            raise FileRefused(_("The file changed while it was being imported; import it again."))
        stream = open(path, "rb")  # noqa: SIM115 - closed by the rows' reader when done
        return _skip_bom(io.TextIOWrapper(stream, encoding=encoding, newline=""))

    return reopen


def _reopen(data: bytes, encoding: str) -> TextIO:
    """The text ``text_decode`` gave, as a stream decoded again from ``data``: it is
    ``data.decode(encoding)`` without a leading BOM."""
    return _skip_bom(io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""))


def _skip_bom(stream: TextIO) -> TextIO:
    if stream.read(1) != "\ufeff":
        stream.seek(0)
    return stream


def _with_rows(table: Table) -> Table:
    if not table.rows:
        raise FileRefused(_("The file has a header row but no data rows."))
    return table
