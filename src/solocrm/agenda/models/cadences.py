from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from solocrm.core.models import TrackedModel


class Cadence(TrackedModel):
    """ "Keep in touch every N days" for one customer, or for every customer with a tag.

    Nothing about the next due date is stored: it is the last logged interaction plus
    ``interval_days``, computed when it is read (``agenda.cadences``), so logging,
    editing or deleting an interaction moves it at once.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cadences",
        verbose_name=_("customer"),
    )
    tag = models.ForeignKey(
        "core.Tag",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cadences",
        verbose_name=_("tag"),
    )
    interval_days = models.PositiveIntegerField(_("every how many days"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["interval_days", "id"]
        verbose_name = _("keep-in-touch cadence")
        constraints = [
            models.CheckConstraint(
                condition=(Q(customer__isnull=False) & Q(tag__isnull=True))
                | (Q(customer__isnull=True) & Q(tag__isnull=False)),
                name="agenda_cadence_customer_or_tag",
            ),
            models.CheckConstraint(
                condition=Q(interval_days__gte=1) & Q(interval_days__lte=3660),
                name="agenda_cadence_interval_range",
            ),
            models.UniqueConstraint(fields=["tag"], name="agenda_cadence_one_per_tag"),
        ]

    def __str__(self) -> str:
        target = self.customer if self.customer_id else self.tag
        return f"{target}: {self.interval_days}"
