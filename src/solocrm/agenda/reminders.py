"""Reminder delivery: in the app and by email, once, across worker crashes.

How a reminder travels (docs/decisions/0003-agenda-reminders.md has the reasoning):

1. Saving a task with a reminder enqueues a sweep task to run at ``remind_at`` and a
   backup sweep one lease later (on commit). Any sweep delivers *every* due reminder,
   so one that runs late or twice does no harm.
2. **Create** (one transaction): for each open task whose reminder is due and has no
   :class:`ReminderDelivery` row yet, insert that row (unique per task and time) and the
   in-app :class:`Notification` (unique per user and key). The in-app reminder is thus
   exactly once: it commits with the row that says it exists.
3. **Claim** (one transaction): take the email with a fresh token and a lease
   (``UPDATE … WHERE state = 'pending' AND lease expired``) and enqueue a recheck sweep
   for when the lease ends. If this worker dies from here on, the recheck finds the
   claim expired and takes it again.
4. **Send** over SMTP with a ``Message-ID`` fixed by the task and the reminder time.
5. **Mark** sent (``UPDATE … WHERE claim_token = ours``).

A worker killed before step 4's final "." never delivered the message and the retry
sends it once. Killed between the server's "250 OK" and step 5, the email is sent again
with the *same* Message-ID: delivery is at-least-once in that window (milliseconds), a
missed reminder being worse than a duplicate one that mail systems can recognise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import smtplib
import uuid
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from solocrm.agenda import conf
from solocrm.agenda.models import Notification, ReminderDelivery, Task
from solocrm.agenda.timezones import user_zone

MAX_ATTEMPTS = 8
BATCH = 200


@dataclass
class SweepResult:
    created: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retry: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def reminder_key(task_id: int, remind_at: dt.datetime) -> str:
    return f"reminder:{task_id}:{int(remind_at.timestamp())}"


def message_id_for(task_id: int, remind_at: dt.datetime) -> str:
    """The same reminder always gets the same Message-ID (a resend is recognisable)."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    salt = hashlib.sha256(f"{settings.SECRET_KEY}:{task_id}".encode()).hexdigest()[:10]
    return f"<reminder.{task_id}.{int(remind_at.timestamp())}.{salt}@{host}>"


def sweep_schedule(at: dt.datetime) -> None:
    """Enqueue a sweep at ``at`` and a backup one lease later (a worker that dies while
    starting the first sweep, before it claims anything, must not lose the reminder)."""
    from solocrm.agenda.tasks import reminders_sweep

    reminders_sweep.using(run_after=at).enqueue()
    reminders_sweep.using(run_after=at + conf.reminder_lease()).enqueue()


def reminder_schedule(task: Task) -> None:
    """After the caller's transaction commits, schedule the sweeps for ``task``'s reminder."""
    if task.remind_at is None or task.done_at is not None:
        return
    at = task.remind_at
    transaction.on_commit(lambda: sweep_schedule(at))


def reminders_deliver_due(*, now: dt.datetime | None = None, connection: Any = None) -> SweepResult:
    """Create the reminders that are due, then send each pending email once."""
    result = SweepResult(created=_create_due(now or timezone.now()))
    pending = list(
        ReminderDelivery.objects.filter(state=ReminderDelivery.State.PENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=timezone.now()))
        .order_by("remind_at", "id")
        .values_list("pk", flat=True)[:BATCH]
    )
    if not pending:
        return result
    connection = connection or get_connection()
    for delivery_id in pending:
        token = uuid.uuid4().hex
        if not _claim(delivery_id, token):
            continue  # another worker has it
        outcome = _send(delivery_id, token, connection)
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def _create_due(now: dt.datetime) -> int:
    """Insert the delivery row and the in-app notification of every newly due reminder."""
    delivered = ReminderDelivery.objects.filter(
        task=OuterRef("pk"), remind_at=OuterRef("remind_at")
    )
    with transaction.atomic():
        due = list(
            Task.objects.filter(done_at__isnull=True, remind_at__lte=now)
            .exclude(Exists(delivered))
            .select_related("owner")
            .order_by("remind_at", "id")[:BATCH]
        )
        if not due:
            return 0
        late = conf.reminder_email_max_lateness()
        rows, notes = [], []
        for task in due:
            owner = task.owner
            state, error = ReminderDelivery.State.PENDING, ""
            if owner is None or not owner.is_active or not owner.email:
                state, error = ReminderDelivery.State.SKIPPED, "no active owner with an email"
            elif now - task.remind_at > late:
                state, error = ReminderDelivery.State.SKIPPED, "found too late to email"
            rows.append(
                ReminderDelivery(
                    task=task,
                    remind_at=task.remind_at,
                    state=state,
                    error=error,
                    message_id=message_id_for(task.pk, task.remind_at),
                    recipient=owner.email if owner else "",
                    created_at=now,
                )
            )
            if owner is not None and owner.is_active:
                notes.append(_notification(task, now))
        ReminderDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        Notification.objects.bulk_create(notes, ignore_conflicts=True)
    return len(rows)


