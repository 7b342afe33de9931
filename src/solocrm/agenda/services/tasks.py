"""Writes for tasks: create, update (optimistic locking), complete (with the next
occurrence of a recurring task, exactly once), reopen and delete."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.agenda import recurrence, selectors
from solocrm.agenda.models import Task
from solocrm.agenda.reminders import reminder_schedule
from solocrm.agenda.timezones import user_zone
from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import MEMBER, members_limited_to_own_records, require_write, role_of
from solocrm.core.services import model_create, model_delete, model_update

TASK_FIELDS = (
    "title",
    "notes",
    "due_at",
    "remind_at",
    "customer",
    "company",
    "deal",
    "owner",
    "priority",
    "recurrence",
    "recurrence_interval",
)


def _check_owner(by: Any, owner: Any) -> None:
    if owner is None:
        return
    if not owner.is_active or role_of(owner) not in ("owner", "member"):
        raise ValidationError({"owner": [_("A task's owner must be an active owner or member.")]})
    if role_of(by) == MEMBER and members_limited_to_own_records() and owner.pk != by.pk:
        raise PermissionDenied(_("You can only assign tasks to yourself."))


def _check_links(by: Any, task: Task, fields: set[str] | None = None) -> None:
    """A task links only to records its author may see (only ``fields``, when given)."""
    links = (
        ("customer", task.customer_id, selectors.linkable_customers),
        ("company", task.company_id, selectors.linkable_companies),
        ("deal", task.deal_id, selectors.linkable_deals),
    )
    errors = {}
    for field, pk, linkable in links:
        if fields is not None and field not in fields:
            continue
        if pk is not None and not linkable(by).filter(pk=pk).exists():
            errors[field] = [_("Choose a record you can see.")]
    if errors:
        raise ValidationError(errors)


def _check_times(task: Task) -> None:
    errors: dict[str, list[str]] = {}
    if task.title is not None:
        task.title = " ".join(task.title.split())
    if not task.title:
        errors["title"] = [_("A task needs a title.")]
    for field in ("due_at", "remind_at"):
        value = getattr(task, field)
        if value is not None and timezone.is_naive(value):
            errors[field] = [_("Give the time with its time zone.")]
        elif value is not None:
            setattr(task, field, value.astimezone(dt.UTC))  # stored, and answered, in UTC
    if task.recurrence and task.due_at is None:
        errors["due_at"] = [_("A repeating task needs a due time.")]
    if task.recurrence != Task.Recurrence.EVERY_N_DAYS:
        task.recurrence_interval = 1
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def task_create(
    *,
    by: Any,
    title: str,
    notes: str = "",
    due_at: dt.datetime | None = None,
    remind_at: dt.datetime | None = None,
    customer: Any = None,
    company: Any = None,
    deal: Any = None,
    owner: Any = None,
    priority: int = Task.Priority.NORMAL,
    recurrence: str = Task.Recurrence.NONE,
    recurrence_interval: int = 1,
) -> Task:
    require_write(by)
    owner = owner if owner is not None else by
    _check_owner(by, owner)
    task = Task(
        title=title,
        notes=(notes or "").strip(),
        due_at=due_at,
        remind_at=remind_at,
        customer=customer,
        company=company if company is not None else getattr(customer, "company", None),
        deal=deal,
        owner=owner,
        priority=priority,
        recurrence=recurrence or "",
        recurrence_interval=recurrence_interval or 1,
    )
    _check_times(task)
    _check_links(by, task)
    task.recurrence_start = task.due_at if task.recurrence else None
    model_create(task)
    reminder_schedule(task)
    return task


@transaction.atomic
def task_update(
    *, task: Task, by: Any, data: dict[str, Any], expected_version: int | None = None
) -> Task:
    require_write(by, task)
    unknown = set(data) - set(TASK_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    if "owner" in data:
        _check_owner(by, data["owner"])
    draft = Task(**{f.attname: getattr(task, f.attname) for f in Task._meta.concrete_fields})
    for name, value in data.items():
        setattr(draft, name, value)
    _check_times(draft)
    _check_links(by, draft, set(data))
    data = {name: getattr(draft, name) for name in data}
    if "recurrence" in data and draft.recurrence != Task.Recurrence.EVERY_N_DAYS:
        data["recurrence_interval"] = 1
    if {"due_at", "recurrence", "recurrence_interval"} & set(data):
        # Moving a repeating task's due time (or its rule) starts the series afresh.
        data["recurrence_start"] = draft.due_at if draft.recurrence else None
    task, changes = model_update(
        task,
        data=data,
        fields=(*TASK_FIELDS, "recurrence_start"),
        expected_version=expected_version,
    )
    if "remind_at" in changes:
        reminder_schedule(task)
    return task


def _lock(task: Task, expected_version: int | None) -> Task:
    current = Task.objects.select_for_update().filter(pk=task.pk).first()
    if current is None:
        raise Task.DoesNotExist(f"task {task.pk} no longer exists")
    if expected_version is not None and current.version != expected_version:
        raise StaleVersionError(str(current), expected_version, current.version)
    return current


def _existing_next(task: Task) -> Task | None:
    return Task.objects.filter(previous=task).first()


@transaction.atomic
def task_complete(
    *,
    task: Task,
    by: Any,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[Task, Task | None]:
    """Mark the task done; for a repeating task, create its next occurrence.

    Idempotent: completing a task that is already done changes nothing and returns the
    same next occurrence. The next occurrence is tied to this one by a one-to-one key,
    so two concurrent completions cannot create two.
    """
    require_write(by, task)
    current = _lock(task, None)
    if current.done_at is not None:
        return current, _existing_next(current)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersionError(str(current), expected_version, current.version)
    now = now or timezone.now()
    current, _changes = model_update(
        current, data={"done_at": now}, fields=("done_at",), expected_version=current.version
    )
    if not current.recurrence:
        return current, None
    return current, _next_occurrence_create(current, now=now)


def _next_occurrence_create(task: Task, *, now: dt.datetime) -> Task:
    existing = _existing_next(task)
    if existing is not None:
        return existing
    start = task.recurrence_start or task.due_at
    zone = user_zone(task.owner)
    due_at = recurrence.next_due(
        start=start,
        previous_due=task.due_at,
        rule=task.recurrence,
        interval=task.recurrence_interval,
        zone=zone,
        not_before=now,
    )
    remind_at = due_at - (task.due_at - task.remind_at) if task.remind_at else None
    following = Task(
        title=task.title,
        notes=task.notes,
        due_at=due_at,
        remind_at=remind_at,
        customer_id=task.customer_id,
        company_id=task.company_id,
        deal_id=task.deal_id,
        owner_id=task.owner_id,
        priority=task.priority,
        recurrence=task.recurrence,
        recurrence_interval=task.recurrence_interval,
        recurrence_start=start,
        previous=task,
    )
    try:
        with transaction.atomic():
            model_create(following)
    except IntegrityError:
        # Someone completed the same occurrence in parallel and won the race.
        return Task.objects.get(previous=task)
    reminder_schedule(following)
    return following


@transaction.atomic
def task_reopen(*, task: Task, by: Any, expected_version: int | None = None) -> Task:
    """Undo "done". A next occurrence already created stays (completing again makes none)."""
    require_write(by, task)
    current = _lock(task, expected_version)
    if current.done_at is None:
        return current
    current, _changes = model_update(
        current, data={"done_at": None}, fields=("done_at",), expected_version=current.version
    )
    return current


@transaction.atomic
def task_delete(*, task: Task, by: Any, expected_version: int | None = None) -> None:
    require_write(by, task)
    model_delete(task, expected_version=expected_version)
