"""The report of an import: a CSV (UTF-8 with BOM for Excel) of line, column, value and
reason for each rejected row's problems and each row imported with a warning (a likely
duplicate; its reason begins "Imported, but"), in the order of the file's lines. Values
come from the imported file, so they are neutralised like an export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from solocrm.customers.exporting import cell_neutralise
from solocrm.customers.importing.errors import RowProblem, RowWarning

REPORT_HEADER = ("line", "column", "value", "reason")


def report_csv(problems: Iterable[RowProblem], warnings: Iterable[RowWarning] = ()) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REPORT_HEADER)
    entries: list[RowProblem | RowWarning] = [*problems, *warnings]
    for problem in sorted(entries, key=lambda entry: entry.line):  # stable: problems first
        writer.writerow(
            [
                problem.line,
                *(cell_neutralise(v) for v in (problem.column, problem.value, problem.reason)),
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")
