"""Deal reads: the kanban board of a pipeline, a deal's history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, QuerySet, Sum

from solocrm.sales.models import Deal, DealStageChange, Pipeline, Stage
from solocrm.sales.selectors.visibility import deals_visible

CARDS_PER_STAGE = 20
CARD_FIELDS = (
    "id", "title", "stage_id", "pipeline_id", "customer_id", "company_id", "owner_id",
    "amount", "currency", "expected_close_date", "closed_at", "version",
)  # fmt: skip


def deals_with_details(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    return deals.select_related("stage", "pipeline", "customer", "company", "owner")


@dataclass
class BoardColumn:
    """One stage of the board: its first cards, and the count and sums of all its deals
    (sums per currency, weighted by the stage's probability)."""

    stage: Stage
    deals: list[Deal] = field(default_factory=list)
    count: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)

    @property
    def hidden(self) -> int:
        return self.count - len(self.deals)


def board_deals(user: Any, pipeline: Pipeline) -> QuerySet[Deal]:
    return deals_visible(user).filter(pipeline=pipeline)


def deal_board(
    user: Any, pipeline: Pipeline, *, per_stage: int = CARDS_PER_STAGE, owner: int | None = None
) -> list[BoardColumn]:
    """The board: stages, per-stage counts and sums (one query on a covering index), the
    first ``per_stage`` cards of each stage (a top-N query per stage: open stages soonest
    expected close first, won and lost stages most recently closed first), then the
    cards' details in one query."""
    columns = {s.pk: BoardColumn(stage=s) for s in pipeline.stages.order_by("position", "id")}
    deals = board_deals(user, pipeline)
    if owner:
        deals = deals.filter(owner_id=owner)
    sums = deals.order_by().values("stage_id", "currency").annotate(n=Count("id"), s=Sum("amount"))
    for row in sums:
        column = columns.get(row["stage_id"])
        if column is None:
            continue
        column.count += row["n"]
        amount = Decimal(row["s"] or 0).quantize(Decimal("0.01"))
        column.amounts[row["currency"]] = amount
        weighted = amount * column.stage.probability / 100
        column.weighted[row["currency"]] = weighted.quantize(Decimal("0.01"))
    order = [
        F("closed_at").desc(nulls_last=True),
        F("expected_close_date").asc(nulls_last=True),
        F("id").asc(),
    ]
    visible = deals_visible(user)  # a stage implies its pipeline: the index covers the rest
    if owner:
        visible = visible.filter(owner_id=owner)
    ids = _first_ids_per_stage(visible, list(columns), order, per_stage)
    rank_of = {pk: rank for rank, pk in enumerate(ids)}
    cards = (
        Deal.objects.filter(pk__in=ids)
        .select_related("customer", "company")
        .only(*CARD_FIELDS, "customer__name", "company__name")
    )
    for deal in sorted(cards, key=lambda d: rank_of[d.pk]):
        columns[deal.stage_id].deals.append(deal)
    return list(columns.values())


def _first_ids_per_stage(
    deals: QuerySet[Deal], stage_ids: list[int], order: list[Any], per_stage: int
) -> list[int]:
    """The first ``per_stage`` deal ids of each stage, in order, in one statement: a
    top-N query per stage (each read from the ``sales_deal_stage_cards`` index) joined
    with UNION ALL — much cheaper than a window over every deal of the pipeline."""
    parts, params = [], []
    for stage_id in stage_ids:
        query = deals.filter(stage_id=stage_id).order_by(*order).values_list("pk")[:per_stage]
        sql, part_params = query.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS stage_{len(parts)}")  # noqa: S608 - ORM SQL
        params.extend(part_params)
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return [row[0] for row in cursor.fetchall()]


def board_totals(columns: list[BoardColumn]) -> dict[str, dict[str, Decimal]]:
    """Open deals' amounts and weighted amounts per currency, over the board."""
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for column in columns:
        if column.stage.is_closed:
            continue
        for currency, amount in column.amounts.items():
            totals[currency]["amount"] += amount
            totals[currency]["weighted"] += column.weighted[currency]
    return {currency: dict(values) for currency, values in totals.items()}


def deal_stage_history(deal: Deal) -> QuerySet[DealStageChange]:
    return deal.stage_changes.select_related("from_stage", "to_stage", "changed_by").order_by(
        "changed_at", "id"
    )
