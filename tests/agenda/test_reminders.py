"""Reminder delivery in one process: created once, emailed once, crashes recovered.

The real worker, a real SMTP server and ``kill -9`` are in test_reminder_worker.py.
"""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from solocrm.agenda import reminders
from solocrm.agenda.models import Notification, ReminderDelivery, Task
from solocrm.agenda.reminders import reminders_deliver_due
from solocrm.agenda.services import task_complete, task_update
from solocrm.core.services import model_update

from .conftest import NEW_YORK


@pytest.fixture(autouse=True)
def email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SOLOCRM_REMINDER_LEASE_SECONDS = 60
    settings.SITE_URL = "https://crm.example.com"


def ago(**kwargs):
    return timezone.now() - dt.timedelta(**kwargs)


def test_a_due_reminder_is_delivered_in_the_app_and_by_email_once(owner, make_task):
    task = make_task(
        "Call Li", due_at=ago(minutes=-30), remind_at=ago(minutes=1), notes="Re: quote"
    )
    result = reminders_deliver_due()
    assert result.as_dict() == {"created": 1, "sent": 1, "skipped": 0, "failed": 0, "retry": 0}
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert message.subject == "Reminder: Call Li"
    assert message.extra_headers["Message-ID"] == reminders.message_id_for(task.pk, task.remind_at)
    assert "Re: quote" in message.body
    assert f"https://crm.example.com/agenda/tasks/{task.pk}/" in message.body
    delivery = ReminderDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.recipient) == ("sent", 1, owner.email)
    assert delivery.sent_at is not None
    note = Notification.objects.get()
    assert (note.user, note.task, note.title, note.read_at) == (
        owner,
        task,
        "Reminder: Call Li",
        None,
    )
    assert reminders_deliver_due().as_dict() == {
        "created": 0, "sent": 0, "skipped": 0, "failed": 0, "retry": 0,
    }  # fmt: skip
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_future_reminders_and_done_tasks_are_not_delivered(owner, make_task):
    make_task("Later", remind_at=ago(minutes=-5))
    done = make_task("Done", remind_at=ago(minutes=5))
    task_complete(task=done, by=owner)
    assert reminders_deliver_due().created == 0
    assert mail.outbox == []
    assert Notification.objects.count() == 0


def test_a_moved_reminder_fires_again_at_its_new_time(owner, make_task):
    task = make_task(remind_at=ago(minutes=10))
    reminders_deliver_due()
    task = task_update(task=task, by=owner, data={"remind_at": ago(minutes=1)})
    reminders_deliver_due()
    assert len(mail.outbox) == 2
    assert mail.outbox[0].extra_headers["Message-ID"] != mail.outbox[1].extra_headers["Message-ID"]
    assert ReminderDelivery.objects.filter(state="sent").count() == 2


def test_the_reminder_shows_the_due_time_in_the_owners_zone_across_dst(owner, make_task):
    owner, _changes = model_update(
        owner, data={"time_zone": "America/New_York"}, fields=["time_zone"]
    )
    # 9 March 2025: New York moved its clocks forward at 02:00.
    due = dt.datetime(2025, 3, 10, 9, 0, tzinfo=NEW_YORK)
    make_task("After the change", by=owner, due_at=due, remind_at=ago(minutes=1))
    make_task(
        "Before the change", by=owner, due_at=dt.datetime(2025, 3, 7, 9, 0, tzinfo=NEW_YORK),
        remind_at=ago(minutes=2),
    )  # fmt: skip
    reminders_deliver_due()
    bodies = {m.subject: m.body for m in mail.outbox}
    assert "Due 2025-03-10 09:00" in bodies["Reminder: After the change"]
    assert "Due 2025-03-07 09:00" in bodies["Reminder: Before the change"]
    assert Task.objects.get(title="After the change").due_at.hour == 13  # stored in UTC
    assert Task.objects.get(title="Before the change").due_at.hour == 14


