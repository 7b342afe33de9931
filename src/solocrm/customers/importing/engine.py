"""Importing a table's rows: every row ends created, updated, skipped or rejected.

Two passes. The first prepares every row (parsing and cleaning, no writes). The second
writes: each row inside its own savepoint, so a row the services refuse leaves nothing
behind. In ``atomic`` mode the whole second pass is one transaction, rolled back if any
row was rejected. In ``partial`` mode rows are committed in batches, so a long import
never holds the database's write lock for long; bad rows are reported and left out.
A dry run writes nothing in either mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from solocrm.core.exceptions import StaleVersionError
from solocrm.customers.importing.errors import RowProblem
from solocrm.customers.importing.mapping import ColumnMap
from solocrm.customers.importing.prepare import PrepareContext, PreparedRow, row_prepare
from solocrm.customers.importing.table import Row
from solocrm.customers.importing.writers import RecordWriter, RowConflict

MODES = ("atomic", "partial")
ON_DUPLICATE = ("skip", "update", "create")
BATCH_ROWS = 200
PROGRESS_EVERY = 500
SERVICE_KEYS = {"consent_status": "consent", "consent_source": "consent"}

Progress = Callable[[int, int], None]


@dataclass
class RowOutcome:
    line: int
    action: str  # created, updated, skipped or rejected
    record_id: int | None = None
    detail: str = ""


@dataclass
class ImportResult:
    rows: int = 0
    written: bool = False
    outcomes: list[RowOutcome] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            **{a: self.count(a) for a in ("created", "updated", "skipped", "rejected")},
        }


def _chunks(items: Sequence[PreparedRow], size: int) -> Iterator[Sequence[PreparedRow]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _service_problems(prepared: PreparedRow, exc: ValidationError, column_map: ColumnMap) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for key, messages in errors.items():
        import_key = SERVICE_KEYS.get(key, key)
        if import_key.startswith("custom_fields."):
            import_key = "custom:" + import_key.removeprefix("custom_fields.")
        for message in messages:
            prepared.reject(
                column_map.header_for(import_key), prepared.cells.get(import_key, ""), message
            )


def _row_write(
    prepared: PreparedRow, writer: RecordWriter, on_duplicate: str, column_map: ColumnMap
) -> RowOutcome:
    if prepared.problems:
        return RowOutcome(prepared.line, "rejected")
    try:
        with transaction.atomic():
            record, matched_by = writer.match(prepared.values)
            if record is None or on_duplicate == "create":
                record = writer.create(prepared.values)
                return RowOutcome(prepared.line, "created", record.pk)
            if on_duplicate == "skip":
                return RowOutcome(prepared.line, "skipped", record.pk, f"exists ({matched_by})")
            changed = writer.update(record, prepared.values)
            action, detail = ("updated", matched_by) if changed else ("skipped", "unchanged")
            return RowOutcome(prepared.line, action, record.pk, detail)
    except ValidationError as exc:
        _service_problems(prepared, exc, column_map)
    except RowConflict as exc:
        column = column_map.header_for(exc.field)
        prepared.reject(column, prepared.cells.get(exc.field, ""), str(exc))
    except (PermissionDenied, StaleVersionError) as exc:
        prepared.reject("", "", str(exc) or "Permission denied.")
    except DatabaseError as exc:  # e.g. a unique key taken by a concurrent write
        prepared.reject("", "", f"The database refused the row: {exc}")
    return RowOutcome(prepared.line, "rejected")


def rows_import(
    *,
    rows: Sequence[Row],
    column_map: ColumnMap,
    context: PrepareContext,
    writer: RecordWriter,
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
    total = 2 * len(rows)
    prepared_rows = []
    for number, row in enumerate(rows, start=1):
        prepared_rows.append(row_prepare(row, column_map=column_map, context=context))
        if number % PROGRESS_EVERY == 0:
            report(number, total)
    report(len(rows), total)
    result = ImportResult(rows=len(rows))
    one_transaction = mode == "atomic" or dry_run
    batch = len(prepared_rows) if one_transaction else BATCH_ROWS
    for chunk in _chunks(prepared_rows, max(batch, 1)):
        with transaction.atomic():
            for prepared in chunk:
                result.outcomes.append(_row_write(prepared, writer, on_duplicate, column_map))
            rejected_in_atomic = mode == "atomic" and any(
                o.action == "rejected" for o in result.outcomes
            )
            if dry_run or rejected_in_atomic:
                transaction.set_rollback(True)
        report(len(rows) + len(result.outcomes), total)
    result.problems = [p for prepared in prepared_rows for p in prepared.problems]
    any_rejected = result.count("rejected") > 0
    result.written = not dry_run and not (mode == "atomic" and any_rejected)
    return result
