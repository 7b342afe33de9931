"""Roles and record visibility, shared by views, the API, exports and search.

Roles: ``owner`` (everything, including users, settings and the audit log), ``member``
(reads and writes; limited to the records they own when the workspace says so) and
``viewer`` (reads only).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet

OWNER, MEMBER, VIEWER = "owner", "member", "viewer"
ROLES = (OWNER, MEMBER, VIEWER)


def role_of(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return getattr(user, "role", None)


def is_owner(user: Any) -> bool:
    return role_of(user) == OWNER


def can_read(user: Any) -> bool:
    return role_of(user) in ROLES


def can_write(user: Any) -> bool:
    return role_of(user) in (OWNER, MEMBER)


def members_limited_to_own_records() -> bool:
    from django.apps import apps

    settings_model = apps.get_model("accounts", "WorkspaceSettings")
    return settings_model.load().members_own_records_only


def visible(user: Any, queryset: QuerySet, *, owner_field: str = "owner") -> QuerySet:
    """Limit ``queryset`` to what ``user`` may see."""
    role = role_of(user)
    if role is None:
        return queryset.none()
    if role == MEMBER and members_limited_to_own_records():
        return queryset.filter(Q(**{owner_field: user}))
    return queryset


def require_read(user: Any) -> None:
    if not can_read(user):
        raise PermissionDenied("You must be signed in to see this.")


def require_write(user: Any, obj: Model | None = None, *, owner_field: str = "owner") -> None:
    """Refuse writes by viewers, and by limited members on records they do not own."""
    if not can_write(user):
        raise PermissionDenied("Your role can read but not change records.")
    if (
        obj is not None
        and role_of(user) == MEMBER
        and members_limited_to_own_records()
        and getattr(obj, f"{owner_field}_id", None) != user.pk
    ):
        raise PermissionDenied("You can only change records you own.")


def require_owner(user: Any) -> None:
    if not is_owner(user):
        raise PermissionDenied("Only the workspace owner can do this.")
