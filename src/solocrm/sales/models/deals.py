from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from solocrm.core.models import TrackedModel


class Deal(TrackedModel):
    """A sale in progress. ``stage`` always belongs to ``pipeline``; ``closed_at`` is set
    when the deal enters a won or lost stage and cleared when it is reopened."""

    title = models.CharField(_("title"), max_length=200)
    pipeline = models.ForeignKey(
        "sales.Pipeline", on_delete=models.PROTECT, related_name="deals", verbose_name=_("pipeline")
    )
    stage = models.ForeignKey(
        "sales.Stage", on_delete=models.PROTECT, related_name="deals", verbose_name=_("stage")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("customer"),
    )
    company = models.ForeignKey(
        "customers.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("company"),
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=Decimal(0))
    currency = models.CharField(_("currency"), max_length=3)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    source = models.CharField(_("source"), max_length=100, blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    stage_changed_at = models.DateTimeField(_("in this stage since"), db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    order = models.OneToOneField(
        "sales.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deal",
        verbose_name=_("order"),
    )

    class Meta:
        app_label = "sales"
        ordering = ["-created_at", "-id"]
        verbose_name = _("deal")
        indexes = [
            # The board's per-stage counts and sums read this index alone (it covers them).
            models.Index(
                fields=["pipeline", "stage", "currency", "amount"], name="sales_deal_board_sums"
            ),
            models.Index(fields=["owner", "closed_at"]),
            # The board's cards of a stage: read in order from this index, rows fetched last.
            models.Index(
                fields=["stage", "closed_at", "expected_close_date"], name="sales_deal_stage_cards"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=Decimal(0)), name="sales_deal_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class DealStageChange(models.Model):
    """One move of a deal between stages (the first row, ``from_stage`` empty, is its
    creation). Kept forever: the sales cycle and stage conversion are computed from it."""

    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, related_name="stage_changes", verbose_name=_("deal")
    )
    from_stage = models.ForeignKey(
        "sales.Stage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from stage"),
    )
    to_stage = models.ForeignKey(
        "sales.Stage", on_delete=models.PROTECT, related_name="+", verbose_name=_("to stage")
    )
    changed_at = models.DateTimeField(_("changed at"), db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        app_label = "sales"
        ordering = ["deal", "changed_at", "id"]
        verbose_name = _("deal stage change")
        indexes = [models.Index(fields=["deal", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id}"
