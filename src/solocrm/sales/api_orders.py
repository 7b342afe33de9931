"""API: orders with their lines. Totals are computed by the server from the lines."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from solocrm.api.pagination import KeysetPagination
from solocrm.api.schemas import with_errors
from solocrm.core.permissions import require_read
from solocrm.sales import services
from solocrm.sales.api_helpers import filtered, related
from solocrm.sales.api_schemas import OrderIn, OrderOut, OrderPatch
from solocrm.sales.filters import ORDER_SORTS, OrderFilterForm, orders_filter
from solocrm.sales.models import Order
from solocrm.sales.selectors.orders import orders_with_details
from solocrm.sales.selectors.visibility import orders_visible

router = Router(tags=["sales"])


class OrderListQuery(Schema):
    q: str | None = Field(None, description="A part of the order number or customer name")
    customer: int | None = Field(None, description="Customer id")
    status: list[str] = Field([], description="Statuses (any of)")
    channel: list[str] = Field([], description="Channels (any of)")
    ordered_from: dt.date | None = None
    ordered_to: dt.date | None = None
    sort: str | None = Field(None, description=f"One of {', '.join(ORDER_SORTS)}; - descends")


def _order(request: HttpRequest, order_id: int) -> Order:
    return get_object_or_404(orders_with_details(orders_visible(request.user)), pk=order_id)


def _lines(request: HttpRequest, lines: list[dict[str, Any]] | None) -> list[dict] | None:
    return None if lines is None else [related(request, dict(line)) for line in lines]


@router.get("/orders", response=with_errors({200: list[OrderOut]}), summary="List orders")
@paginate(KeysetPagination)
def order_list(request: HttpRequest, filters: Query[OrderListQuery]) -> Any:
    require_read(request.user)
    orders = filtered(request, OrderFilterForm, orders_filter, orders_visible(request.user))
    return orders_with_details(orders)


@router.post(
    "/orders", response=with_errors({201: OrderOut}), summary="Create an order with its lines"
)
def order_create(request: HttpRequest, payload: OrderIn) -> Any:
    data = related(request, payload.dict())
    data["lines"] = _lines(request, data["lines"])
    if data.get("owner") is None:
        data.pop("owner", None)
    data.setdefault("customer", None)
    order = services.order_create(by=request.user, **data)
    return Status(201, _order(request, order.pk))


@router.get("/orders/{order_id}", response=with_errors({200: OrderOut}, 404), summary="One order")
def order_detail(request: HttpRequest, order_id: int) -> Any:
    require_read(request.user)
    return _order(request, order_id)


@router.patch(
    "/orders/{order_id}",
    response=with_errors({200: OrderOut}, 404, 409),
    summary="Change an order; lines, when sent, replace its lines (409 if stale)",
)
def order_update(request: HttpRequest, order_id: int, payload: OrderPatch) -> Any:
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    lines = _lines(request, data.pop("lines", None))
    services.order_update(
        order=_order(request, order_id),
        by=request.user,
        data=related(request, data),
        lines=lines,
        expected_version=version,
    )
    return _order(request, order_id)


@router.delete(
    "/orders/{order_id}", response=with_errors({204: None}, 404, 409), summary="Delete an order"
)
def order_delete(request: HttpRequest, order_id: int, version: int | None = None) -> Any:
    services.order_delete(
        order=_order(request, order_id), by=request.user, expected_version=version
    )
    return Status(204, None)
