"""API for duplicates and merges; mounted on the customers router (``customers/api.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from solocrm.api.schemas import ErrorOut, with_errors
from solocrm.core.permissions import require_read, require_write
from solocrm.customers import duplicates, merge, merge_selectors
from solocrm.customers.duplicates_scoring import MIN_SCORE
from solocrm.customers.selectors import customers_visible

router = Router(tags=["customers"])


class CustomerRef(Schema):
    id: int
    name: str


class ReasonOut(Schema):
    signal: str = Field(description="email, phone, name_company or name_city")
    score: int
    detail: str


class DuplicateMatchOut(Schema):
    customer: CustomerRef
    score: int = Field(description="0–100; see the duplicates page for how it is made")
    reason: str
    reasons: list[ReasonOut]


class DuplicatePairOut(Schema):
    first: CustomerRef
    second: CustomerRef
    score: int
    reason: str
    reasons: list[ReasonOut]


class DuplicatePairPage(Schema):
    count: int
    items: list[DuplicatePairOut]


class DuplicateCheckIn(Schema):
    name: str = ""
    emails: list[str] = []
    phones: list[str] = []
    company_id: int | None = None
    city: str = ""
    exclude_id: int | None = Field(None, description="the customer being edited, if any")


class MergeChoicesIn(Schema):
    fields: dict[str, str] = Field(
        default_factory=dict,
        description='`{"name": "survivor" | "merged", …}`; unset fields keep the survivor\'s '
        "value unless it is empty",
    )
    custom_fields: dict[str, str] = Field(default_factory=dict)


class MergeIn(MergeChoicesIn):
    survivor_id: int
    merged_id: int
    survivor_version: int = Field(description="the survivor's version you looked at")
    merged_version: int = Field(description="the merged record's version you looked at")


class MergeOut(Schema):
    id: int
    survivor_id: int
    merged_id: int
    created_at: datetime
    created_by_id: int | None
    field_choices: dict[str, Any]
    moved: dict[str, Any]
    survivor_version: int
    merged_version: int
    undone_at: datetime | None


class FieldRowOut(Schema):
    name: str
    label: str
    survivor_value: str
    merged_value: str
    choice: str
    result: str


class MergePreviewOut(Schema):
    fields: list[FieldRowOut]
    custom_fields: list[FieldRowOut]
    emails: list[str]
    phones: list[str]
    tags: list[str]
    moves: dict[str, int]


def _pair(request: HttpRequest, payload: MergeIn) -> tuple[Any, Any]:
    customers = customers_visible(request.user)
    return (
        get_object_or_404(customers, pk=payload.survivor_id),
        get_object_or_404(customers, pk=payload.merged_id),
    )


@router.get(
    "/customer-duplicates",
    response=with_errors({200: DuplicatePairPage}),
    summary="Likely duplicate pairs among the customers you can see, best first",
)
def duplicate_pair_list(
    request: HttpRequest,
    min_score: int = Query(MIN_SCORE, ge=MIN_SCORE, le=100),
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
) -> Any:
    require_read(request.user)
    scores = duplicates.duplicate_pair_scores(user=request.user, min_score=min_score)
    return {
        "count": len(scores),
        "items": duplicates.with_customers(scores[offset : offset + limit]),
    }


@router.post(
    "/customer-duplicates/check",
    response=with_errors({200: list[DuplicateMatchOut]}),
    summary="Customers that look like the one you are entering (for create, edit and import)",
)
def duplicate_check(request: HttpRequest, payload: DuplicateCheckIn) -> Any:
    require_read(request.user)
    return duplicates.find_duplicates_for(**payload.dict(), user=request.user)


@router.post(
    "/customer-merges/preview",
    response=with_errors({200: MergePreviewOut}, 404),
    summary="What the surviving customer would look like after a merge (nothing is written)",
)
def merge_preview(request: HttpRequest, payload: MergeIn) -> Any:
    require_write(request.user)
    survivor, merged = _pair(request, payload)
    preview = merge_selectors.merge_preview(
        survivor=survivor,
        merged=merged,
        fields=payload.fields,
        custom_fields=payload.custom_fields,
    )
    return {**preview.__dict__, "moves": dict(preview.moves)}


@router.post(
    "/customer-merges",
    response=with_errors({201: MergeOut}, 404, 409),
    summary="Merge one customer into another (409 if either changed since your versions)",
)
def merge_create(request: HttpRequest, payload: MergeIn) -> Any:
    require_write(request.user)
    survivor, merged = _pair(request, payload)
    done = merge.customer_merge(
        survivor=survivor,
        merged=merged,
        by=request.user,
        field_choices=payload.fields,
        custom_field_choices=payload.custom_fields,
        survivor_version=payload.survivor_version,
        merged_version=payload.merged_version,
    )
    return Status(201, done)


@router.get(
    "/customer-merges",
    response=with_errors({200: list[MergeOut]}),
    summary="Merges of customers you can see, newest first",
)
def merge_list(
    request: HttpRequest, customer_id: int | None = None, limit: int = Query(50, ge=1, le=500)
) -> Any:
    require_read(request.user)
    return merge_selectors.merges_visible(request.user, customer_id=customer_id)[:limit]


@router.post(
    "/customer-merges/{merge_id}/undo",
    response=with_errors({200: MergeOut}, 404, 409),
    summary="Undo a merge (409 if either record changed since, or it was undone already)",
)
def merge_undo(request: HttpRequest, merge_id: int) -> Any:
    require_write(request.user)
    found = get_object_or_404(merge_selectors.merges_visible(request.user), pk=merge_id)
    try:
        return merge.customer_merge_undo(merge=found, by=request.user)
    except merge.MergeUndoRefusedError as exc:
        body = ErrorOut(
            detail=str(exc),
            code="merge_undo_refused",
            errors=[{"field": "__all__", "message": str(exc)}],
        )
        return Status(409, body)
