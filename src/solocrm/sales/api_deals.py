"""API: deals, moving them between stages, a pipeline's board, and the sales figures."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from solocrm.api.pagination import KeysetPagination
from solocrm.api.schemas import with_errors
from solocrm.core.permissions import require_read
from solocrm.sales import services
from solocrm.sales.api_helpers import filtered, pipeline_or_404, related
from solocrm.sales.api_schemas import (
    BoardColumnOut,
    DealIn,
    DealMoveIn,
    DealOut,
    DealPatch,
    SalesFiguresOut,
    StageChangeOut,
)
from solocrm.sales.filters import DEAL_SORTS, DealFilterForm, deals_filter
from solocrm.sales.models import Deal, Stage
from solocrm.sales.selectors.deals import deal_board, deal_stage_history, deals_with_details
from solocrm.sales.selectors.figures import figures_default_period, sales_figures
from solocrm.sales.selectors.visibility import deals_visible
from solocrm.sales.services.currency import currency_clean, default_currency

router = Router(tags=["sales"])


class DealListQuery(Schema):
    q: str | None = Field(None, description="A part of the title, customer or company name")
    pipeline: int | None = None
    stage: int | None = None
    status: str | None = Field(None, description="open, won or lost")
    owner: int | None = Field(None, description="Owner's user id")
    customer: int | None = Field(None, description="Customer id")
    close_from: dt.date | None = None
    close_to: dt.date | None = None
    sort: str | None = Field(None, description=f"One of {', '.join(DEAL_SORTS)}; - descends")


def _deal(request: HttpRequest, deal_id: int) -> Deal:
    return get_object_or_404(deals_with_details(deals_visible(request.user)), pk=deal_id)


def _stage(stage_id: int | None) -> Stage | None:
    if stage_id is None:
        return None
    return get_object_or_404(Stage.objects.select_related("pipeline"), pk=stage_id)


@router.get("/deals", response=with_errors({200: list[DealOut]}), summary="List deals")
@paginate(KeysetPagination)
def deal_list(request: HttpRequest, filters: Query[DealListQuery]) -> Any:
    require_read(request.user)
    deals = filtered(request, DealFilterForm, deals_filter, deals_visible(request.user))
    return deals_with_details(deals)


@router.post("/deals", response=with_errors({201: DealOut}, 404), summary="Create a deal")
def deal_create(request: HttpRequest, payload: DealIn) -> Any:
    data = related(request, payload.dict())
    pipeline_id, stage_id = data.pop("pipeline_id"), data.pop("stage_id")
    pipeline = pipeline_or_404(request, pipeline_id) if pipeline_id else None
    if data.get("owner") is None:
        data.pop("owner", None)
    deal = services.deal_create(
        by=request.user,
        title=data.pop("title"),
        pipeline=pipeline,
        stage=_stage(stage_id),
        amount=data.pop("amount"),
        currency=data.pop("currency"),
        data=data,
    )
    return Status(201, _deal(request, deal.pk))


@router.get("/deals/{deal_id}", response=with_errors({200: DealOut}, 404), summary="One deal")
def deal_detail(request: HttpRequest, deal_id: int) -> Any:
    require_read(request.user)
    return _deal(request, deal_id)


@router.patch(
    "/deals/{deal_id}",
    response=with_errors({200: DealOut}, 404, 409),
    summary="Change a deal's fields; move it with /move (409 if stale)",
)
def deal_update(request: HttpRequest, deal_id: int, payload: DealPatch) -> Any:
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    services.deal_update(
        deal=_deal(request, deal_id),
        by=request.user,
        data=related(request, data),
        expected_version=version,
    )
    return _deal(request, deal_id)


@router.post(
    "/deals/{deal_id}/move",
    response=with_errors({200: DealOut}, 404, 409),
    summary="Move a deal to a stage (409 if someone changed it since your version)",
    description="A move into a won stage with `create_order: true` also creates the order "
    "(one line: the deal's title and amount).",
)
def deal_move(request: HttpRequest, deal_id: int, payload: DealMoveIn) -> Any:
    services.deal_move_to_stage(
        deal=_deal(request, deal_id),
        stage=_stage(payload.stage_id),
        expected_version=payload.version,
        by=request.user,
        lost_reason=payload.lost_reason,
        create_order=payload.create_order,
        order_number=payload.order_number,
    )
    return _deal(request, deal_id)


@router.get(
    "/deals/{deal_id}/stage-changes",
    response=with_errors({200: list[StageChangeOut]}, 404),
    summary="Every stage change of a deal, oldest first",
)
def deal_stage_changes(request: HttpRequest, deal_id: int) -> Any:
    require_read(request.user)
    return deal_stage_history(_deal(request, deal_id))


@router.delete(
    "/deals/{deal_id}", response=with_errors({204: None}, 404, 409), summary="Delete a deal"
)
def deal_delete(request: HttpRequest, deal_id: int, version: int | None = None) -> Any:
    services.deal_delete(deal=_deal(request, deal_id), by=request.user, expected_version=version)
    return Status(204, None)


@router.get(
    "/pipelines/{pipeline_id}/board",
    response=with_errors({200: list[BoardColumnOut]}, 404),
    summary="A pipeline's board: per stage, the count, sums and first 20 cards",
    description="Counts and sums (per currency) over every deal in each stage; cards: open "
    "stages soonest expected close first, won and lost stages most recently closed first.",
)
def pipeline_board(request: HttpRequest, pipeline_id: int) -> Any:
    require_read(request.user)
    columns = deal_board(request.user, pipeline_or_404(request, pipeline_id))
    return [
        {
            "stage": column.stage,
            "count": column.count,
            "amounts": [{"currency": c, "amount": a} for c, a in sorted(column.amounts.items())],
            "weighted": [{"currency": c, "amount": a} for c, a in sorted(column.weighted.items())],
            "deals": column.deals,
        }
        for column in columns
    ]


class FiguresQuery(Schema):
    pipeline: int | None = Field(None, description="A pipeline id (needed for conversion)")
    start: dt.date | None = Field(None, description="Default: a year before end")
    end: dt.date | None = Field(
        None, description="Default: today (the last close, when nothing closed this year)"
    )
    currency: str | None = Field(None, description="Default: the workspace's")


@router.get(
    "/sales-figures",
    response=with_errors({200: SalesFiguresOut}, 404),
    summary="Weighted pipeline, win rate, deal size, sales cycle, conversion, lost reasons",
)
def figures(request: HttpRequest, query: Query[FiguresQuery]) -> Any:
    require_read(request.user)
    default_start, default_end = figures_default_period(request.user, today=timezone.localdate())
    end = query.end or default_end
    start = query.start or (end - dt.timedelta(days=365) if query.end else default_start)
    pipeline = pipeline_or_404(request, query.pipeline) if query.pipeline else None
    result = sales_figures(
        request.user,
        start=start,
        end=end,
        currency=currency_clean(query.currency) if query.currency else default_currency(),
        pipeline=pipeline,
    )
    return {
        **{k: getattr(result, k) for k in ("currency", "start", "end", "won", "lost")},
        "pipeline_id": pipeline.pk if pipeline else None,
        "weighted_pipeline": result.weighted_pipeline,
        "weighted_total": result.weighted_total,
        "win_rate": result.win_rate,
        "average_deal_size": result.average_deal_size,
        "average_sales_cycle_days": result.average_sales_cycle_days,
        "conversion": [
            {
                "stage_id": c.stage.pk,
                "stage_name": c.stage.name,
                "reached": c.reached,
                "to_next": c.to_next,
            }
            for c in result.conversion
        ],
        "lost_reasons": result.lost_reasons,
    }
