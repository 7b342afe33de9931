"""``Customer.last_contacted_at``, kept equal to the time of the customer's latest
non-deleted interaction by database triggers, on SQLite and PostgreSQL.

Every path that touches an interaction — a service, ``bulk_create`` in an import or a
demo loader, ``QuerySet.update()`` when a merge moves interactions (or its undo moves
them back), trash and restore, raw SQL — goes through the interaction table, so the
triggers see them all:

- after an interaction is inserted (not in the trash), the customer's time moves
  forward if the new one is later;
- after ``occurred_at``, ``deleted_at`` or ``customer_id`` changes, and after a delete,
  the time of the customer (old and new, when it moved) is read again from the
  ``(customer, occurred_at)`` index — the latest interaction not in the trash.

A guard on the customer table puts the derived value back whenever a write names the
column (a full ``save()`` of an instance read before an interaction was logged would
otherwise write a stale time), and fills it on insert. The column is derived, not an
edit: the triggers bump no ``version``, touch no ``updated_at`` and write no audit
entry.

SQLite rebuilds a table for some schema changes (create a copy, drop, rename), and a
rename fails while a trigger names a table that is gone. So on SQLite the triggers are
dropped before ``migrate`` applies anything (``pre_migrate``) and put back afterwards
(``post_migrate``), with every customer's time recomputed; on PostgreSQL the migration
installs them once.
"""

# ruff: noqa: S608 - the SQL is built from the table-name constants below, no input
from __future__ import annotations

from typing import Any

from django.db import connections

CUSTOMER = "customers_customer"
INTERACTION = "customers_interaction"


def _latest(customer_id: str) -> str:
    """SQL: the time of the latest non-deleted interaction of ``customer_id`` (one
    backwards step in the ``(customer_id, occurred_at)`` index)."""
    return (
        f"(SELECT occurred_at FROM {INTERACTION} WHERE customer_id = {customer_id} "
        "AND deleted_at IS NULL ORDER BY occurred_at DESC LIMIT 1)"
    )


def _refresh(customer_id: str) -> str:
    return (
        f"UPDATE {CUSTOMER} SET last_contacted_at = {_latest(customer_id)} WHERE id = {customer_id}"
    )


SQLITE_TRIGGERS = {
    "customers_interaction_contact_ai": f"""CREATE TRIGGER IF NOT EXISTS
        customers_interaction_contact_ai AFTER INSERT ON {INTERACTION}
        WHEN new.deleted_at IS NULL BEGIN
        UPDATE {CUSTOMER} SET last_contacted_at = new.occurred_at WHERE id = new.customer_id
        AND (last_contacted_at IS NULL OR last_contacted_at < new.occurred_at); END""",
    "customers_interaction_contact_au": f"""CREATE TRIGGER IF NOT EXISTS
        customers_interaction_contact_au
        AFTER UPDATE OF occurred_at, deleted_at, customer_id ON {INTERACTION} BEGIN
        {_refresh("old.customer_id")};
        {_refresh("new.customer_id")} AND new.customer_id IS NOT old.customer_id; END""",
    "customers_interaction_contact_ad": f"""CREATE TRIGGER IF NOT EXISTS
        customers_interaction_contact_ad AFTER DELETE ON {INTERACTION}
        WHEN old.deleted_at IS NULL BEGIN {_refresh("old.customer_id")}; END""",
    # A write naming the column (or a new row) gets the derived value back. SQLite's
    # recursive triggers are off, so the correcting UPDATE does not fire this again.
    "customers_customer_contact_au": f"""CREATE TRIGGER IF NOT EXISTS
        customers_customer_contact_au AFTER UPDATE OF last_contacted_at ON {CUSTOMER}
        WHEN new.last_contacted_at IS NOT {_latest("new.id")} BEGIN
        {_refresh("new.id")}; END""",
    "customers_customer_contact_ai": f"""CREATE TRIGGER IF NOT EXISTS
        customers_customer_contact_ai AFTER INSERT ON {CUSTOMER}
        WHEN new.last_contacted_at IS NOT {_latest("new.id")} BEGIN
        {_refresh("new.id")}; END""",
}
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]

