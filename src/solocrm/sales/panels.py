"""The customer page's sales panels: order history with total spent, average order and
last purchase, and the customer's deals."""

from __future__ import annotations

from typing import Any

from solocrm.core.permissions import can_write
from solocrm.customers.panels import CustomerPanel, register_customer_panel
from solocrm.sales.selectors.deals import deals_with_details
from solocrm.sales.selectors.orders import customer_orders, customer_purchase_summary
from solocrm.sales.selectors.visibility import deals_visible

SHOWN_ORDERS = 20
SHOWN_DEALS = 10


def orders_context(user: Any, customer: Any) -> dict[str, Any]:
    orders = customer_orders(user, customer)
    return {
        "customer": customer,
        "can_write": can_write(user),
        "orders": list(orders[:SHOWN_ORDERS]),
        "order_count": orders.count(),
        "summaries": customer_purchase_summary(user, customer),
    }


def deals_context(user: Any, customer: Any) -> dict[str, Any]:
    deals = deals_with_details(deals_visible(user).filter(customer=customer))
    return {
        "customer": customer,
        "can_write": can_write(user),
        "deals": list(deals.order_by("-created_at", "-id")[:SHOWN_DEALS]),
    }


def register() -> None:
    register_customer_panel(CustomerPanel("sales/_customer_orders.html", orders_context, 10))
    register_customer_panel(CustomerPanel("sales/_customer_deals.html", deals_context, 20))
