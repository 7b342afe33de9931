"""Small pieces the agenda views share."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from solocrm.agenda.timezones import user_zone


def in_user_time_zone(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Show and read times in the signed-in user's zone for the whole request."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with timezone.override(user_zone(request.user)):
            return view(request, *args, **kwargs)

    return wrapper


def see_other(to: Any, *args: Any, **kwargs: Any) -> HttpResponse:
    """Redirect after a successful POST with 303 See Other."""
    response = redirect(to, *args, **kwargs)
    response.status_code = 303
    return response


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None
