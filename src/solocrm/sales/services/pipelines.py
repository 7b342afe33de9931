"""Writes for pipelines and their stages (workspace configuration: owners only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from solocrm.core.audit import audit_record, snapshot
from solocrm.core.permissions import require_owner
from solocrm.core.services import model_update
from solocrm.sales.models import Deal, DealStageChange, Pipeline, Stage
from solocrm.sales.services._base import full_clean_or_raise, lock_current, stamp

PIPELINE_FIELDS = ("name", "position", "is_default", "archived")
STAGE_FIELDS = ("name", "position", "probability", "is_won", "is_lost")


@dataclass(frozen=True)
class StageInput:
    name: Any  # text, or a lazily translated default name
    probability: int = 0
    is_won: bool = False
    is_lost: bool = False


DEFAULT_STAGES = (
    StageInput(gettext_lazy("Lead"), 10),
    StageInput(gettext_lazy("Qualified"), 25),
    StageInput(gettext_lazy("Proposal"), 50),
    StageInput(gettext_lazy("Negotiation"), 75),
    StageInput(gettext_lazy("Won"), 100, is_won=True),
    StageInput(gettext_lazy("Lost"), 0, is_lost=True),
)


def _create_audited(obj: Any, by: Any) -> None:
    stamp(obj, by, creating=True)
    full_clean_or_raise(obj)
    obj.save(force_insert=True)
    audit_record(
        "create",
        obj=obj,
        changes={k: [None, v] for k, v in snapshot(obj).items() if v not in (None, "", [], {})},
    )


def _clear_other_defaults(pipeline: Pipeline) -> None:
    for other in Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk):
        model_update(other, data={"is_default": False}, fields=PIPELINE_FIELDS)


@transaction.atomic
def pipeline_create(
    *,
    by: Any,
    name: str,
    stages: Sequence[StageInput] = DEFAULT_STAGES,
    is_default: bool = False,
) -> Pipeline:
    """A pipeline with its stages in the given order; the first pipeline is the default."""
    require_owner(by)
    name = " ".join(name.split())
    if Pipeline.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": [_("A pipeline named “%s” exists.") % name]})
    position = (Pipeline.objects.aggregate(m=Max("position"))["m"] or 0) + 1
    is_default = is_default or not Pipeline.objects.filter(is_default=True).exists()
    if is_default:
        Pipeline.objects.filter(is_default=True).update(is_default=False)
    pipeline = Pipeline(name=name, position=position, is_default=is_default)
    _create_audited(pipeline, by)
    for stage in stages:
        stage_create(
            by=by,
            pipeline=pipeline,
            name=str(stage.name),
            probability=stage.probability,
            is_won=stage.is_won,
            is_lost=stage.is_lost,
        )
    return pipeline


@transaction.atomic
def pipeline_update(
    *, pipeline: Pipeline, by: Any, data: dict[str, Any], expected_version: int | None = None
) -> Pipeline:
    require_owner(by)
    name = data.get("name")
    if name and Pipeline.objects.filter(name__iexact=name).exclude(pk=pipeline.pk).exists():
        raise ValidationError({"name": [_("A pipeline named “%s” exists.") % name]})
    if data.get("is_default"):
        _clear_other_defaults(pipeline)
    pipeline, _changes = model_update(
        pipeline, data=data, fields=PIPELINE_FIELDS, expected_version=expected_version
    )
    return pipeline


@transaction.atomic
def pipeline_delete(*, pipeline: Pipeline, by: Any) -> None:
    """Delete an empty pipeline (one without deals)."""
    require_owner(by)
    pipeline = lock_current(pipeline, expected_version=None)
    if Deal.objects.filter(pipeline=pipeline).exists():
        raise ValidationError(
            {"__all__": [_("This pipeline has deals; move or delete them first.")]}
        )
    audit_record("delete", obj=pipeline, changes={"name": [pipeline.name, None]})
    pipeline.delete()


def _check_stage(stage: Stage) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if stage.is_won and stage.is_lost:
        errors["is_lost"] = [_("A stage is won or lost, not both.")]
    if stage.is_won and stage.probability != 100:
        errors["probability"] = [_("A won stage has a probability of 100 %.")]
    if stage.is_lost and stage.probability != 0:
        errors["probability"] = [_("A lost stage has a probability of 0 %.")]
    if not 0 <= (stage.probability or 0) <= 100:
        errors["probability"] = [_("The probability is a percentage from 0 to 100.")]
    same_name = Stage.objects.filter(pipeline_id=stage.pipeline_id, name__iexact=stage.name)
    if stage.pk:
        same_name = same_name.exclude(pk=stage.pk)
    if same_name.exists():
        errors["name"] = [_("This pipeline has a stage named “%s”.") % stage.name]
    return errors


@transaction.atomic
def stage_create(
    *,
    by: Any,
    pipeline: Pipeline,
    name: str,
    probability: int = 0,
    is_won: bool = False,
    is_lost: bool = False,
    position: int | None = None,
) -> Stage:
    """Add a stage, last unless ``position`` says otherwise."""
    require_owner(by)
    if position is None:
        position = (pipeline.stages.aggregate(m=Max("position"))["m"] or 0) + 1
    stage = Stage(
        pipeline=pipeline,
        name=" ".join(name.split()),
        position=position,
        probability=probability,
        is_won=is_won,
        is_lost=is_lost,
    )
    errors = _check_stage(stage)
    if errors:
        raise ValidationError(errors)
    _create_audited(stage, by)
    return stage


@transaction.atomic
def stage_update(
    *, stage: Stage, by: Any, data: dict[str, Any], expected_version: int | None = None
) -> Stage:
    require_owner(by)
    candidate = Stage.objects.get(pk=stage.pk)
    for name, value in data.items():
        if name in STAGE_FIELDS:
            setattr(candidate, name, value)
    errors = _check_stage(candidate)
    if errors:
        raise ValidationError(errors)
    stage, _changes = model_update(
        stage, data=data, fields=STAGE_FIELDS, expected_version=expected_version
    )
    return stage


@transaction.atomic
def stages_reorder(*, pipeline: Pipeline, by: Any, stage_ids: Sequence[int]) -> list[Stage]:
    """Put the pipeline's stages in this order (every stage named once)."""
    require_owner(by)
    stages = {stage.pk: stage for stage in pipeline.stages.all()}
    if sorted(stage_ids) != sorted(stages):
        raise ValidationError({"stage_ids": [_("Name every stage of the pipeline once.")]})
    for position, stage_id in enumerate(stage_ids, start=1):
        if stages[stage_id].position != position:
            model_update(stages[stage_id], data={"position": position}, fields=STAGE_FIELDS)
    return list(pipeline.stages.order_by("position", "id"))


@transaction.atomic
def stage_delete(*, stage: Stage, by: Any) -> None:
    """Delete a stage no deal is in or has ever been in (its history would be lost)."""
    require_owner(by)
    used = Deal.objects.filter(stage=stage).exists() or (
        DealStageChange.objects.filter(to_stage=stage).exists()
        or DealStageChange.objects.filter(from_stage=stage).exists()
    )
    if used:
        raise ValidationError(
            {"__all__": [_("Deals are or have been in this stage; it cannot be deleted.")]}
        )
    audit_record("delete", obj=stage, changes={"name": [stage.name, None]})
    stage.delete()