POSTGRESQL_CREATE = [
    f"""CREATE OR REPLACE FUNCTION customers_interaction_contact() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.deleted_at IS NULL THEN
                UPDATE {CUSTOMER} SET last_contacted_at = NEW.occurred_at
                WHERE id = NEW.customer_id
                AND (last_contacted_at IS NULL OR last_contacted_at < NEW.occurred_at);
            END IF;
            RETURN NULL;
        END IF;
        {_refresh("OLD.customer_id")};
        IF TG_OP = 'UPDATE' AND NEW.customer_id IS DISTINCT FROM OLD.customer_id THEN
            {_refresh("NEW.customer_id")};
        END IF;
        RETURN NULL;
    END; $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS customers_interaction_contact ON {INTERACTION}",
    f"""CREATE TRIGGER customers_interaction_contact
    AFTER INSERT OR DELETE OR UPDATE OF occurred_at, deleted_at, customer_id ON {INTERACTION}
    FOR EACH ROW EXECUTE FUNCTION customers_interaction_contact()""",
    f"""CREATE OR REPLACE FUNCTION customers_customer_contact() RETURNS trigger AS $$
    BEGIN
        NEW.last_contacted_at := {_latest("NEW.id")};
        RETURN NEW;
    END; $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS customers_customer_contact ON {CUSTOMER}",
    f"""CREATE TRIGGER customers_customer_contact
    BEFORE INSERT OR UPDATE OF last_contacted_at ON {CUSTOMER}
    FOR EACH ROW EXECUTE FUNCTION customers_customer_contact()""",
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS customers_interaction_contact ON {INTERACTION}",
    f"DROP TRIGGER IF EXISTS customers_customer_contact ON {CUSTOMER}",
    "DROP FUNCTION IF EXISTS customers_interaction_contact()",
    "DROP FUNCTION IF EXISTS customers_customer_contact()",
]

# Every customer's time from scratch (after the triggers were away, and when the
# column is added).
RECOMPUTE = f"UPDATE {CUSTOMER} SET last_contacted_at = {_latest(CUSTOMER + '.id')}"


def install(schema_editor: Any) -> None:
    """The migration's step: on PostgreSQL create the triggers and fill the column; on
    SQLite ``post_migrate`` does both (see the module docstring)."""
    if schema_editor.connection.vendor == "postgresql":
        for sql in [*POSTGRESQL_CREATE, RECOMPUTE]:
            schema_editor.execute(sql)


def uninstall(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(vendor, []):
        schema_editor.execute(sql)


def _has_column(cursor: Any, connection: Any) -> bool:
    tables = connection.introspection.table_names(cursor)
    if CUSTOMER not in tables or INTERACTION not in tables:
        return False
    columns = connection.introspection.get_table_description(cursor, CUSTOMER)
    return any(column.name == "last_contacted_at" for column in columns)


def ensure(using: str = "default") -> bool:
    """On SQLite, create the triggers that are missing and recompute every customer's
    time if any was. True if it did."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        if not _has_column(cursor, connection):
            return False
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
        missing = [sql for name, sql in SQLITE_TRIGGERS.items() if name not in present]
        if not missing:
            return False
        for sql in missing:
            cursor.execute(sql)
        cursor.execute(RECOMPUTE)
    return True


def drop_before_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """``pre_migrate``: on SQLite, drop the triggers when there is something to apply."""
    connection = connections[using]
    if connection.vendor != "sqlite" or not kwargs.get("plan"):
        return
    with connection.cursor() as cursor:
        for sql in SQLITE_DROP:
            cursor.execute(sql)


def ensure_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    ensure(using)
