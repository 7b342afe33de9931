"""Importing a table's rows: every row ends created, updated, skipped or rejected.

The rows are walked once, ``BATCH_ROWS`` at a time: each batch is prepared (parsed and
cleaned, no writes), then written, so memory holds a batch or two, not the file (a batch
writer's statements run on a second thread, and the next batch is prepared meanwhile:
``statement_writer``). A writer
that can (customers, see ``customer_batch``) takes a whole batch: rows are matched and
validated one by one in memory and the new records written together; a row refused
leaves nothing behind. Any
other writer, and a batch the database refuses as a whole, goes row by row, each row in
its own savepoint. In ``atomic`` mode the whole import is one transaction, rolled
back if any row was rejected. In ``partial`` mode every batch is committed on its own,
so a long import never holds the database's write lock for long; bad rows are reported
and left out. A dry run writes nothing in either mode.

After each batch, the customers it created are checked for likely duplicates (similar
name at the same company or in the same city, a shared email or phone): such rows are
imported all the same and listed as warnings.

The result counts every row; it keeps the outcomes of the first ``KEPT_OUTCOMES`` rows
(a preview shows them) and the first ``KEPT_ENTRIES`` problems and warnings (the
report lists them), so that a file of a million rows needs no more memory than one of
ten thousand; the counts (``rejected_rows``, ``warning_count``) cover them all.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from solocrm.core.collection import young_garbage_collect
from solocrm.core.exceptions import StaleVersionError
from solocrm.core.statement_writer import meanwhile
from solocrm.customers.importing.errors import RowProblem, RowWarning
from solocrm.customers.importing.mapping import ColumnMap
from solocrm.customers.importing.prepare import PrepareContext, PreparedRow, row_prepare
from solocrm.customers.importing.table import Row
from solocrm.customers.importing.writers import AmbiguousMatch, RecordWriter, RowConflict
from solocrm.customers.phones import phones_remembered

MODES = ("atomic", "partial")
ON_DUPLICATE = ("skip", "update", "create")
BATCH_ROWS = 1000
KEPT_OUTCOMES = 10_000
KEPT_ENTRIES = 10_000
SERVICE_KEYS = {"consent_status": "consent", "consent_source": "consent"}

Progress = Callable[[int, int], None]
ROW_ERRORS = (ValidationError, RowConflict, PermissionDenied, StaleVersionError, DatabaseError)


class BatchRefused(Exception):
    """The database refused a batch's writes as a whole; the batch goes row by row."""


class Matched(Protocol):
    @property
    def record_id(self) -> int | None: ...


class BatchSession(Protocol):
    """One batch of a batch writer: match, create (kept until ``flush``), update."""

    def match(self, values: dict[str, Any]) -> tuple[Matched | None, str]: ...

    def create(self, values: dict[str, Any]) -> Matched: ...

    def update(self, record: Any, values: dict[str, Any]) -> bool: ...

    def flush(self) -> None:
        """Write the records created so far; raise ``BatchRefused`` if the database won't."""
        ...


@runtime_checkable
class BatchWriter(Protocol):
    def batch(self, rows: Sequence[dict[str, Any]]) -> BatchSession: ...

    def likely_duplicates(self, record_ids: Sequence[int]) -> dict[int, list[Any]]: ...


@dataclass(slots=True)
class RowOutcome:
    line: int
    action: str  # created, updated, skipped or rejected
    record_id: int | None = None
    detail: str = ""
    matched_by: str = ""  # how the row matched a stored record ("" for a new one)


@dataclass
class ImportResult:
    rows: int = 0
    written: bool = False
    outcomes: list[RowOutcome] = field(default_factory=list)  # the first KEPT_OUTCOMES
    problems: list[RowProblem] = field(default_factory=list)  # the first KEPT_ENTRIES
    warnings: list[RowWarning] = field(default_factory=list)  # the first KEPT_ENTRIES
    tally: Counter[str] = field(default_factory=Counter)
    warning_count: int = 0

    def count(self, action: str) -> int:
        return self.tally[action]

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            **{a: self.count(a) for a in ("created", "updated", "skipped", "rejected")},
        }

    def add(
        self,
        outcomes: Sequence[RowOutcome],
        problems: Iterable[RowProblem],
        warnings: Sequence[RowWarning],
    ) -> None:
        """Count a batch's outcomes; keep what the limits allow."""
        self.tally.update(outcome.action for outcome in outcomes)
        self.warning_count += len(warnings)
        self.outcomes.extend(outcomes[: max(KEPT_OUTCOMES - len(self.outcomes), 0)])
        self.problems.extend(itertools.islice(problems, KEPT_ENTRIES - len(self.problems)))
        self.warnings.extend(warnings[: max(KEPT_ENTRIES - len(self.warnings), 0)])


