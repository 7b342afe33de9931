"""Generic writes shared by every domain: create, update with optimistic locking, delete.

Each runs in a transaction and appends to the audit log. Domain services call these
after their own validation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import F

from solocrm.core.audit import audit_record, diff, snapshot
from solocrm.core.context import current_actor
from solocrm.core.exceptions import StaleVersionError

M = TypeVar("M", bound=models.Model)


def _stamp_actor(obj: models.Model, *, creating: bool) -> None:
    user_id = current_actor().user_id
    if hasattr(obj, "updated_by_id"):
        obj.updated_by_id = user_id
    if creating and hasattr(obj, "created_by_id") and obj.created_by_id is None:
        obj.created_by_id = user_id


@transaction.atomic
def model_create(obj: M) -> M:
    """Validate and insert ``obj``, then audit it."""
    _stamp_actor(obj, creating=True)
    obj.full_clean()
    obj.save(force_insert=True)
    audit_record(
        "create",
        obj=obj,
        changes={k: [None, v] for k, v in snapshot(obj).items() if v not in (None, "", [], {})},
    )
    return obj


@transaction.atomic
def model_update(
    obj: M,
    *,
    data: dict[str, Any],
    fields: Iterable[str],
    expected_version: int | None = None,
) -> tuple[M, dict[str, list[Any]]]:
    """Apply whitelisted ``data`` to ``obj``; refuse the write if its version is stale.

    Only names in ``fields`` are taken from ``data`` (user input never becomes an ORM
    keyword). Returns the object and the audited ``{field: [before, after]}`` changes.
    """
    allowed = set(fields)
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"fields not editable: {', '.join(sorted(unknown))}")
    model = type(obj)
    versioned = hasattr(obj, "version")
    if versioned:
        # Lock the row and compare versions inside the transaction.
        current = model._default_manager.select_for_update().filter(pk=obj.pk).first()
        if current is None:
            raise model.DoesNotExist(f"{model._meta.verbose_name} {obj.pk} no longer exists")
        base_version = obj.version if expected_version is None else expected_version
        if current.version != base_version:
            raise StaleVersionError(str(current), base_version, current.version)
        obj = current
    before = snapshot(obj)
    for name, value in data.items():
        setattr(obj, name, value)
    changes = diff(before, snapshot(obj))
    if not changes:
        return obj, {}
    _stamp_actor(obj, creating=False)
    obj.full_clean()
    update_fields = sorted({_field_name(obj, k) for k in changes})
    if versioned:
        obj.version = base_version + 1
        update_fields.append("version")
    for extra in ("updated_at", "updated_by"):
        if hasattr(obj, extra) and extra not in update_fields:
            update_fields.append(extra)
    obj.save(update_fields=update_fields)
    audit_record("update", obj=obj, changes=changes)
    return obj, changes


def _field_name(obj: models.Model, attname: str) -> str:
    for field in obj._meta.concrete_fields:
        if field.attname == attname:
            return field.name
    return attname


@transaction.atomic
def model_delete(obj: models.Model, *, expected_version: int | None = None) -> None:
    if expected_version is not None and getattr(obj, "version", None) is not None:
        current = type(obj)._default_manager.filter(pk=obj.pk).values_list("version", flat=True)
        stored = current.first()
        if stored != expected_version:
            raise StaleVersionError(str(obj), expected_version, stored)
    audit_record(
        "delete",
        obj=obj,
        changes={k: [v, None] for k, v in snapshot(obj).items() if v not in (None, "", [], {})},
    )
    obj.delete()


def bump_version(obj: models.Model) -> None:
    """Increase ``version`` in the database without a read (for writes outside model_update)."""
    type(obj)._default_manager.filter(pk=obj.pk).update(version=F("version") + 1)
