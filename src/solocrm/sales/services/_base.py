"""Helpers the sales services share: locking with a version check, stamping the author,
turning validation into one error naming every field."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from solocrm.core.context import current_actor
from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import MEMBER, OWNER

M = TypeVar("M", bound=models.Model)


def lock_current(obj: M, *, expected_version: int | None) -> M:
    """The stored row, locked for this transaction; refuse if it moved past our version."""
    model = type(obj)
    current = model._default_manager.select_for_update().filter(pk=obj.pk).first()
    if current is None:
        raise model.DoesNotExist(f"{model._meta.verbose_name} {obj.pk} no longer exists")
    base = obj.version if expected_version is None else expected_version
    if current.version != base:
        raise StaleVersionError(str(current), base, current.version)
    return current


def stamp(obj: models.Model, by: Any, *, creating: bool) -> None:
    user_id = getattr(by, "pk", None) or current_actor().user_id
    obj.updated_by_id = user_id
    if creating and obj.created_by_id is None:
        obj.created_by_id = user_id


def full_clean_or_raise(obj: models.Model, errors: dict[str, list[str]] | None = None) -> None:
    """``full_clean`` plus the caller's own errors, raised together."""
    found = dict(errors or {})
    try:
        obj.full_clean()
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            found.setdefault(key, []).extend(messages)
    if found:
        raise ValidationError(found)


def is_working_user(user: Any) -> bool:
    """An active owner or member: someone who may own records."""
    return bool(user is not None and user.is_active and user.role in (OWNER, MEMBER))
