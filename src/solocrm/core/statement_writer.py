"""Running a transaction's INSERT statements on a second thread while this one goes on.

SQLite's C code (and psycopg, waiting on the server) releases the GIL while a statement
executes, so a thread that executes the statements one batch of an import writes lets
the importing thread build the next statement's rows at the same time: on two cores the
database's work and Python's overlap instead of taking turns.

The statements run in the order submitted, on the caller's own connection, so inside
the caller's transaction. The caller must not use that connection between ``start`` and
``join``: ``join`` waits for every statement and re-raises the first error as Django's
cursor raised it (``IntegrityError``…); statements after a failed one are not run.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections.abc import Sequence
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


class StatementWriter:
    """``with StatementWriter(connection) as writer: writer.submit(sql, params)…``;
    leaving the block waits for the statements (``join``)."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        # This thread's own wrapper, not ``django.db.connection``: through that proxy the
        # writer's thread would open a connection of its own.
        self.connection = connections[connection.alias]
        self._jobs: queue.SimpleQueue[tuple[str, Sequence[Any]] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._switch_interval = 0.0

    def start(self) -> StatementWriter:
        self.connection.ensure_connection()
        self.connection.inc_thread_sharing()
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
        """Wait for every statement submitted; re-raise the first one's error."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._jobs.put(_DONE)
            thread.join()
            sys.setswitchinterval(self._switch_interval)
            self.connection.dec_thread_sharing()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        cursor = None
        try:
            cursor = self.connection.cursor()
        except BaseException as exc:  # re-raised by join
            self._error = exc
        while (job := self._jobs.get()) is not _DONE:
            if self._error is not None or cursor is None:
                continue  # drain: after a failure the rest is not run
            sql, params = job
            try:
                self._execute(cursor, sql, params)
            except BaseException as exc:  # re-raised by join
                self._error = exc
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
