"""Statements run on a second thread, in the caller's transaction (``StatementWriter``),
and primary keys handed out before the rows are written (``ids_reserve``)."""

from __future__ import annotations

import sys
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from solocrm.core.statement_writer import StatementWriter, meanwhile
from solocrm.core.tags import Tag
from solocrm.customers.services.customers_batch import ids_reserve, rows_insert

TABLE = connection.ops.quote_name(Tag._meta.db_table)
INSERT = (
    f"INSERT INTO {TABLE} (name, color, created_at, updated_at, version)"
    " VALUES (%s, %s, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
)


def names() -> list[str]:
    return list(Tag.objects.order_by("pk").values_list("name", flat=True))


@pytest.mark.django_db
def test_statements_run_in_order_on_another_thread_inside_the_callers_transaction():
    threads: list[int] = []
    execute = StatementWriter._execute

    def spy(self, cursor, sql, params):
        threads.append(threading.get_ident())
        execute(self, cursor, sql, params)

    StatementWriter._execute = spy  # type: ignore[method-assign]
    try:
        with transaction.atomic():
            with StatementWriter(connection) as writer:
                writer.submit(INSERT, ["a", "#111111"])
                writer.submit(INSERT, ["b", "#222222"])
            assert names() == ["a", "b"]
            transaction.set_rollback(True)
    finally:
        StatementWriter._execute = execute  # type: ignore[method-assign]
    assert len(threads) == 2 and threading.get_ident() not in threads
    assert names() == []  # rolled back with the caller's transaction


@pytest.mark.django_db
def test_the_first_error_is_raised_by_join_and_what_follows_it_is_not_run(monkeypatch):
    executed: list[list] = []
    execute = StatementWriter._execute

    def spy(self, cursor, sql, params):
        executed.append(params)
        execute(self, cursor, sql, params)

    monkeypatch.setattr(StatementWriter, "_execute", spy)
    before = sys.getswitchinterval()
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic():  # as an import's batch
            writer = StatementWriter(connection).start()
            assert connection.allow_thread_sharing
            writer.submit(INSERT, ["a", "#111111"])
            writer.submit(INSERT, [None, "#222222"])  # the name may not be NULL
            writer.submit(INSERT, ["c", "#333333"])
            writer.join()
        assert [p[0] for p in executed] == ["a", None]
        assert names() == []  # the batch rolled back; the transaction goes on
        transaction.set_rollback(True)
    assert sys.getswitchinterval() == before
    assert not connection.allow_thread_sharing  # the connection is this thread's again


@pytest.mark.django_db
def test_an_error_in_the_block_still_waits_for_the_writer():
    with transaction.atomic():
        with pytest.raises(ZeroDivisionError), StatementWriter(connection) as writer:
            writer.submit(INSERT, ["a", "#111111"])
            1 / 0  # noqa: B018
        assert names() == ["a"]  # written before the block's error surfaced
        transaction.set_rollback(True)
    assert not connection.allow_thread_sharing


@pytest.mark.django_db
def test_rows_given_reserved_keys_keep_them_and_later_inserts_follow_them():
    Tag.objects.create(name="first", color="#000000")
    Tag.objects.create(name="gone", color="#000000").delete()  # its id is not given again
    ids = ids_reserve(Tag, 3)
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert min(ids) > Tag.objects.get(name="first").pk + 1
    with StatementWriter(connection) as writer:
        now = timezone.now()
        rows_insert(
            Tag,
            ("id", "name", "color", "created_at", "updated_at", "version"),
            [(pk, f"t{pk}", "#123456", now, now, 1) for pk in ids],
            writer=writer,
        )
    assert list(Tag.objects.filter(pk__in=ids).order_by("pk").values_list("name", flat=True)) == [
        f"t{pk}" for pk in ids
    ]
    assert Tag.objects.create(name="after", color="#000000").pk > max(ids)
    assert ids_reserve(Tag, 1)[0] > max(ids)


@pytest.mark.django_db
def test_keys_are_reserved_outside_a_transaction_only_from_a_sequence():
    wrapper = connections["default"]
    inside, wrapper.in_atomic_block = wrapper.in_atomic_block, False  # as in autocommit
    try:
        if connection.vendor == "sqlite":  # nothing would stop another writer taking them
            with pytest.raises(RuntimeError):
                ids_reserve(Tag, 1)
        else:
            first, second = ids_reserve(Tag, 2)
            assert second > first and ids_reserve(Tag, 1)[0] > second
    finally:
        wrapper.in_atomic_block = inside


@pytest.mark.django_db
def test_meanwhile_work_runs_at_each_join_beside_the_writer_and_queries_wait_for_it():
    seen: list[tuple[bool, list[str]]] = []

    def work():
        busy = any(t.name == "statement-writer" for t in threading.enumerate())
        seen.append((busy, names()))  # a query: it waits for the statements queued

    with transaction.atomic():
        with meanwhile(work):
            with StatementWriter(connection) as writer:
                writer.submit(INSERT, ["a", "#111111"])
                writer.submit(INSERT, ["b", "#222222"])
            with StatementWriter(connection) as writer:
                pass
        transaction.set_rollback(True)
    assert seen == [(True, ["a", "b"]), (True, ["a", "b"])]
    assert not connection.execute_wrappers
