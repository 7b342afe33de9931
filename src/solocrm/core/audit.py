"""Writing the audit log. Every service that changes data calls :func:`audit_record`."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models
from django.utils import timezone

from solocrm.core.context import current_actor
from solocrm.core.models import AuditEntry

SKIPPED_FIELDS = {
    "updated_at",
    "version",
    "search_text",
    "last_contacted_at",
    "password",
    "last_login",
}


def json_value(value: Any) -> Any:
    """Turn a field value into something JSON keeps exactly (Decimals as strings)."""
    if value is None or type(value) in (str, int, bool, float):  # most values: as they are
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The concrete field values of ``obj`` (foreign keys as ids)."""
    values = {}
    for field in obj._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS:
            continue
        values[field.attname] = json_value(getattr(obj, field.attname))
    return values


_AUDITED: dict[type[models.Model], tuple[str, ...]] = {}
EMPTY_VALUES = (None, "", [], {})


def _audited_attnames(model: type[models.Model]) -> tuple[str, ...]:
    if model not in _AUDITED:
        _AUDITED[model] = tuple(
            f.attname for f in model._meta.concrete_fields if f.name not in SKIPPED_FIELDS
        )
    return _AUDITED[model]


def created_changes(obj: models.Model, **extra: Any) -> dict[str, list[Any]]:
    """The changes a creation is audited with: ``[None, value]`` for every non-empty
    value of ``snapshot(obj)`` and then of ``extra`` (made JSON-safe), in that order.
    Written out for speed: an import audits a million new records."""
    changes: dict[str, list[Any]] = {}
    for attname in _audited_attnames(type(obj)):
        value = getattr(obj, attname)
        kind = type(value)
        if kind is str:
            if value:
                changes[attname] = [None, value]
        elif value is None:
            continue
        elif kind in (int, bool, float) or (value := json_value(value)) not in EMPTY_VALUES:
            changes[attname] = [None, value]
    for key, value in extra.items():
        if (value := json_value(value)) not in EMPTY_VALUES:
            changes[key] = [None, value]
    return changes


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field whose value changed."""
    keys = before.keys() | after.keys()
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def object_type(obj_or_model: models.Model | type[models.Model]) -> str:
    return obj_or_model._meta.label_lower


def audit_record(
    action: str,
    *,
    obj: models.Model | None = None,
    object_type_label: str | None = None,
    object_id: str | int = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    actor = current_actor()
    if obj is not None:
        object_type_label = object_type(obj)
        object_id = obj.pk
        object_repr = str(obj)
    return AuditEntry.objects.create(
        time=timezone.now(),
        actor_id=actor.user_id,
        actor_label=actor.label[:254],
        channel=actor.channel,
        request_id=actor.request_id,
        action=action,
        object_type=object_type_label or "",
        object_id=str(object_id),
        object_repr=object_repr[:200],
        changes=json_value(changes or {}),
    )
