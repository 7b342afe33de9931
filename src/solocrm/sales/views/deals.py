"""Deal pages: the kanban board of a pipeline, moving a card, the list, one deal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import can_write, require_read
from solocrm.core.selectors import object_history
from solocrm.customers.views._helpers import htmx_target, keyset_page, see_other
from solocrm.sales import services
from solocrm.sales.deal_panels import deal_panels
from solocrm.sales.filters import DealFilterForm, deals_filter
from solocrm.sales.forms import DealMoveForm
from solocrm.sales.models import Deal, Pipeline
from solocrm.sales.selectors.deals import (
    board_totals,
    deal_board,
    deal_stage_history,
    deals_with_details,
)
from solocrm.sales.selectors.visibility import deals_visible, pipelines_visible


def _pipelines(request: HttpRequest) -> list[Pipeline]:
    return list(pipelines_visible(request.user).filter(archived=False))


def _pipeline(pipelines: list[Pipeline], request: HttpRequest, pk: int | None) -> Pipeline | None:
    if pk is not None:
        found = next((p for p in pipelines if p.pk == pk), None)
        return found or get_object_or_404(pipelines_visible(request.user), pk=pk)  # archived
    return next((p for p in pipelines if p.is_default), None) or next(iter(pipelines), None)


def _board_context(
    request: HttpRequest,
    pipeline: Pipeline,
    error: str = "",
    pipelines: list[Pipeline] | None = None,
) -> dict[str, Any]:
    columns = deal_board(request.user, pipeline, light=True)
    return {
        "pipeline": pipeline,
        "pipelines": _pipelines(request) if pipelines is None else pipelines,
        "columns": columns,
        "stages": [column.stage for column in columns],
        "totals": board_totals(columns),
        "can_write": can_write(request.user),
        "error": error,
    }


@login_required
def board(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_read(request.user)
    pipelines = _pipelines(request)
    pipeline = _pipeline(pipelines, request, pk)
    if pipeline is None:
        return render(request, "sales/no_pipeline.html", {"can_write": can_write(request.user)})
    context = _board_context(request, pipeline, pipelines=pipelines)
    return render(request, "sales/board.html", context)


def _next_url(request: HttpRequest, deal: Deal) -> str:
    """Where a plain (no-JavaScript) move goes back to: ``next``, else the deal's board."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return reverse("sales:pipeline_board", args=[deal.pipeline_id])


@login_required
@require_POST
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a card (drag and drop, or the move menu). A stale move changes nothing and
    says so; on the board the refreshed board shows the deal where it really is."""
    deal = get_object_or_404(deals_visible(request.user), pk=pk)
    form = DealMoveForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose a stage to move the deal to.")
    else:
        try:
            services.deal_move_to_stage(
                deal=deal,
                stage=form.cleaned_data["stage"],
                expected_version=form.cleaned_data["version"],
                by=request.user,
                lost_reason=form.cleaned_data["lost_reason"] or None,
                create_order=form.cleaned_data["create_order"],
            )
        except StaleVersionError as exc:
            error = str(exc)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if htmx_target(request) == "board":
        deal.refresh_from_db()
        context = _board_context(request, deal.pipeline, error)
        return render(request, "sales/board.html#board", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Moved “%s”.") % deal.title)
    return see_other(_next_url(request, deal))


@login_required
def deal_list(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    form = DealFilterForm(request.GET or None)
    deals = deals_visible(request.user)
    if form.is_bound and form.is_valid():
        deals = deals_filter(deals, form)
    elif not form.is_bound:
        deals = deals.order_by("-created_at")
    else:
        deals = deals.none()
    return render(
        request,
        "sales/deal_list.html",
        {
            "form": form,
            "page": keyset_page(deals_with_details(deals), request),
            "can_write": can_write(request.user),
        },
    )


@login_required
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_read(request.user)
    deal = get_object_or_404(deals_with_details(deals_visible(request.user)), pk=pk)
    return render(
        request,
        "sales/deal_detail.html",
        {
            "deal": deal,
            "history": deal_stage_history(deal),
            "audit": object_history(deal)[:30],
            "stages": deal.pipeline.stages.order_by("position", "id"),
            "move_form": DealMoveForm(initial={"stage": deal.stage_id, "version": deal.version}),
            "can_write": can_write(request.user),
            "panels": deal_panels(request.user, deal),
        },
    )
