"""API: tasks (list with filters, create, read, change, complete, reopen, delete).

Handlers parse, call a service or selector, and answer; permissions and validation live
in the services (403, 422 naming the field, 409 on a stale version).
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from solocrm.agenda import selectors, services
from solocrm.agenda.api_schemas import TaskCompleteOut, TaskIn, TaskOut, TaskPatch, VersionIn
from solocrm.agenda.models import Task
from solocrm.agenda.timezones import as_aware, user_zone
from solocrm.api.pagination import KeysetPagination, sort_order
from solocrm.api.schemas import with_errors
from solocrm.core.permissions import require_read, require_write

router = Router(tags=["agenda"])

SORTS = {"id": "id", "created": "created_at", "updated": "updated_at"}


class TaskListQuery(Schema):
    state: str = Field("open", pattern=r"^(open|done|overdue|all)$")
    owner: int | None = Field(None, description="Owner's user id")
    customer: int | None = None
    deal: int | None = None
    due_before: dt.datetime | None = None
    due_after: dt.datetime | None = None
    sort: str | None = Field(
        None, description=f"One of {', '.join(SORTS)}; prefix - for descending"
    )


def _task(request: HttpRequest, task_id: int) -> Task:
    return get_object_or_404(selectors.tasks_visible(request.user), pk=task_id)


def _links(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """``*_id`` fields → the records (404 if the caller cannot see them); naive times are
    read in the caller's time zone."""
    from django.contrib.auth import get_user_model

    sources = {
        "customer_id": ("customer", selectors.linkable_customers(request.user)),
        "company_id": ("company", selectors.linkable_companies(request.user)),
        "deal_id": ("deal", selectors.linkable_deals(request.user)),
        "owner_id": ("owner", get_user_model().objects.filter(is_active=True)),
    }
    for key, (name, queryset) in sources.items():
        if key in data:
            pk = data.pop(key)
            data[name] = get_object_or_404(queryset, pk=pk) if pk is not None else None
    zone = user_zone(request.user)
    for name in ("due_at", "remind_at"):
        if name in data:
            data[name] = as_aware(data[name], zone)
    return data


@router.get("/tasks", response=with_errors({200: list[TaskOut]}), summary="List tasks")
@paginate(KeysetPagination)
def task_list(request: HttpRequest, filters: Query[TaskListQuery]) -> Any:
    require_read(request.user)
    zone = user_zone(request.user)
    tasks = selectors.tasks_filter(
        selectors.tasks_visible(request.user),
        state=filters.state,
        now=timezone.now(),
        owner_id=filters.owner,
        customer_id=filters.customer,
        deal_id=filters.deal,
        due_before=as_aware(filters.due_before, zone),
        due_after=as_aware(filters.due_after, zone),
    )
    return tasks.order_by(*sort_order(filters.sort, SORTS, "id"))


@router.post("/tasks", response=with_errors({201: TaskOut}, 404), summary="Create a task")
def task_create(request: HttpRequest, payload: TaskIn) -> Any:
    require_write(request.user)
    data = _links(request, payload.dict())
    task = services.task_create(by=request.user, **data)
    return Status(201, task)


@router.get("/tasks/{task_id}", response=with_errors({200: TaskOut}, 404), summary="One task")
def task_detail(request: HttpRequest, task_id: int) -> Any:
    require_read(request.user)
    return _task(request, task_id)


@router.patch(
    "/tasks/{task_id}",
    response=with_errors({200: TaskOut}, 404, 409),
    summary="Change a task (send the version you read; 409 if it is stale)",
)
def task_update(request: HttpRequest, task_id: int, payload: TaskPatch) -> Any:
    task = _task(request, task_id)
    require_write(request.user, task)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return services.task_update(
        task=task, by=request.user, data=_links(request, data), expected_version=version
    )


@router.post(
    "/tasks/{task_id}/complete",
    response=with_errors({200: TaskCompleteOut}, 404, 409),
    summary="Mark a task done (a repeating task gets its next occurrence, once)",
)
def task_complete(request: HttpRequest, task_id: int, payload: VersionIn) -> Any:
    task = _task(request, task_id)
    require_write(request.user, task)
    task, following = services.task_complete(
        task=task, by=request.user, expected_version=payload.version
    )
    return {"task": task, "next_occurrence": following}


@router.post(
    "/tasks/{task_id}/reopen",
    response=with_errors({200: TaskOut}, 404, 409),
    summary="Undo done",
)
def task_reopen(request: HttpRequest, task_id: int, payload: VersionIn) -> Any:
    task = _task(request, task_id)
    require_write(request.user, task)
    return services.task_reopen(task=task, by=request.user, expected_version=payload.version)


@router.delete(
    "/tasks/{task_id}", response=with_errors({204: None}, 404, 409), summary="Delete a task"
)
def task_delete(request: HttpRequest, task_id: int, version: int | None = None) -> Any:
    """Pass ``?version=`` to refuse the delete (409) if the task changed since."""
    task = _task(request, task_id)
    services.task_delete(task=task, by=request.user, expected_version=version)
    return Status(204, None)