def _chunks(items: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class _PreparedAhead:
    """The rows, ``BATCH_ROWS`` at a time, each batch prepared (``row_prepare``, no
    database) with the phone answers it found; ``prepare_next`` may prepare the next
    batch early."""

    def __init__(self, rows: Sequence[Row], *, column_map: ColumnMap, context: PrepareContext):
        self._chunks = _chunks(rows, BATCH_ROWS)
        self._column_map = column_map
        self._context = context
        self._next: tuple[list[PreparedRow], dict[Any, Any]] | None = None
        self._ended = False
        self._error: Exception | None = None

    def prepare_next(self) -> None:
        if self._next is not None or self._ended or self._error is not None:
            return
        try:
            chunk = next(self._chunks, None)
            if chunk is None:
                self._ended = True
                return
            memory: dict[Any, Any] = {}
            with phones_remembered(memory):
                prepared = [
                    row_prepare(r, column_map=self._column_map, context=self._context)
                    for r in chunk
                ]
        except Exception as exc:  # raised by take, between batches
            # Early or not, the file's refusal (say, it changed on disk) comes where it
            # did before: after the batch being written, not inside its transaction.
            self._error = exc
            return
        self._next = (prepared, memory)

    def take(self) -> tuple[list[PreparedRow], dict[Any, Any]] | None:
        """The next batch's prepared rows and phone answers; None after the last."""
        self.prepare_next()
        if self._error is not None:
            raise self._error
        batch, self._next = self._next, None
        return batch


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


def _rejected(prepared: PreparedRow, exc: Exception, column_map: ColumnMap) -> RowOutcome:
    """Report why the services or the database refused the row."""
    if isinstance(exc, ValidationError):
        _service_problems(prepared, exc, column_map)
    elif isinstance(exc, RowConflict):
        column = column_map.header_for(exc.field)
        prepared.reject(column, prepared.cells.get(exc.field, ""), str(exc))
    elif isinstance(exc, PermissionDenied | StaleVersionError):
        prepared.reject("", "", str(exc) or "Permission denied.")
    else:  # e.g. a unique key taken by a concurrent write
        prepared.reject("", "", f"The database refused the row: {exc}")
    return RowOutcome(prepared.line, "rejected")


def _match(
    match: Callable[[dict[str, Any]], Any], values: dict[str, Any], on_duplicate: str
) -> Any:
    """``match(values)``; in create mode a row matching several customers is created too."""
    try:
        return match(values)
    except AmbiguousMatch:
        if on_duplicate != "create":
            raise
        return None, ""


def _row_write(
    prepared: PreparedRow, writer: RecordWriter, on_duplicate: str, column_map: ColumnMap
) -> RowOutcome:
    if prepared.problems:
        return RowOutcome(prepared.line, "rejected")
    try:
        with transaction.atomic():
            record, matched_by = _match(writer.match, prepared.values, on_duplicate)
            if record is None or on_duplicate == "create":
                record = writer.create(prepared.values)
                return RowOutcome(prepared.line, "created", record.pk, matched_by=matched_by)
            if on_duplicate == "skip":
                return RowOutcome(
                    prepared.line, "skipped", record.pk, f"exists ({matched_by})", matched_by
                )
            changed = writer.update(record, prepared.values)
            action, detail = ("updated", matched_by) if changed else ("skipped", "unchanged")
            return RowOutcome(prepared.line, action, record.pk, detail, matched_by)
    except ROW_ERRORS as exc:
        return _rejected(prepared, exc, column_map)


def _session_write(
    session: BatchSession, rows: Sequence[PreparedRow], on_duplicate: str, column_map: ColumnMap
) -> list[RowOutcome]:
    """A batch through a batch writer: the same decisions as ``_row_write``, row by row."""
    outcomes: list[RowOutcome] = []
    created: list[tuple[RowOutcome, Matched]] = []
    for prepared in rows:
        if prepared.problems:
            outcomes.append(RowOutcome(prepared.line, "rejected"))
            continue
        try:
            record, matched_by = _match(session.match, prepared.values, on_duplicate)
            if record is None or on_duplicate == "create":
                outcome = RowOutcome(prepared.line, "created", matched_by=matched_by)
                created.append((outcome, session.create(prepared.values)))
            elif on_duplicate == "skip":
                detail = f"exists ({matched_by})"
                outcome = RowOutcome(prepared.line, "skipped", record.record_id, detail, matched_by)
            else:
                changed = session.update(record, prepared.values)
                action, detail = ("updated", matched_by) if changed else ("skipped", "unchanged")
                outcome = RowOutcome(prepared.line, action, record.record_id, detail, matched_by)
        except ROW_ERRORS as exc:
            outcome = _rejected(prepared, exc, column_map)
        outcomes.append(outcome)
    session.flush()
    for outcome, record in created:
        outcome.record_id = record.record_id
    return outcomes


def _batch_write(
    rows: Sequence[PreparedRow], writer: RecordWriter, on_duplicate: str, column_map: ColumnMap
) -> list[RowOutcome]:
    if not isinstance(writer, BatchWriter):
        return [_row_write(prepared, writer, on_duplicate, column_map) for prepared in rows]
    marks = [len(prepared.problems) for prepared in rows]
    try:
        with transaction.atomic():
            session = writer.batch([prepared.values for prepared in rows if not prepared.problems])
            return _session_write(session, rows, on_duplicate, column_map)
    except BatchRefused:
        # Rolled back to the batch's start: go row by row, so that only the rows the
        # database refuses are rejected.
        for prepared, mark in zip(rows, marks, strict=True):
            del prepared.problems[mark:]
        return [_row_write(prepared, writer, on_duplicate, column_map) for prepared in rows]


def _warnings(
    rows: Sequence[PreparedRow],
    outcomes: Sequence[RowOutcome],
    writer: RecordWriter,
    column_map: ColumnMap,
) -> list[RowWarning]:
    """Rows created as new records that look like stored ones (see ``duplicates_batch``)."""
    if not isinstance(writer, BatchWriter):
        return []
    new = {
        o.record_id: prepared
        for prepared, o in zip(rows, outcomes, strict=True)
        if o.action == "created" and not o.matched_by and o.record_id is not None
    }
    found = writer.likely_duplicates(list(new)) if new else {}
    if not found:
        return []
    column = column_map.header_for("name")
    message = _("Imported, but looks like %s: merge them if they are the same person.")
    warnings = []
    for record_id, similar in sorted(found.items(), key=lambda item: new[item[0]].line):
        prepared = new[record_id]
        described = "; ".join(f"#{d.customer_id} {d.name} ({d.reason})" for d in similar)
        warnings.append(
            RowWarning(
                prepared.line,
                column,
                prepared.values.get("name", ""),
                message % described,
                record_id,
                tuple(d.as_dict() for d in similar),
            )
        )
    return warnings


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
    result = ImportResult(rows=len(rows))
    one_transaction = mode == "atomic" or dry_run
    done = 0
    ahead = _PreparedAhead(rows, column_map=column_map, context=context)
    with transaction.atomic() if one_transaction else nullcontext():
        while (batch := ahead.take()) is not None:
            prepared, memory = batch
            # Phones are parsed once per batch (checking, then writing): see phones.py.
            # While the database writes this batch, the next one is prepared.
            with (
                phones_remembered(memory),
                nullcontext() if one_transaction else transaction.atomic(),
                meanwhile(ahead.prepare_next),
            ):
                outcomes = _batch_write(prepared, writer, on_duplicate, column_map)
                warnings = _warnings(prepared, outcomes, writer, column_map)
            result.add(outcomes, (p for row in prepared for p in row.problems), warnings)
            young_garbage_collect()
            done += len(prepared)
            report(2 * done, total)
        rejected_in_atomic = mode == "atomic" and result.count("rejected") > 0
        if one_transaction and (dry_run or rejected_in_atomic):
            transaction.set_rollback(True)
    report(total, total)
    result.written = not dry_run and not (mode == "atomic" and result.count("rejected") > 0)
    return result