def test_a_claim_abandoned_by_a_dead_worker_is_sent_once_after_its_lease(
    owner, make_task, settings
):
    make_task(remind_at=ago(minutes=1))
    reminders._create_due(timezone.now())
    delivery = ReminderDelivery.objects.get()
    assert reminders._claim(delivery.pk, "dead-worker")  # ... and the worker dies here
    assert reminders_deliver_due().sent == 0  # the lease still holds
    assert mail.outbox == []
    recheck = DBTaskResult.objects.filter(task_path__endswith="reminders_sweep").get()
    assert recheck.run_after > timezone.now() + dt.timedelta(seconds=55)  # lease + 1 s
    ReminderDelivery.objects.filter(pk=delivery.pk).update(lease_until=ago(seconds=1))
    assert reminders_deliver_due().sent == 1
    assert reminders_deliver_due().sent == 0
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 2)


def test_two_workers_cannot_claim_the_same_email(owner, make_task):
    make_task(remind_at=ago(minutes=1))
    reminders._create_due(timezone.now())
    delivery = ReminderDelivery.objects.get()
    assert reminders._claim(delivery.pk, "first") is True
    assert reminders._claim(delivery.pk, "second") is False


def test_a_crash_between_send_and_mark_resends_with_the_same_message_id(
    owner, make_task, monkeypatch
):
    """The documented at-least-once window: the SMTP server said 250, the worker died
    before writing "sent". The retry is the same message (same Message-ID)."""
    make_task(remind_at=ago(minutes=1))
    original = reminders._mark

    def die_after_sending(delivery, token, state, error):
        raise SystemExit("killed between send and mark")

    monkeypatch.setattr(reminders, "_mark", die_after_sending)
    with pytest.raises(SystemExit):
        reminders_deliver_due()
    monkeypatch.setattr(reminders, "_mark", original)
    ReminderDelivery.objects.update(lease_until=ago(seconds=1))
    reminders_deliver_due()
    assert len(mail.outbox) == 2
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 1
    assert ReminderDelivery.objects.get().state == "sent"


class FailingConnection:
    def __init__(self, error):
        self.error = error

    def send_messages(self, messages):
        raise self.error


def test_a_temporary_smtp_failure_is_retried_after_the_lease(owner, make_task):
    make_task(remind_at=ago(minutes=1))
    down = FailingConnection(smtplib.SMTPServerDisconnected("gone"))
    assert reminders_deliver_due(connection=down).retry == 1
    delivery = ReminderDelivery.objects.get()
    assert (delivery.state, delivery.error) == ("pending", "gone")
    assert Notification.objects.count() == 1  # the app already has it
    ReminderDelivery.objects.update(lease_until=ago(seconds=1))
    assert reminders_deliver_due().sent == 1
    assert len(mail.outbox) == 1


def test_a_refused_recipient_fails_for_good(owner, make_task):
    make_task(remind_at=ago(minutes=1))
    refused = FailingConnection(smtplib.SMTPRecipientsRefused({owner.email: (550, b"no")}))
    assert reminders_deliver_due(connection=refused).failed == 1
    ReminderDelivery.objects.update(lease_until=ago(seconds=1))
    assert reminders_deliver_due().sent == 0
    assert ReminderDelivery.objects.get().state == "failed"


def test_a_reminder_found_days_late_is_shown_but_not_emailed(owner, make_task):
    make_task(remind_at=ago(days=3))
    assert reminders_deliver_due().as_dict()["created"] == 1
    assert mail.outbox == []
    assert ReminderDelivery.objects.get().state == "skipped"
    assert Notification.objects.count() == 1


def test_the_sweep_task_runs_the_delivery(owner, make_task):
    from solocrm.agenda.tasks import reminders_sweep

    make_task(remind_at=ago(minutes=1))
    assert reminders_sweep.call()["sent"] == 1
    assert len(mail.outbox) == 1
