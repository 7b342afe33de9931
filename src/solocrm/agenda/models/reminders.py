from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A message in a user's in-app notification list (the bell in the header).

    ``key`` makes a delivery idempotent: the reminder of task 7 due at a given time is
    ``reminder:7:<timestamp>`` and can be written once only.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(_("key"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    task = models.ForeignKey(
        "agenda.Task",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("task"),
    )
    created_at = models.DateTimeField(_("created at"), db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="agenda_notification_once")
        ]

    def __str__(self) -> str:
        return self.title


class ReminderDelivery(models.Model):
    """The email of one reminder (a task at one ``remind_at``): claimed, sent or failed.

    The row is the idempotency record: unique per (task, remind_at), claimed with a
    token and a lease before the SMTP conversation, marked sent after it (see
    ``agenda.reminders`` and docs/decisions/0003-agenda-reminders.md).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("skipped")
        FAILED = "failed", _("failed")

    task = models.ForeignKey(
        "agenda.Task", on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    remind_at = models.DateTimeField(_("reminder time"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    message_id = models.CharField(_("Message-ID"), max_length=200)
    recipient = models.EmailField(_("recipient"), blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["remind_at", "id"]
        verbose_name = _("reminder email")
        indexes = [models.Index(fields=["state", "lease_until"])]
        constraints = [
            models.UniqueConstraint(fields=["task", "remind_at"], name="agenda_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.task_id}@{self.remind_at:%Y-%m-%d %H:%M} ({self.state})"
