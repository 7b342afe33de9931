"""Running a transaction's INSERT statements on a second thread while this one goes on.

SQLite's C code (and psycopg, waiting on the server) releases the GIL while a statement
executes, so a thread that executes the statements one batch of an import writes lets
the importing thread build the next statement's rows at the same time: on two cores the
database's work and Python's overlap instead of taking turns.

The statements run in the order submitted, on the caller's own connection, so inside
the caller's transaction. ``join`` waits for every statement and re-raises the first
error as Django's cursor raised it (``IntegrityError``…); statements after a failed one
are not run. Before it waits, ``join`` does the work registered with ``meanwhile`` (an
import prepares its next rows), once. Until ``join``, a query another thread makes on
the connection first waits for the statements queued so far, so that it never runs
beside them and sees what they wrote.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

# While the writer runs, the importing thread hands the GIL over this often (the default
# is 5 ms): the writer needs it briefly after each statement, and waiting 5 ms for it
# each time would cost more than the overlap gains.
SWITCH_INTERVAL = 0.0005
_DONE = None
_QMARK: dict[str, str] = {}  # statements as Django's SQLite cursor rewrites them
QMARK_KEPT = 64
_MEANWHILE: ContextVar[Callable[[], None] | None] = ContextVar("meanwhile", default=None)


@contextlib.contextmanager
def meanwhile(work: Callable[[], None]) -> Iterator[None]:
    """Inside this block, a ``join`` that would wait first calls ``work()`` (which must
    not need the database to be up to date: it runs beside the writer)."""
    token = _MEANWHILE.set(work)
    try:
        yield
    finally:
        _MEANWHILE.reset(token)


class StatementWriter:
    """``with StatementWriter(connection) as writer: writer.submit(sql, params)…``;
    leaving the block waits for the statements (``join``)."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        # This thread's own wrapper, not ``django.db.connection``: through that proxy the
        # writer's thread would open a connection of its own.
        self.connection = connections[connection.alias]
        self._jobs: queue.Queue[tuple[str, Sequence[Any]] | None] = queue.Queue()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._switch_interval = 0.0

    def start(self) -> StatementWriter:
        self.connection.ensure_connection()
        self.connection.inc_thread_sharing()
        self.connection.execute_wrappers.append(self._after_queued)
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, SWITCH_INTERVAL))
        self._thread = threading.Thread(target=self._run, name="statement-writer", daemon=True)
        self._thread.start()
        return self

    def submit(self, sql: str, params: Sequence[Any]) -> None:
        """Queue one statement (Django's placeholders, ``%s``)."""
        if self._thread is None:
            raise RuntimeError("StatementWriter.submit before start")
        self._jobs.put((sql, params))

    def join(self) -> None:
        """Do the ``meanwhile`` work, wait for every statement submitted, and re-raise
        the first one's error."""
        if (thread := self._thread) is not None:
            try:
                if (work := _MEANWHILE.get()) is not None:
                    work()
            finally:
                self._jobs.put(_DONE)
                thread.join()
                self._thread = None
                sys.setswitchinterval(self._switch_interval)
                self.connection.execute_wrappers.remove(self._after_queued)
                self.connection.dec_thread_sharing()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _after_queued(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        """Django's execute wrapper: another thread's query waits for the queue."""
        if self._thread is not None and threading.current_thread() is not self._thread:
            self._jobs.join()
        return execute(sql, params, many, context)

    def _run(self) -> None:
        cursor = None
        try:
            cursor = self.connection.cursor()
        except BaseException as exc:  # re-raised by join
            self._error = exc
        while True:
            job = self._jobs.get()
            try:
                if job is _DONE:
                    break
                if self._error is None and cursor is not None:
                    self._execute(cursor, *job)
            except BaseException as exc:  # re-raised by join
                self._error = exc
            finally:
                self._jobs.task_done()
        if cursor is not None:
            cursor.close()

    def _execute(self, cursor: Any, sql: str, params: Sequence[Any]) -> None:
        if self.connection.vendor != "sqlite":
            cursor.execute(sql, params)
            return
        # Django's SQLite cursor rewrites every statement's placeholders with a regular
        # expression, each time: for the same long statement, once is enough.
        raw = cursor.cursor
        if (converted := _QMARK.get(sql)) is None:
            if len(_QMARK) >= QMARK_KEPT:
                _QMARK.clear()
            converted = _QMARK[sql] = raw.convert_query(sql)
        with self.connection.wrap_database_errors:
            self.connection.Database.Cursor.execute(raw, converted, params)

    def __enter__(self) -> StatementWriter:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.join()
            return
        # The block failed: still wait, so that the connection is free again; the
        # block's own error is the one to raise.
        with contextlib.suppress(BaseException):
            self.join()