def _notification(task: Task, now: dt.datetime) -> Notification:
    with translation.override(task.owner.language or settings.LANGUAGE_CODE):
        return Notification(
            user=task.owner,
            key=reminder_key(task.pk, task.remind_at),
            title=(_("Reminder: %(title)s") % {"title": task.title})[:200],
            body=_due_text(task),
            task=task,
            created_at=now,
        )


def _due_text(task: Task) -> str:
    if task.due_at is None:
        return ""
    local = task.due_at.astimezone(user_zone(task.owner))
    return _("Due %(when)s") % {"when": date_format(local, "Y-m-d H:i")}


def _claim(delivery_id: int, token: str) -> bool:
    """Take one pending email for this worker; a recheck sweep follows the lease."""
    from solocrm.agenda.tasks import reminders_sweep

    now = timezone.now()
    lease_until = now + conf.reminder_lease()
    with transaction.atomic():
        taken = (
            ReminderDelivery.objects.filter(pk=delivery_id, state=ReminderDelivery.State.PENDING)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
            .update(claim_token=token, lease_until=lease_until, attempts=F("attempts") + 1)
        )
        if taken:
            reminders_sweep.using(run_after=lease_until + dt.timedelta(seconds=1)).enqueue()
    return bool(taken)


def _send(delivery_id: int, token: str, connection: Any) -> str:
    delivery = ReminderDelivery.objects.select_related("task__owner").get(pk=delivery_id)
    task = delivery.task
    if task.done_at is not None or task.remind_at != delivery.remind_at:
        return _mark(delivery, token, ReminderDelivery.State.SKIPPED, "task done or moved")
    try:
        _message(delivery, connection).send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        return _mark(delivery, token, ReminderDelivery.State.FAILED, str(exc))
    except (smtplib.SMTPException, OSError) as exc:
        if delivery.attempts >= MAX_ATTEMPTS:
            return _mark(delivery, token, ReminderDelivery.State.FAILED, str(exc))
        # Leave it claimed: the recheck sweep takes it again when the lease ends.
        ReminderDelivery.objects.filter(pk=delivery.pk, claim_token=token).update(error=str(exc))
        return "retry"
    return _mark(delivery, token, ReminderDelivery.State.SENT, "")


def _mark(delivery: ReminderDelivery, token: str, state: str, error: str) -> str:
    ReminderDelivery.objects.filter(pk=delivery.pk, claim_token=token).update(
        state=state,
        error=error[:2000],
        sent_at=timezone.now() if state == ReminderDelivery.State.SENT else None,
    )
    return {"sent": "sent", "skipped": "skipped", "failed": "failed"}[state]


def _message(delivery: ReminderDelivery, connection: Any) -> EmailMessage:
    task = delivery.task
    owner = task.owner
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        lines = [task.title]
        if due := _due_text(task):
            lines.append(due)
        if task.notes:
            lines += ["", task.notes[:2000]]
        url = settings.SITE_URL + reverse("agenda:task_edit", args=[task.pk])
        lines += ["", _("Open the task: %(url)s") % {"url": url}]
        subject = _("Reminder: %(title)s") % {"title": task.title}
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient],
        connection=connection,
        headers={"Message-ID": delivery.message_id, "Auto-Submitted": "auto-generated"},
    )
