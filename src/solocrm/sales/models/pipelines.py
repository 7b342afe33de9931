from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from solocrm.core.models import TrackedModel


class Pipeline(TrackedModel):
    """A sales process: ordered stages a deal moves through."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_default = models.BooleanField(_("default pipeline"), default=False)
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        app_label = "sales"
        ordering = ["position", "id"]
        verbose_name = _("pipeline")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="sales_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Stage(TrackedModel):
    """A step of a pipeline. ``probability`` (0–100 %) weighs open deals in the forecast;
    a won or lost stage closes the deals moved into it."""

    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.CASCADE, related_name="stages", verbose_name=_("pipeline")
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(_("win probability (%)"), default=0)
    is_won = models.BooleanField(_("won"), default=False)
    is_lost = models.BooleanField(_("lost"), default=False)

    class Meta:
        app_label = "sales"
        ordering = ["pipeline", "position", "id"]
        verbose_name = _("stage")
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="sales_stage_name_once"),
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="sales_stage_probability_percent"
            ),
            models.CheckConstraint(
                condition=~(Q(is_won=True) & Q(is_lost=True)), name="sales_stage_won_or_lost"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.is_won or self.is_lost
