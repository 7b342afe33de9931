"""Pipeline settings pages: the list, adding, renaming and deleting a pipeline, and its
stages (add, edit, move up or down, delete). Changing them is for the workspace owner,
as in the API; everyone who can read sees the list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import is_owner, require_owner, require_read
from solocrm.customers.forms import add_service_errors
from solocrm.customers.views._helpers import see_other
from solocrm.sales import services
from solocrm.sales.forms import PipelineForm, StageForm
from solocrm.sales.models import Pipeline, Stage
from solocrm.sales.selectors.visibility import pipelines_visible


def _stale_message() -> str:
    return _("Someone changed this after you opened it; nothing was saved. Reload and try again.")


def _pipeline(request: HttpRequest, pk: int) -> Pipeline:
    return get_object_or_404(pipelines_visible(request.user), pk=pk)


@login_required
def pipeline_list(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    pipelines = pipelines_visible(request.user).annotate(
        stage_count=Count("stages", distinct=True), deal_count=Count("deals", distinct=True)
    )
    form = PipelineForm()
    status = 200
    if request.method == "POST":
        require_owner(request.user)
        form = PipelineForm(request.POST)
        if form.is_valid():
            try:
                pipeline = services.pipeline_create(
                    by=request.user,
                    name=form.cleaned_data["name"],
                    is_default=form.cleaned_data["is_default"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Pipeline “%s” added.") % pipeline.name)
                return see_other("sales:pipeline_detail", pk=pipeline.pk)
        status = 422
    return render(
        request,
        "sales/pipeline_list.html",
        {"pipelines": pipelines, "form": form, "can_manage": is_owner(request.user)},
        status=status,
    )


def _detail_context(request: HttpRequest, pipeline: Pipeline, **extra: Any) -> dict[str, Any]:
    stages = list(pipeline.stages.annotate(deal_count=Count("deals")).order_by("position", "id"))
    context = {
        "pipeline": pipeline,
        "stages": stages,
        "form": PipelineForm(
            initial={
                "name": pipeline.name,
                "is_default": pipeline.is_default,
                "version": pipeline.version,
            }
        ),
        "stage_form": StageForm(),
        "deal_count": pipeline.deals.count(),
        "can_manage": is_owner(request.user),
    }
    context.update(extra)
    return context


@login_required
def pipeline_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The pipeline's stages, and (for the owner) renaming it."""
    require_read(request.user)
    pipeline = _pipeline(request, pk)
    if request.method != "POST":
        return render(request, "sales/pipeline_detail.html", _detail_context(request, pipeline))
    require_owner(request.user)
    form = PipelineForm(request.POST)
    status = 422
    if form.is_valid():
        data = {"name": form.cleaned_data["name"]}
        if form.cleaned_data["is_default"]:
            data["is_default"] = True  # another pipeline becomes default by being chosen
        try:
            services.pipeline_update(
                pipeline=pipeline,
                by=request.user,
                data=data,
                expected_version=form.cleaned_data["version"] or pipeline.version,
            )
        except StaleVersionError:
            form.add_error(None, _stale_message())
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return see_other("sales:pipeline_detail", pk=pipeline.pk)
    context = _detail_context(request, pipeline, form=form)
    return render(request, "sales/pipeline_detail.html", context, status=status)


@login_required
@require_POST
def pipeline_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_owner(request.user)
    pipeline = _pipeline(request, pk)
    try:
        services.pipeline_delete(pipeline=pipeline, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return see_other("sales:pipeline_detail", pk=pipeline.pk)
    messages.success(request, _("Pipeline “%s” deleted.") % pipeline.name)
    return see_other("sales:pipeline_list")


@login_required
@require_POST
def stage_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_owner(request.user)
    pipeline = _pipeline(request, pk)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            services.stage_create(by=request.user, pipeline=pipeline, **form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Stage “%s” added.") % form.cleaned_data["name"])
            return see_other("sales:pipeline_detail", pk=pipeline.pk)
    context = _detail_context(request, pipeline, stage_form=form)
    return render(request, "sales/pipeline_detail.html", context, status=422)


def _stage(request: HttpRequest, pk: int) -> Stage:
    return get_object_or_404(
        Stage.objects.filter(pipeline__in=pipelines_visible(request.user)).select_related(
            "pipeline"
        ),
        pk=pk,
    )


@login_required
def stage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_owner(request.user)
    stage = _stage(request, pk)
    initial = {
        "name": stage.name,
        "probability": stage.probability,
        "is_won": stage.is_won,
        "is_lost": stage.is_lost,
        "version": stage.version,
    }
    form = StageForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.stage_update(
                    stage=stage,
                    by=request.user,
                    data=form.service_data(),
                    expected_version=form.cleaned_data["version"] or stage.version,
                )
            except StaleVersionError:
                form.add_error(None, _stale_message())
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return see_other("sales:pipeline_detail", pk=stage.pipeline_id)
    return render(request, "sales/stage_form.html", {"form": form, "stage": stage}, status=status)


@login_required
@require_POST
def stage_move(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    """Move a stage one place up or down (buttons that work without JavaScript)."""
    require_owner(request.user)
    if direction not in ("up", "down"):
        raise Http404("Move a stage up or down.")
    stage = _stage(request, pk)
    order = list(stage.pipeline.stages.order_by("position", "id").values_list("pk", flat=True))
    index = order.index(stage.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
        services.stages_reorder(pipeline=stage.pipeline, by=request.user, stage_ids=order)
    url = reverse("sales:pipeline_detail", args=[stage.pipeline_id])
    return see_other(f"{url}#stage-{stage.pk}")


@login_required
@require_POST
def stage_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_owner(request.user)
    stage = _stage(request, pk)
    try:
        services.stage_delete(stage=stage, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Stage “%s” deleted.") % stage.name)
    return see_other("sales:pipeline_detail", pk=stage.pipeline_id)
