"""Small pieces the customer views share."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja.errors import HttpError

from solocrm.api.pagination import KeysetPagination

PAGE_SIZE = 50


def keyset_page(queryset: QuerySet, request: HttpRequest, limit: int = PAGE_SIZE) -> dict[str, Any]:
    """One page of ``queryset`` after ``?cursor=``; a broken cursor starts from the top."""
    paginator = KeysetPagination()
    cursor = request.GET.get("cursor") or None
    try:
        return paginator.paginate_queryset(
            queryset, KeysetPagination.Input(cursor=cursor, limit=limit)
        )
    except HttpError:
        return paginator.paginate_queryset(queryset, KeysetPagination.Input(limit=limit))


def htmx_target(request: HttpRequest) -> str:
    htmx = getattr(request, "htmx", None)
    return (htmx.target or "") if htmx else ""
