import pytest
from django.db import DatabaseError, connection, transaction

from solocrm.accounts.models import User, WorkspaceSettings
from solocrm.accounts.services import workspace_settings_update
from solocrm.core.context import acting_as
from solocrm.core.exceptions import StaleVersionError
from solocrm.core.models import AuditEntry
from solocrm.core.selectors import object_history


def test_update_is_audited_with_actor_channel_and_before_after(owner):
    with acting_as(owner, "cli"):
        workspace_settings_update(data={"currency": "USD", "members_own_records_only": True})
    entry = AuditEntry.objects.filter(
        action="update", object_type="accounts.workspacesettings"
    ).get()
    assert entry.actor_id == owner.pk
    assert entry.actor_label == owner.email
    assert entry.channel == "cli"
    assert entry.changes == {"currency": ["CNY", "USD"], "members_own_records_only": [False, True]}
    assert list(object_history(WorkspaceSettings.load())) == [entry]


def test_unchanged_update_writes_no_audit_entry(owner):
    workspace_settings_update(data={"currency": "CNY"})
    assert not AuditEntry.objects.filter(action="update").exists()


def test_user_creation_is_audited_without_the_password_hash(owner):
    entry = AuditEntry.objects.get(object_type="accounts.user", object_id=str(owner.pk))
    assert entry.action == "create"
    assert "password" not in entry.changes
    assert entry.changes["email"] == [None, owner.email]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditentry SET actor_label = 'forged'",
        "DELETE FROM core_auditentry",
    ],
)
def test_database_refuses_changes_to_the_audit_log(owner, statement):
    before = list(AuditEntry.objects.values_list("id", "actor_label"))
    assert before
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert list(AuditEntry.objects.values_list("id", "actor_label")) == before


def test_orm_delete_of_audit_entries_is_refused_too(owner):
    count = AuditEntry.objects.count()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == count


def test_stale_version_is_refused_and_loses_nothing(owner):
    settings_obj = WorkspaceSettings.load()
    workspace_settings_update(data={"currency": "USD"}, expected_version=settings_obj.version)
    with pytest.raises(StaleVersionError, match="changed by someone else"):
        workspace_settings_update(data={"currency": "EUR"}, expected_version=settings_obj.version)
    stored = WorkspaceSettings.load()
    assert stored.currency == "USD"
    assert stored.version == settings_obj.version + 1


def test_deleting_a_user_keeps_their_audit_entries(owner, member):
    entries = AuditEntry.objects.filter(actor_id=None).count()
    User.objects.filter(pk=member.pk).delete()
    assert AuditEntry.objects.filter(object_id=str(member.pk), object_type="accounts.user").exists()
    assert AuditEntry.objects.filter(actor_id=None).count() == entries
