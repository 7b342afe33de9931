"""Reading CSV text: delimiter sniffing, and rows numbered by physical line."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from solocrm.customers.importing.errors import FileRefused
from solocrm.customers.importing.limits import ImportLimits
from solocrm.customers.importing.table import (
    LAZY_ROWS,
    LazyRows,
    Row,
    Table,
    header_names,
    is_blank,
)

DELIMITERS = ",;\t|"
DELIMITER_NAMES = {
    ",": gettext_lazy("commas"),
    ";": gettext_lazy("semicolons"),
    "\t": gettext_lazy("tabs"),
    "|": gettext_lazy("vertical bars"),
}
SAMPLE_CHARS = 64 * 1024
HEAD_CHARS = SAMPLE_CHARS + 1024  # the sample, and an Excel "sep=" line before it
SAMPLE_RECORDS = 50
Reopen = Callable[[], TextIO]
EXCEL_SEP_LINE = re.compile(r"\A\"?sep=(.)\"?[ \t]*(\r\n|\n|\r)")


def _sample(text: str) -> str:
    if len(text) <= SAMPLE_CHARS:
        return text
    cut = text[:SAMPLE_CHARS]
    return cut[: max(cut.rfind("\n"), 0)] or cut


def _consistency(sample: str, delimiter: str) -> tuple[float, int]:
    """(share of rows as wide as the first, that width); (0, 0) for a single column."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        records = [r for r in itertools.islice(reader, SAMPLE_RECORDS) if not is_blank(r)]
    except csv.Error:
        return (0.0, 0)
    if not records or len(records[0]) < 2:
        return (0.0, 0)
    width = len(records[0])
    return (sum(len(r) == width for r in records) / len(records), width)


def delimiter_sniff(text: str) -> str:
    """The delimiter among , ; tab | that splits the first rows most consistently.

    csv.Sniffer's guess wins ties; a file whose rows no candidate splits is one column.
    """
    sample = _sample(text)
    scores = {d: _consistency(sample, d) for d in DELIMITERS}
    best = max(scores.values())
    if best == (0.0, 0):
        return ","
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed in scores and scores[sniffed] == best:
        return sniffed
    return next(d for d in DELIMITERS if scores[d] == best)


def csv_table_read(
    *,
    text: str,
    encoding: str,
    limits: ImportLimits,
    reopen: Reopen | None = None,
    whole: bool = True,
) -> Table:
    """Parse CSV text into a Table, numbering rows by the physical line they start on.

    Past ``LAZY_ROWS`` rows, the rows are read again when walked (``LazyRows``): from
    ``reopen()``, a stream of the same text (decoded again from the file's bytes, so the
    text need not be kept), or else from ``text``. With ``whole=False`` ``text`` is only
    the file's first ``HEAD_CHARS`` characters (enough to sniff it) and every pass reads
    ``reopen()``: a long file's text is never held whole (a ``StringIO`` of it takes four
    bytes a character).
    """
    first_line = 0
    skipped = 0
    delimiter = ""
    if match := EXCEL_SEP_LINE.match(text):  # Excel's "sep=;" hint line
        delimiter = match.group(1)
        text = text[match.end() :]
        first_line = 1
        skipped = match.end()
    delimiter = delimiter or delimiter_sniff(text)
    table: Table | None = None
    count = 0
    if whole:
        source: str | Iterable[str] = text
    else:
        assert reopen is not None, "only the head of the text, and no way to read the rest"
        source = reopen()
        source.read(skipped)
    try:
        for line, record in _numbered_records(source, delimiter, first_line):
            if is_blank(record):
                if table is not None:
                    table.blank_rows += 1
                continue
            if table is None:
                table = _header_table(record, line, encoding, delimiter, limits)
                continue
            if count >= limits.max_rows:
                raise FileRefused(
                    _("The file has more than %(rows)s data rows; split it into smaller files.")
                    % {"rows": limits.max_rows}
                )
            if other := _mixed_delimiter(record, delimiter, len(table.headers)):
                raise FileRefused(
                    _(
                        "Line %(line)s is separated by %(other)s but the file by %(delimiter)s; "
                        "save it again with one delimiter."
                    )
                    % {
                        "line": line,
                        "other": DELIMITER_NAMES[other],
                        "delimiter": DELIMITER_NAMES[delimiter],
                    }
                )
            count += 1
            if count <= LAZY_ROWS:
                table.rows.append(Row(line=line, cells=tuple(record)))
    finally:
        if not isinstance(source, str):
            source.close()
    if table is None:
        raise FileRefused(_("The file is empty: there is no header row."))
    if count > LAZY_ROWS:  # read again when walked: see ``LazyRows``
        header_line = table.header_line

        if reopen is not None:  # the text is not kept

            def lines() -> Iterable[str]:
                stream = reopen()
                stream.read(skipped)  # the "sep=" line
                return stream

        else:
            kept = text

            def lines() -> Iterable[str]:
                return io.StringIO(kept, newline="")

        table.rows = LazyRows(
            lambda: _data_rows(lines(), delimiter, first_line, header_line), count
        )
    return table


def _numbered_records(
    text: str | Iterable[str], delimiter: str, first_line: int
) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the physical line it starts on."""
    lines = io.StringIO(text, newline="") if isinstance(text, str) else text
    # strict: a quote left open to the end, or text after a closing quote, is an error
    # (not rows silently swallowed into one cell)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    previous_end = 0
    try:
        for record in reader:
            yield first_line + previous_end + 1, record
            previous_end = reader.line_num
    except csv.Error as exc:
        start = first_line + previous_end + 1
        if str(exc) == "unexpected end of data":
            reason = f"a quoted value starts on line {start} and is never closed"
        elif str(exc).endswith("expected after '\"'"):
            reason = (
                f"text follows the closing quote of a value begun on line {start} "
                '(a quote inside a value is written twice: "")'
            )
        else:
            reason = str(exc)
        raise FileRefused(
            _("Line %(line)s: the file is not valid CSV (%(reason)s).")
            % {"line": first_line + reader.line_num, "reason": reason}
        ) from exc


def _mixed_delimiter(record: list[str], delimiter: str, width: int) -> str:
    """The other delimiter a one-cell row is split by into the header's width, if any
    (from three columns up: fewer is too little to tell)."""
    if len(record) != 1 or width < 3:
        return ""
    return next((d for d in DELIMITERS if d != delimiter and record[0].count(d) == width - 1), "")


def _data_rows(
    text: str | Iterable[str], delimiter: str, first_line: int, header_line: int
) -> Iterator[Row]:
    try:
        for line, record in _numbered_records(text, delimiter, first_line):
            if line > header_line and not is_blank(record):
                yield Row(line=line, cells=tuple(record))
    finally:  # a stream read again from the file (``reopen``) is closed, walked or not
        if not isinstance(text, str) and hasattr(text, "close"):
            text.close()


def _header_table(
    record: list[str], line: int, encoding: str, delimiter: str, limits: ImportLimits
) -> Table:
    headers = header_names(record)
    if len(headers) > limits.max_columns:
        raise FileRefused(
            _("The header has %(columns)s columns; at most %(most)s are read.")
            % {"columns": len(headers), "most": limits.max_columns}
        )
    return Table(
        file_format="csv",
        headers=headers,
        header_line=line,
        encoding=encoding,
        delimiter=delimiter,
    )
