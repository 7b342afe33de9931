"""API: pipelines and their stages (changing them is for owners)."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from solocrm.api.schemas import with_errors
from solocrm.core.permissions import require_read
from solocrm.sales import services
from solocrm.sales.api_helpers import pipeline_or_404
from solocrm.sales.api_schemas import (
    PipelineIn,
    PipelineOut,
    PipelinePatch,
    StageIn,
    StageOrderIn,
    StageOut,
    StagePatch,
)
from solocrm.sales.models import Stage
from solocrm.sales.services import StageInput

router = Router(tags=["sales"])


@router.get("/pipelines", response=with_errors({200: list[PipelineOut]}), summary="Pipelines")
def pipeline_list(request: HttpRequest) -> Any:
    require_read(request.user)
    from solocrm.sales.selectors.visibility import pipelines_visible

    return pipelines_visible(request.user).prefetch_related("stages")


@router.post("/pipelines", response=with_errors({201: PipelineOut}), summary="Create a pipeline")
def pipeline_create(request: HttpRequest, payload: PipelineIn) -> Any:
    stages = (
        services.DEFAULT_STAGES
        if payload.stages is None
        else [
            StageInput(s.name, s.probability, is_won=s.is_won, is_lost=s.is_lost)
            for s in payload.stages
        ]
    )
    pipeline = services.pipeline_create(
        by=request.user, name=payload.name, stages=stages, is_default=payload.is_default
    )
    return Status(201, pipeline)


@router.get(
    "/pipelines/{pipeline_id}",
    response=with_errors({200: PipelineOut}, 404),
    summary="One pipeline with its stages",
)
def pipeline_detail(request: HttpRequest, pipeline_id: int) -> Any:
    require_read(request.user)
    return pipeline_or_404(request, pipeline_id)


@router.patch(
    "/pipelines/{pipeline_id}",
    response=with_errors({200: PipelineOut}, 404, 409),
    summary="Rename, reorder, archive or make default (409 if stale)",
)
def pipeline_update(request: HttpRequest, pipeline_id: int, payload: PipelinePatch) -> Any:
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return services.pipeline_update(
        pipeline=pipeline_or_404(request, pipeline_id),
        by=request.user,
        data=data,
        expected_version=version,
    )


@router.delete(
    "/pipelines/{pipeline_id}",
    response=with_errors({204: None}, 404),
    summary="Delete a pipeline without deals",
)
def pipeline_delete(request: HttpRequest, pipeline_id: int) -> Any:
    services.pipeline_delete(pipeline=pipeline_or_404(request, pipeline_id), by=request.user)
    return Status(204, None)


@router.get(
    "/pipelines/{pipeline_id}/stages",
    response=with_errors({200: list[StageOut]}, 404),
    summary="A pipeline's stages in order",
)
def stage_list(request: HttpRequest, pipeline_id: int) -> Any:
    require_read(request.user)
    return pipeline_or_404(request, pipeline_id).stages.order_by("position", "id")


@router.post(
    "/pipelines/{pipeline_id}/stages",
    response=with_errors({201: StageOut}, 404),
    summary="Add a stage",
)
def stage_create(request: HttpRequest, pipeline_id: int, payload: StageIn) -> Any:
    stage = services.stage_create(
        by=request.user, pipeline=pipeline_or_404(request, pipeline_id), **payload.dict()
    )
    return Status(201, stage)


@router.post(
    "/pipelines/{pipeline_id}/stage-order",
    response=with_errors({200: list[StageOut]}, 404),
    summary="Put the stages in a new order",
)
def stage_order(request: HttpRequest, pipeline_id: int, payload: StageOrderIn) -> Any:
    return services.stages_reorder(
        pipeline=pipeline_or_404(request, pipeline_id), by=request.user, stage_ids=payload.stage_ids
    )


def _stage(request: HttpRequest, stage_id: int) -> Stage:
    require_read(request.user)
    return get_object_or_404(Stage.objects.all(), pk=stage_id)


@router.patch(
    "/stages/{stage_id}",
    response=with_errors({200: StageOut}, 404, 409),
    summary="Change a stage (409 if stale)",
)
def stage_update(request: HttpRequest, stage_id: int, payload: StagePatch) -> Any:
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return services.stage_update(
        stage=_stage(request, stage_id), by=request.user, data=data, expected_version=version
    )


@router.delete(
    "/stages/{stage_id}",
    response=with_errors({204: None}, 404),
    summary="Delete a stage no deal has been in",
)
def stage_delete(request: HttpRequest, stage_id: int) -> Any:
    services.stage_delete(stage=_stage(request, stage_id), by=request.user)
    return Status(204, None)
