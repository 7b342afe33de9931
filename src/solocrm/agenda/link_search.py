"""Finding the customer, company or deal a task links to, by name or number, among the
records the user may see (a limited member finds only their own)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from solocrm.agenda import selectors
from solocrm.customers.selectors import customer_search, customers_first

KINDS = ("customer", "company", "deal")
SHOWN = 10


def linkable(user: Any, kind: str) -> QuerySet:
    if kind == "customer":
        return selectors.linkable_customers(user)
    if kind == "company":
        return selectors.linkable_companies(user)
    if kind == "deal":
        return selectors.linkable_deals(user)
    raise ValueError(f"kind must be one of {', '.join(KINDS)}")


def label_of(kind: str, record: Any) -> str:
    return record.title if kind == "deal" else record.name


def link_matches(user: Any, kind: str, q: str, *, limit: int = SHOWN) -> list[Any]:
    """Records of ``kind`` matching ``q``: its number, or every word of it in the name
    (customers: the customer search's fields too)."""
    q = " ".join(q.split())[:100]
    records = linkable(user, kind)
    if not q:
        return []
    if q.isdigit():
        return list(records.filter(pk=int(q))[:1])
    if kind == "customer":
        records = customer_search(user, q, queryset=records)
    else:
        field = "title" if kind == "deal" else "name"
        condition = Q()
        for term in q.split():
            condition &= Q(**{f"{field}__icontains": term})
        records = records.filter(condition)
    order = "title" if kind == "deal" else "name"
    if kind == "customer":
        return customers_first(records.order_by(order, "pk"), limit)
    return list(records.order_by(order, "pk")[:limit])
