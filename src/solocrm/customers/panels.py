"""Extra panels on the customer page, contributed by other apps (orders, deals, tasks …).

An app registers a panel in its ``AppConfig.ready()``::

    from solocrm.customers.panels import CustomerPanel, register_customer_panel
    register_customer_panel(CustomerPanel("sales/_customer_orders.html", orders_context, 10))

``context(user, customer)`` returns the template's context (it reads only what ``user``
may see); panels show in ``order``, after the contact and detail cards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CustomerPanel:
    template: str
    context: Callable[[Any, Any], dict[str, Any]]
    order: int = 100


CUSTOMER_PANELS: list[CustomerPanel] = []


def register_customer_panel(panel: CustomerPanel) -> None:
    if all(existing.template != panel.template for existing in CUSTOMER_PANELS):
        CUSTOMER_PANELS.append(panel)
        CUSTOMER_PANELS.sort(key=lambda p: p.order)


def customer_panels(user: Any, customer: Any) -> list[dict[str, Any]]:
    """Each panel's template and context, ready for ``{% include %}``."""
    return [
        {"template": panel.template, **panel.context(user, customer)} for panel in CUSTOMER_PANELS
    ]
