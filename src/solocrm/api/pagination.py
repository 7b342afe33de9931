"""Keyset (cursor) pagination over any allow-listed ordering, ending in the primary key."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.pagination import PaginationBase


def _encode(values: list[Any]) -> str:
    def default(v: Any) -> Any:
        if isinstance(v, dt.datetime | dt.date):
            return {"$dt": v.isoformat()}
        if isinstance(v, Decimal):
            return {"$dec": str(v)}
        raise TypeError(type(v))

    raw = json.dumps(values, default=default, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[Any]:
    def hook(obj: dict) -> Any:
        if "$dt" in obj:
            text = obj["$dt"]
            return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
        if "$dec" in obj:
            return Decimal(obj["$dec"])
        return obj

    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded), object_hook=hook)
    except (ValueError, TypeError) as exc:
        raise HttpError(422, "cursor: not a cursor this API gave out") from exc
    if not isinstance(values, list):
        raise HttpError(422, "cursor: not a cursor this API gave out")
    return values


def ordering_of(queryset: QuerySet) -> list[str]:
    order = list(queryset.query.order_by) or list(queryset.model._meta.ordering or [])
    if not any(o.lstrip("-") in ("pk", "id") for o in order):
        last_desc = bool(order) and order[-1].startswith("-")
        order.append("-pk" if last_desc else "pk")
    return order


def keyset_filter(order: list[str], values: list[Any]) -> Q:
    """Rows strictly after ``values`` in ``order``: a ≥ x & ((a > x) | (a = x & b > y) | …).

    The leading ``a ≥ x`` says the same thing again, in a form a database can seek an
    index with: without it SQLite read every row sharing the first value (or worse) before
    the page — 30–50 ms half-way down a million customers instead of 0.2 ms."""
    if len(values) != len(order):
        raise HttpError(422, "cursor: does not match this list's sort order")
    condition = Q()
    for i, term in enumerate(order):
        name = term.lstrip("-")
        op = "lt" if term.startswith("-") else "gt"
        step = Q(**{f"{name}__{op}": values[i]})
        for prev_term, prev_value in zip(order[:i], values[:i], strict=True):
            step &= Q(**{prev_term.lstrip("-"): prev_value})
        condition |= step
    first = order[0]
    seek = Q(**{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": values[0]})
    return seek & condition


class KeysetPagination(PaginationBase):
    class Input(Schema):
        cursor: str | None = Field(None, description="`next_cursor` from the previous page")
        limit: int = Field(50, ge=1, le=500)

    class Output(Schema):
        items: list[Any]
        next_cursor: str | None

    items_attribute = "items"

    def paginate_queryset(
        self,
        queryset: QuerySet,
        pagination: Input,
        *,
        first: Callable[[QuerySet, int], list[Any]] | None = None,
        **params: Any,
    ) -> Any:
        """``first(queryset, n)``: the first ``n`` rows of the sorted page query, when a
        caller knows a cheaper way to them than slicing (``customers.selectors
        .customers_first``)."""
        order = ordering_of(queryset)
        _require_non_null(queryset, order)
        queryset = queryset.order_by(*order)
        if pagination.cursor:
            queryset = queryset.filter(keyset_filter(order, _decode(pagination.cursor)))
        if first is not None:
            rows = first(queryset, pagination.limit + 1)
        else:
            rows = list(queryset[: pagination.limit + 1])
        next_cursor = None
        if len(rows) > pagination.limit:
            rows = rows[: pagination.limit]
            last = rows[-1]
            next_cursor = _encode([_value(last, term.lstrip("-")) for term in order])
        return {"items": rows, "next_cursor": next_cursor}


def _value(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj.pk if hasattr(obj, "_meta") else obj


def _require_non_null(queryset: QuerySet, order: list[str]) -> None:
    """Keyset comparisons cannot step over NULLs (and databases sort them differently),
    so every sort field must be NOT NULL; an allow-list that breaks this is a bug."""
    for term in order:
        name = term.lstrip("-")
        if name == "pk" or "__" in name:
            continue
        if queryset.model._meta.get_field(name).null:
            raise TypeError(f"sort field {name!r} allows NULL; keyset pagination cannot use it")


def sort_order(requested: str | None, allowed: dict[str, str], default: str) -> list[str]:
    """Map a user's ``sort`` (e.g. ``-name``) through an allow-list to ORM order terms."""
    requested = requested or default
    descending = requested.startswith("-")
    key = requested.lstrip("-")
    if key not in allowed:
        raise HttpError(
            422, f"sort: must be one of {', '.join(sorted(allowed))} (prefix - for descending)"
        )
    field = allowed[key]
    return [f"-{field}" if descending else field]
