import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tasks_db.models import DBTaskResult

from solocrm.agenda import services
from solocrm.agenda.models import Task
from solocrm.core.context import acting_as
from solocrm.core.exceptions import StaleVersionError
from solocrm.core.models import AuditEntry

from .conftest import at


def test_create_defaults_owner_to_author_and_audits(owner, make_customer):
    customer = make_customer()
    with acting_as(owner, "ui"):
        task = services.task_create(
            by=owner,
            title="  Call   back ",
            due_at=at(2025, 3, 10, 9),
            customer=customer,
            priority=Task.Priority.HIGH,
        )
    assert (task.title, task.owner, task.version, task.done_at) == ("Call back", owner, 1, None)
    assert task.recurrence_start is None
    entry = AuditEntry.objects.get(object_type="agenda.task", action="create")
    assert entry.actor_id == owner.pk
    assert entry.changes["title"] == [None, "Call back"]
    assert entry.changes["customer_id"] == [None, customer.pk]


def test_create_names_the_wrong_fields_and_writes_nothing(owner):
    with pytest.raises(ValidationError) as caught:
        services.task_create(by=owner, title=" ", recurrence="weekly")
    assert set(caught.value.message_dict) == {"title", "due_at"}
    assert Task.objects.count() == 0
    assert AuditEntry.objects.filter(object_type="agenda.task").count() == 0


def test_naive_times_are_refused(owner):
    with pytest.raises(ValidationError) as caught:
        services.task_create(by=owner, title="x", due_at=dt.datetime(2025, 3, 10, 9))
    assert set(caught.value.message_dict) == {"due_at"}


def test_viewer_cannot_create(viewer):
    with pytest.raises(PermissionDenied):
        services.task_create(by=viewer, title="x")
    assert Task.objects.count() == 0


def test_owner_must_be_an_active_writer(owner, viewer):
    with pytest.raises(ValidationError) as caught:
        services.task_create(by=owner, title="x", owner=viewer)
    assert set(caught.value.message_dict) == {"owner"}


def test_limited_member_assigns_only_to_themselves_and_links_only_their_customers(
    owner, member, limit_members, make_customer
):
    with pytest.raises(PermissionDenied):
        services.task_create(by=member, title="x", owner=owner)
    theirs = make_customer("Someone else's", by=owner)
    with pytest.raises(ValidationError) as caught:
        services.task_create(by=member, title="x", customer=theirs)
    assert set(caught.value.message_dict) == {"customer"}
    mine = make_customer("Mine", by=member)
    task = services.task_create(by=member, title="x", customer=mine)
    assert (task.owner, task.customer) == (member, mine)
    assert Task.objects.count() == 1


def test_limited_member_cannot_change_someone_elses_task(owner, member, limit_members, make_task):
    task = make_task(by=owner)
    with pytest.raises(PermissionDenied):
        services.task_update(task=task, by=member, data={"title": "mine now"})
    assert Task.objects.get(pk=task.pk).title == "Call back"


def test_update_with_a_stale_version_is_refused_and_changes_nothing(owner, make_task):
    task = make_task()
    services.task_update(task=task, by=owner, data={"title": "First"}, expected_version=1)
    with pytest.raises(StaleVersionError):
        services.task_update(task=task, by=owner, data={"title": "Second"}, expected_version=1)
    stored = Task.objects.get(pk=task.pk)
    assert (stored.title, stored.version) == ("First", 2)


def test_update_audits_before_and_after(owner, make_task):
    task = make_task(due_at=at(2025, 3, 10, 9))
    with acting_as(owner, "api"):
        task = services.task_update(
            task=task, by=owner, data={"due_at": at(2025, 3, 11, 9), "priority": 3}
        )
    entry = AuditEntry.objects.filter(object_type="agenda.task", action="update").get()
    assert entry.changes["priority"] == [1, 3]
    assert entry.changes["due_at"] == [
        at(2025, 3, 10, 9).isoformat(),
        at(2025, 3, 11, 9).isoformat(),
    ]
    assert entry.channel == "api"
    assert task.version == 2


def test_update_refuses_unknown_fields(owner, make_task):
    task = make_task()
    with pytest.raises(ValidationError) as caught:
        services.task_update(task=task, by=owner, data={"done_at": at(2025, 1, 1)})
    assert set(caught.value.message_dict) == {"done_at"}


def test_moving_a_repeating_tasks_due_time_restarts_the_series(owner, make_task):
    task = make_task(due_at=at(2025, 3, 10, 9), recurrence="weekly")
    assert task.recurrence_start == at(2025, 3, 10, 9)
    task = services.task_update(task=task, by=owner, data={"due_at": at(2025, 3, 12, 15)})
    assert task.recurrence_start == at(2025, 3, 12, 15)
    task = services.task_update(task=task, by=owner, data={"recurrence": ""})
    assert (task.recurrence_start, task.recurrence_interval) == (None, 1)


def test_complete_is_idempotent(owner, make_task):
    task = make_task()
    done_at = at(2025, 3, 10, 12)
    task, following = services.task_complete(task=task, by=owner, expected_version=1, now=done_at)
    assert (task.done_at, task.version, following) == (done_at, 2, None)
    again, following = services.task_complete(
        task=task, by=owner, expected_version=1, now=at(2025, 3, 11, 12)
    )
    assert (again.done_at, again.version, following) == (done_at, 2, None)
    assert AuditEntry.objects.filter(object_type="agenda.task", action="update").count() == 1


def test_complete_with_a_stale_version_is_refused(owner, make_task):
    task = make_task()
    services.task_update(task=task, by=owner, data={"title": "Changed"})
    with pytest.raises(StaleVersionError):
        services.task_complete(task=task, by=owner, expected_version=1)
    assert Task.objects.get(pk=task.pk).done_at is None


def test_reopen_and_delete(owner, make_task):
    task = make_task()
    task, _next = services.task_complete(task=task, by=owner)
    task = services.task_reopen(task=task, by=owner, expected_version=2)
    assert (task.done_at, task.version) == (None, 3)
    with pytest.raises(StaleVersionError):
        services.task_delete(task=task, by=owner, expected_version=2)
    services.task_delete(task=task, by=owner, expected_version=3)
    assert Task.objects.count() == 0
    assert AuditEntry.objects.filter(object_type="agenda.task", action="delete").count() == 1


def test_a_reminder_schedules_a_sweep_and_a_backup_after_commit(
    owner, make_task, settings, django_capture_on_commit_callbacks
):
    settings.SOLOCRM_REMINDER_LEASE_SECONDS = 300
    remind_at = at(2030, 3, 10, 8)
    with django_capture_on_commit_callbacks(execute=True):
        make_task(due_at=at(2030, 3, 10, 9), remind_at=remind_at)
    runs = sorted(
        DBTaskResult.objects.filter(task_path__endswith="reminders_sweep").values_list(
            "run_after", flat=True
        )
    )
    assert runs == [remind_at, remind_at + dt.timedelta(minutes=5)]


def test_no_sweep_without_a_reminder(make_task, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_task(due_at=at(2030, 3, 10, 9))
    assert DBTaskResult.objects.count() == 0
