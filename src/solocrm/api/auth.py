"""API authentication: ``Authorization: Bearer <token>`` or the browser session with CSRF."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from solocrm.accounts.services import api_token_authenticate
from solocrm.core.context import set_actor

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ReadOnlyTokenError(Exception):
    pass


class BearerTokenAuth(HttpBearer):
    openapi_description = "A personal API token made on the Tokens page: `Bearer scrm_…`."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        if api_token.read_only and request.method not in SAFE_METHODS:
            raise ReadOnlyTokenError("This API token is read-only; make a read-write token.")
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        set_actor(api_token.user, "api")
        return api_token.user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session; unsafe methods need the CSRF token."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None
