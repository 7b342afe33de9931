from __future__ import annotations

import django.db.backends.postgresql.base
import django.db.backends.sqlite3.base  # noqa: F401 - load the backends before their operations
import pytest
from django.db.backends.postgresql import operations as pg_operations
from django.db.backends.sqlite3 import operations as sqlite_operations

from solocrm.core import audit_triggers


def _allow_flush_of_audit_log(operations_class: type, vendor: str) -> None:
    """Test databases are flushed between transactional tests; the audit log refuses
    deletes, so the flush drops its triggers and puts them back in the same transaction."""
    original = operations_class.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if audit_triggers.TABLE not in tables or not statements:
            return statements
        return [
            *audit_triggers.statements(vendor, create=False),
            *statements,
            *audit_triggers.statements(vendor, create=True),
        ]

    operations_class.sql_flush = sql_flush


_allow_flush_of_audit_log(sqlite_operations.DatabaseOperations, "sqlite")
_allow_flush_of_audit_log(pg_operations.DatabaseOperations, "postgresql")


@pytest.fixture
def make_user(db):
    from solocrm.accounts.services import user_create

    counter = {"n": 0}

    def make(role: str = "member", email: str | None = None, password: str = "pw-Secret-123"):
        counter["n"] += 1
        return user_create(
            email=email or f"{role}{counter['n']}@example.com",
            password=password,
            role=role,
            name=f"{role.title()} {counter['n']}",
        )

    return make


@pytest.fixture
def owner(make_user):
    return make_user("owner")


@pytest.fixture
def member(make_user):
    return make_user("member")


@pytest.fixture
def viewer(make_user):
    return make_user("viewer")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def limit_members(db):
    from solocrm.accounts.services import workspace_settings_update

    workspace_settings_update(data={"members_own_records_only": True})
