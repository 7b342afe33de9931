"""What a user may see of sales records.

Products are visible to everyone who can read. Deals follow their ``owner``. Orders are
visible to a limited member when they own the customer (or, for an order without a
customer, the order).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from solocrm.core.permissions import MEMBER, members_limited_to_own_records, role_of, visible
from solocrm.sales.models import Deal, Order, Pipeline, Product


def products_visible(user: Any) -> QuerySet[Product]:
    return Product.objects.all() if role_of(user) else Product.objects.none()


def pipelines_visible(user: Any) -> QuerySet[Pipeline]:
    return Pipeline.objects.all() if role_of(user) else Pipeline.objects.none()


def deals_visible(user: Any) -> QuerySet[Deal]:
    return visible(user, Deal.objects.all(), owner_field="owner")


def orders_visible(user: Any) -> QuerySet[Order]:
    role = role_of(user)
    if role is None:
        return Order.objects.none()
    orders = Order.objects.all()
    if role == MEMBER and members_limited_to_own_records():
        return orders.filter(Q(customer__owner=user) | Q(customer__isnull=True, owner=user))
    return orders
