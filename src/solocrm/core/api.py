from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from solocrm.api.pagination import KeysetPagination
from solocrm.api.schemas import with_errors
from solocrm.core import selectors
from solocrm.core.permissions import require_owner, require_read

router = Router(tags=["core"])


class AuditEntryOut(Schema):
    id: int
    time: datetime
    actor_id: int | None
    actor_label: str
    channel: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]


class JobOut(Schema):
    id: int
    kind: str
    status: str
    progress_done: int
    progress_total: int
    percent: int
    result: dict[str, Any]
    error: str
    created_at: datetime
    finished_at: datetime | None


@router.get(
    "/audit",
    response=with_errors({200: list[AuditEntryOut]}),
    summary="Browse the audit log (owner only)",
)
@paginate(KeysetPagination)
def audit_list(
    request: HttpRequest,
    object_type: str = "",
    object_id: str = "",
    action: str = "",
    actor: str = "",
) -> Any:
    require_owner(request.user)
    return selectors.audit_entries(
        object_type=object_type, object_id=object_id, action=action, actor=actor
    ).order_by("-time", "-id")


@router.get(
    "/jobs/{job_id}",
    response=with_errors({200: JobOut}, 404),
    summary="A background job's progress, result and error",
)
def job_detail(request: HttpRequest, job_id: int) -> Any:
    require_read(request.user)
    return get_object_or_404(selectors.jobs_for(request.user), pk=job_id)
