"""Writes for users, roles and API tokens. Each is audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from solocrm.accounts.models import ApiToken, User, WorkspaceSettings
from solocrm.core.audit import audit_record
from solocrm.core.services import model_create, model_update

TOKEN_PREFIX = "scrm_"  # noqa: S105 - a public prefix that makes tokens recognisable
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, read_only: bool = True) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored or shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name so you can recognise it later."})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=secret[:12],
        digest=token_digest(secret),
        read_only=read_only,
    )
    audit_record(
        "token", obj=token, changes={"created": [None, name], "read_only": [None, read_only]}
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    if token.user_id != by.pk and by.role != User.Role.OWNER:
        raise PermissionDenied("You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record("token", obj=token, changes={"revoked_at": [None, token.revoked_at]})
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The active token matching ``secret``, with its last-used time refreshed."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def user_create(*, email: str, password: str | None, role: str, name: str = "") -> User:
    if role not in User.Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    user = User(
        email=User.objects.normalize_email(email).lower(),
        role=role,
        name=name,
        is_staff=role == User.Role.OWNER,
    )
    user.set_password(password) if password else user.set_unusable_password()
    with transaction.atomic():
        if User.objects.filter(email__iexact=user.email).exists():
            raise ValidationError({"email": f"A user with the email {user.email} already exists."})
        return model_create(user)


def user_set_role(*, user: User, role: str, by: User) -> User:
    if role not in User.Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    if user.pk == by.pk and role != User.Role.OWNER:
        raise ValidationError({"role": "You cannot remove your own owner role."})
    user, _changes = model_update(user, data={"role": role}, fields=["role"])
    return user


def workspace_settings_update(
    *, data: dict, expected_version: int | None = None
) -> WorkspaceSettings:
    obj = WorkspaceSettings.load()
    obj, _changes = model_update(
        obj,
        data=data,
        expected_version=expected_version,
        fields=["members_own_records_only", "default_phone_region", "currency"],
    )
    return obj


def owner_ensure(*, email: str, password: str | None) -> tuple[User, str | None]:
    """Make sure an owner exists. Returns the owner and a new random password if one was made.

    Never sets a fixed default password: without ``password`` a random one is generated.
    """
    existing = User.objects.filter(role=User.Role.OWNER, is_active=True).order_by("pk").first()
    if existing is not None and password is None:
        return existing, None
    user = User.objects.filter(email__iexact=email).first()
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(12)
    if user is None:
        user = User.objects.create_superuser(email=email, password=password)
        audit_record("create", obj=user, changes={"role": [None, "owner"]})
    else:
        user.set_password(password)
        user.role = User.Role.OWNER
        user.is_active = True
        user.save()
        audit_record("update", obj=user, changes={"password": ["…", "changed"]})
    return user, generated
