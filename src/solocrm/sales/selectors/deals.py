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
STAND_IN = -7_340_033  # a stage id no row has: replaced in each part of the board's query
CARD_FIELDS = (
    "id", "title", "stage_id", "pipeline_id", "customer_id", "company_id", "owner_id",
    "amount", "currency", "expected_close_date", "closed_at", "version",
)  # fmt: skip


def deals_with_details(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    return deals.select_related("stage", "pipeline", "customer", "company", "owner")


@dataclass(frozen=True)
class BoardCard:
    """What a card of the HTML board shows, read as plain values (no model instances)."""

    pk: int
    title: str
    stage_id: int
    amount: Decimal
    currency: str
    expected_close_date: Any
    version: int
    who: str  # the customer's name, else the company's


CARD_VALUES = (
    "id", "title", "stage_id", "amount", "currency", "expected_close_date", "version",
    "customer__name", "company__name",
)  # fmt: skip


@dataclass
class BoardColumn:
    """One stage of the board: its first cards, and the count and sums of all its deals
    (sums per currency, weighted by the stage's probability)."""

    stage: Stage
    deals: list[Any] = field(default_factory=list)  # Deal, or BoardCard when light
    count: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)

    @property
    def hidden(self) -> int:
        return self.count - len(self.deals)


def board_deals(user: Any, pipeline: Pipeline) -> QuerySet[Deal]:
    return deals_visible(user).filter(pipeline=pipeline)


def deal_board(
    user: Any,
    pipeline: Pipeline,
    *,
    per_stage: int = CARDS_PER_STAGE,
    owner: int | None = None,
    light: bool = False,
) -> list[BoardColumn]:
    """The board: stages, per-stage counts and sums (one query on a covering index), the
    first ``per_stage`` cards of each stage (a top-N query per stage: open stages soonest
    expected close first, won and lost stages most recently closed first), then the
    cards' details in one query — ``Deal`` instances, or ``BoardCard`` values when
    ``light`` (the HTML board: a fraction of the cost)."""
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
    visible = deals_visible(user)  # a stage implies its pipeline: the index covers the rest
    if owner:
        visible = visible.filter(owner_id=owner)
    ids = _first_ids_per_stage(visible, list(columns), per_stage)
    rank_of = {pk: rank for rank, pk in enumerate(ids)}
    if light:
        rows = Deal.objects.filter(pk__in=ids).values_list(*CARD_VALUES)
        for pk, title, stage_id, amount, currency, close, version, customer, company in sorted(
            rows, key=lambda row: rank_of[row[0]]
        ):
            card = BoardCard(
                pk, title, stage_id, amount, currency, close, version, customer or company or ""
            )
            columns[stage_id].deals.append(card)
        return list(columns.values())
    cards = (
        Deal.objects.filter(pk__in=ids)
        .select_related("customer", "company")
        .only(*CARD_FIELDS, "customer__name", "company__name")
    )
    for deal in sorted(cards, key=lambda d: rank_of[d.pk]):
        columns[deal.stage_id].deals.append(deal)
    return list(columns.values())


# A stage's cards: most recently closed first, then the open ones soonest expected close
# first, undated last, then by id. Each band is read in the order of the
# ``sales_deal_stage_cards`` index (stage, closed_at, expected_close_date, id), so no
# band sorts the stage's deals ("nulls last" is not an index order).
CARD_BANDS: tuple[tuple[dict[str, Any], tuple[Any, ...]], ...] = (
    (
        {"closed_at__isnull": False},
        (F("closed_at").desc(), F("expected_close_date").asc(nulls_last=True), "id"),
    ),
    (
        {"closed_at__isnull": True, "expected_close_date__isnull": False},
        ("expected_close_date", "id"),
    ),
    ({"closed_at__isnull": True, "expected_close_date__isnull": True}, ("id",)),
)


def _first_ids_per_stage(deals: QuerySet[Deal], stage_ids: list[int], per_stage: int) -> list[int]:
    """The first ``per_stage`` deal ids of each stage, in order, in one statement: a
    top-N query per stage and band (``CARD_BANDS``) joined with UNION ALL — much
    cheaper than a window over every deal of the pipeline. The ORM compiles each band's
    query once, for a stand-in stage id that each part replaces among the parameters."""
    if not stage_ids:
        return []
    bands = []
    for condition, order in CARD_BANDS:
        query = deals.filter(stage_id=STAND_IN, **condition).order_by(*order)
        sql, template = query.values_list("pk", "stage_id")[:per_stage].query.sql_with_params()
        slots = [n for n, value in enumerate(template) if value == STAND_IN]
        if len(slots) != 1:  # pragma: no cover - the stand-in is a single parameter
            raise RuntimeError("the stand-in stage id must appear once among the parameters")
        bands.append((sql, template, slots[0]))
    parts, params = [], []
    for stage_id in stage_ids:
        for sql, template, slot in bands:
            part_params = list(template)
            part_params[slot] = stage_id
            parts.append(f"SELECT * FROM ({sql}) AS part_{len(parts)}")  # noqa: S608 - ORM SQL
            params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    taken: dict[int, int] = {}
    ids = []
    for pk, stage_id in rows:  # the bands in order: keep the first per_stage of a stage
        if taken.get(stage_id, 0) < per_stage:
            taken[stage_id] = taken.get(stage_id, 0) + 1
            ids.append(pk)
    return ids


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
