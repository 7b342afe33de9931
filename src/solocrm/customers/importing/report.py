"""The report of rejected rows: a CSV (UTF-8 with BOM for Excel) of line, column, value
and reason. Values come from the imported file, so they are neutralised like an export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from solocrm.customers.exporting import cell_neutralise
from solocrm.customers.importing.errors import RowProblem

REPORT_HEADER = ("line", "column", "value", "reason")


def report_csv(problems: Iterable[RowProblem]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REPORT_HEADER)
    for problem in problems:
        writer.writerow(
            [
                problem.line,
                *(cell_neutralise(v) for v in (problem.column, problem.value, problem.reason)),
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")
