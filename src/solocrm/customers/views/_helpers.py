"""Small pieces the customer views share."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from ninja.errors import HttpError

from solocrm.api.pagination import KeysetPagination

PAGE_SIZE = 50


def keyset_page(
    queryset: QuerySet, request: HttpRequest, limit: int = PAGE_SIZE, **options: Any
) -> dict[str, Any]:
    """One page of ``queryset`` after ``?cursor=``; a broken cursor starts from the top.
    ``options``: ``KeysetPagination.paginate_queryset``'s."""
    paginator = KeysetPagination()
    cursor = request.GET.get("cursor") or None
    try:
        return paginator.paginate_queryset(
            queryset, KeysetPagination.Input(cursor=cursor, limit=limit), **options
        )
    except HttpError:
        return paginator.paginate_queryset(queryset, KeysetPagination.Input(limit=limit), **options)


def htmx_target(request: HttpRequest) -> str:
    htmx = getattr(request, "htmx", None)
    return (htmx.target or "") if htmx else ""


def see_other(to: Any, *args: Any, **kwargs: Any) -> HttpResponse:
    """Redirect after a successful POST with 303 See Other (the browser then GETs ``to``).

    303, not 302: it says "done, look over there", which clients and tests can tell
    apart from the 302 that sends a signed-out visitor to the login page.
    """
    response = redirect(to, *args, **kwargs)
    response.status_code = 303
    return response
