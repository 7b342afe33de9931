"""Importing prepared rows as units (a product row, or every row of one order).

Like the customers' engine: in ``atomic`` mode everything is one transaction, rolled back
if any row was rejected; in ``partial`` mode units are committed in batches, so a long
import never holds the write lock for long, and bad units are reported and left out. A
dry run writes nothing. Every row of a unit shares the unit's outcome.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import transaction
from django.utils.translation import gettext as _

from solocrm.customers.importing.engine import MODES, ON_DUPLICATE, ImportResult, RowOutcome
from solocrm.customers.importing.prepare import PreparedRow

BATCH_ROWS = 5000
Progress = Callable[[int, int], None]


@dataclass
class Unit:
    """Rows that become one record; ``key`` is the order number or the SKU."""

    key: str
    rows: list[PreparedRow] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return any(row.problems for row in self.rows)

    def reject(self, row: PreparedRow, column: str, value: Any, reason: str) -> None:
        row.reject(column, value, reason)

    def explain_rejection(self) -> None:
        """Rows without a problem of their own say they went down with the unit."""
        first_bad = next((row.line for row in self.rows if row.problems), None)
        for row in self.rows:
            if not row.problems and first_bad is not None:
                row.reject(
                    "", self.key,
                    _("Not imported: another row of %(key)s was rejected (line %(line)d).")
                    % {"key": self.key, "line": first_bad},
                )  # fmt: skip


@dataclass
class UnitOutcome:
    action: str  # created, updated, skipped or rejected
    record_id: int | None = None
    detail: str = ""


class Writer(Protocol):
    def write(self, units: Sequence[Unit], on_duplicate: str) -> list[UnitOutcome]: ...


def _batches(units: Sequence[Unit], rows: int) -> Iterator[Sequence[Unit]]:
    batch: list[Unit] = []
    size = 0
    for unit in units:
        batch.append(unit)
        size += len(unit.rows)
        if size >= rows:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def units_import(
    *,
    units: Sequence[Unit],
    writer: Writer,
    mode: str = "atomic",
    on_duplicate: str = "skip",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    if on_duplicate not in ON_DUPLICATE:
        raise ValueError(f"on_duplicate must be one of {', '.join(ON_DUPLICATE)}")
    report = progress or (lambda done, total: None)
    result = ImportResult(rows=sum(len(unit.rows) for unit in units))
    one_transaction = mode == "atomic" or dry_run
    with transaction.atomic() if one_transaction else contextlib.nullcontext():
        for batch in _batches(units, BATCH_ROWS):
            with transaction.atomic():
                outcomes = writer.write(batch, on_duplicate)
            for unit, outcome in zip(batch, outcomes, strict=True):
                if outcome.action == "rejected":
                    unit.explain_rejection()
                result.outcomes.extend(
                    RowOutcome(row.line, outcome.action, outcome.record_id, outcome.detail)
                    for row in unit.rows
                )
            report(len(result.outcomes), result.rows)
        result.tally.update(outcome.action for outcome in result.outcomes)
        rejected = result.count("rejected") > 0
        if one_transaction and (dry_run or (mode == "atomic" and rejected)):
            transaction.set_rollback(True)
    result.outcomes.sort(key=lambda outcome: outcome.line)
    result.problems = sorted(
        (p for unit in units for row in unit.rows for p in row.problems), key=lambda p: p.line
    )
    result.written = not dry_run and not (mode == "atomic" and result.count("rejected") > 0)
    return result
