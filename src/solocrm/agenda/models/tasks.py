from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from solocrm.core.models import TrackedModel


class Task(TrackedModel):
    """A to-do or follow-up. Times are stored in UTC and shown in the owner's time zone.

    A recurring task's next occurrence is a new row pointing back at it through
    ``previous`` (one-to-one: completing it twice can never make two).
    """

    class Priority(models.IntegerChoices):
        LOW = 0, _("low")
        NORMAL = 1, _("normal")
        HIGH = 2, _("high")
        URGENT = 3, _("urgent")

    class Recurrence(models.TextChoices):
        NONE = "", _("does not repeat")
        DAILY = "daily", _("every day")
        WEEKLY = "weekly", _("every week")
        MONTHLY = "monthly", _("every month")
        EVERY_N_DAYS = "every_n_days", _("every N days")

    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    remind_at = models.DateTimeField(_("remind me at"), null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("customer"),
    )
    company = models.ForeignKey(
        "customers.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("company"),
    )
    deal = models.ForeignKey(
        "sales.Deal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("deal"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True, db_index=True)
    recurrence = models.CharField(
        _("repeats"),
        max_length=12,
        choices=Recurrence.choices,
        default=Recurrence.NONE,
        blank=True,
    )
    recurrence_interval = models.PositiveSmallIntegerField(_("every how many days"), default=1)
    recurrence_start = models.DateTimeField(
        _("series starts"),
        null=True,
        blank=True,
        help_text=_("Due time of the first occurrence; later ones are counted from it."),
    )
    previous = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_occurrence",
        verbose_name=_("previous occurrence"),
    )

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("task")
        indexes = [
            models.Index(fields=["owner", "done_at", "due_at"]),
            models.Index(
                fields=["remind_at"],
                name="agenda_task_remind_open",
                condition=Q(done_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recurrence_interval__gte=1) & Q(recurrence_interval__lte=366),
                name="agenda_task_interval_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def repeats(self) -> bool:
        return bool(self.recurrence)
