from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TodaySnooze(models.Model):
    """One item hidden from a user's Today page until a day (in the user's time zone)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="today_snoozes"
    )
    item_key = models.CharField(_("item"), max_length=64)
    until = models.DateField(_("hidden until"))
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("snoozed Today item")
        constraints = [
            models.UniqueConstraint(fields=["user", "item_key"], name="agenda_snooze_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_key} until {self.until}"
