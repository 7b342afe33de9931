"""Order reads: a customer's purchase history and the figures the customer page shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, QuerySet, Sum

from solocrm.sales.models import Order
from solocrm.sales.selectors.visibility import orders_visible

NET = ExpressionWrapper(
    F("total") - F("refunded_amount"), output_field=DecimalField(max_digits=14, decimal_places=2)
)


def orders_with_details(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.select_related("customer", "owner").prefetch_related("lines__product")


@dataclass(frozen=True)
class PurchaseSummary:
    """One currency's purchase figures for a customer.

    ``orders``: orders that were not cancelled or fully refunded; ``total_spent``: Σ
    (total − refunded amount) over them; ``average_order`` = total_spent / orders;
    ``last_purchase``: the latest of them.
    """

    currency: str
    orders: int
    total_spent: Decimal
    average_order: Decimal
    last_purchase: dt.datetime | None


def customer_orders(user: Any, customer: Any) -> QuerySet[Order]:
    return orders_visible(user).filter(customer=customer).order_by("-ordered_at", "-id")


def customer_purchase_summary(user: Any, customer: Any) -> list[PurchaseSummary]:
    kept = customer_orders(user, customer).exclude(
        status__in=[Order.Status.CANCELLED, Order.Status.REFUNDED]
    )
    rows = (
        kept.order_by()
        .values("currency")
        .annotate(orders=Count("id"), spent=Sum(NET), last=Max("ordered_at"))
        .order_by("-orders", "currency")
    )
    summaries = []
    for row in rows:
        spent = Decimal(row["spent"] or 0).quantize(Decimal("0.01"))
        average = (spent / row["orders"]).quantize(Decimal("0.01")) if row["orders"] else spent
        summaries.append(
            PurchaseSummary(row["currency"], row["orders"], spent, average, row["last"])
        )
    return summaries
