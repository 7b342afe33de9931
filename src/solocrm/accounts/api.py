from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.responses import Status

from solocrm.accounts import services
from solocrm.accounts.models import ApiToken, User
from solocrm.api.schemas import with_errors
from solocrm.core.permissions import require_owner, require_read

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    email: str
    name: str
    role: str
    language: str


class TokenIn(Schema):
    name: str
    read_only: bool = True


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    read_only: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    secret: str


class UserOut(Schema):
    id: int
    email: str
    name: str
    role: str
    is_active: bool


@router.get("/me", response=with_errors({200: MeOut}), summary="The authenticated user")
def me(request: HttpRequest) -> Any:
    require_read(request.user)
    return request.user


@router.get("/tokens", response=with_errors({200: list[TokenOut]}), summary="Your API tokens")
def token_list(request: HttpRequest) -> Any:
    require_read(request.user)
    return ApiToken.objects.filter(user=request.user)


@router.post(
    "/tokens",
    response=with_errors({201: TokenCreatedOut}),
    summary="Make an API token; the secret is in this response only",
)
def token_create(request: HttpRequest, payload: TokenIn) -> Any:
    require_read(request.user)
    read_only = payload.read_only or request.user.role == User.Role.VIEWER
    token, secret = services.api_token_create(
        user=request.user, name=payload.name, read_only=read_only
    )
    token.secret = secret  # type: ignore[attr-defined]
    return Status(201, token)


@router.post(
    "/tokens/{token_id}/revoke",
    response=with_errors({200: TokenOut}, 404),
    summary="Revoke one of your API tokens",
)
def token_revoke(request: HttpRequest, token_id: int) -> Any:
    require_read(request.user)
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    return services.api_token_revoke(token=token, by=request.user)


@router.get(
    "/users", response=with_errors({200: list[UserOut]}), summary="Workspace users (owner only)"
)
def user_list(request: HttpRequest) -> Any:
    require_owner(request.user)
    return User.objects.all()
