"""Sales figures, each with its formula (the figures page and the API show these).

Over the deals the user may see, in one pipeline or all, for deals closed (or opened,
for conversion) between ``start`` and ``end`` inclusive:

- **weighted pipeline** per expected close month, open deals only:
  ``Σ amount × stage probability / 100`` (deals without a close date in their own row);
- **win rate** = won / (won + lost), by deal count;
- **average deal size** = Σ amount of won deals / number of won deals;
- **average sales cycle** = mean days from a won deal's creation (its first stage
  change) to its close;
- **conversion between stages**: of the deals opened in the period, how many reached
  each open or won stage (a deal reaching a later stage counts for every earlier one),
  and the share of those that went on to the next stage;
- **lost reasons**: lost deals per reason, with their amounts.

Money figures use one currency (the workspace's unless asked): deals in other currencies
are left out of sums and averages, never converted. Counts use every deal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from solocrm.sales.models import Deal, DealStageChange, Pipeline, Stage
from solocrm.sales.selectors.visibility import deals_visible

CENT = Decimal("0.01")


@dataclass(frozen=True)
class MonthForecast:
    month: dt.date | None
    deals: int
    amount: Decimal
    weighted: Decimal


@dataclass(frozen=True)
class StageConversion:
    stage: Stage
    reached: int
    to_next: float | None  # share (0..1) of those reaching this stage that reached the next


@dataclass(frozen=True)
class LostReason:
    reason: str
    deals: int
    amount: Decimal


@dataclass
class SalesFigures:
    currency: str
    start: dt.date
    end: dt.date
    pipeline: Pipeline | None
    weighted_pipeline: list[MonthForecast] = field(default_factory=list)
    won: int = 0
    lost: int = 0
    win_rate: float | None = None
    average_deal_size: Decimal | None = None
    average_sales_cycle_days: float | None = None
    conversion: list[StageConversion] = field(default_factory=list)
    lost_reasons: list[LostReason] = field(default_factory=list)

    @property
    def weighted_total(self) -> Decimal:
        return sum((m.weighted for m in self.weighted_pipeline), Decimal(0))


def _weighted_pipeline(deals: QuerySet[Deal], currency: str) -> list[MonthForecast]:
    rows = (
        deals.filter(closed_at__isnull=True, currency=currency)
        .annotate(month=TruncMonth("expected_close_date"))
        .order_by()
        .values("month", "stage__probability")
        .annotate(n=Count("id"), amount=Sum("amount"))
    )
    months: dict[dt.date | None, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for row in rows:
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        amount = Decimal(row["amount"] or 0)
        bucket = months[month]
        bucket[0] += row["n"]
        bucket[1] += amount
        bucket[2] += amount * row["stage__probability"] / 100
    ordered = sorted(months, key=lambda m: (m is None, m or dt.date.min))
    return [
        MonthForecast(
            m, int(months[m][0]), months[m][1].quantize(CENT), months[m][2].quantize(CENT)
        )
        for m in ordered
    ]


def _closed(deals: QuerySet[Deal], start: dt.date, end: dt.date) -> QuerySet[Deal]:
    return deals.filter(closed_at__date__gte=start, closed_at__date__lte=end)


def _conversion(
    deals: QuerySet[Deal], pipeline: Pipeline, start: dt.date, end: dt.date
) -> list[StageConversion]:
    stages = list(pipeline.stages.filter(is_lost=False).order_by("position", "id"))
    opened = DealStageChange.objects.filter(
        from_stage__isnull=True, changed_at__date__gte=start, changed_at__date__lte=end
    ).values("deal_id")
    furthest = (
        DealStageChange.objects.filter(
            deal__in=deals.filter(pipeline=pipeline, pk__in=opened),
            to_stage__pipeline=pipeline,
            to_stage__is_lost=False,
        )
        .order_by()
        .values("deal_id")
        .annotate(position=Max("to_stage__position"))
    )
    positions = [row["position"] for row in furthest]
    reached = [sum(1 for p in positions if p >= stage.position) for stage in stages]
    conversions = []
    for index, stage in enumerate(stages):
        following = reached[index + 1] if index + 1 < len(stages) else None
        share = following / reached[index] if following is not None and reached[index] else None
        conversions.append(StageConversion(stage, reached[index], share))
    return conversions


def sales_figures(
    user: Any,
    *,
    start: dt.date,
    end: dt.date,
    currency: str,
    pipeline: Pipeline | None = None,
) -> SalesFigures:
    deals = deals_visible(user)
    if pipeline is not None:
        deals = deals.filter(pipeline=pipeline)
    figures = SalesFigures(currency=currency, start=start, end=end, pipeline=pipeline)
    figures.weighted_pipeline = _weighted_pipeline(deals, currency)
    closed = _closed(deals, start, end)
    figures.won = closed.filter(stage__is_won=True).count()
    figures.lost = closed.filter(stage__is_lost=True).count()
    if figures.won + figures.lost:
        figures.win_rate = figures.won / (figures.won + figures.lost)
    won = closed.filter(stage__is_won=True, currency=currency)
    size = won.aggregate(n=Count("id"), s=Sum("amount"))
    if size["n"]:
        figures.average_deal_size = (Decimal(size["s"]) / size["n"]).quantize(CENT)
    cycles = [
        (row["closed_at"] - row["opened"]).total_seconds() / 86400
        for row in closed.filter(stage__is_won=True)
        .annotate(opened=Min("stage_changes__changed_at"))
        .values("closed_at", "opened")
        if row["opened"] is not None
    ]
    if cycles:
        figures.average_sales_cycle_days = sum(cycles) / len(cycles)
    if pipeline is not None:
        figures.conversion = _conversion(deals, pipeline, start, end)
    reasons = (
        closed.filter(stage__is_lost=True)
        .order_by()
        .values("lost_reason")
        .annotate(n=Count("id"), s=Sum("amount", filter=Q(currency=currency)))
        .order_by("-n", "lost_reason")
    )
    figures.lost_reasons = [
        LostReason(row["lost_reason"], row["n"], Decimal(row["s"] or 0).quantize(CENT))
        for row in reasons
    ]
    return figures


def figures_default_period(user: Any, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """The year up to today; when no deal closed in it (say, an old import or the demo
    data), the year up to the last close."""
    start = today - dt.timedelta(days=365)
    closed = deals_visible(user).filter(closed_at__isnull=False)
    if closed.filter(closed_at__date__gte=start).exists():
        return start, today
    last = closed.order_by("-closed_at").values_list("closed_at", flat=True).first()
    if last is None:
        return start, today
    end = timezone.localtime(last).date()
    return end - dt.timedelta(days=365), end
