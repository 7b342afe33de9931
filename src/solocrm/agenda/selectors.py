"""Reads of the agenda shared by pages, the API and the calendar feed.

Every function starts from what the user may see (``core.permissions.visible``): tasks
by their owner, cadences by their customer's owner (tag cadences are workspace-wide).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Q, QuerySet

from solocrm.agenda.models import Cadence, Notification, Task
from solocrm.core.permissions import visible
from solocrm.customers.models import Company, Customer
from solocrm.sales.models import Deal
from solocrm.sales.selectors.visibility import deals_visible

TASK_STATES = ("open", "done", "overdue", "all")


def tasks_visible(user: Any) -> QuerySet[Task]:
    return visible(user, Task.objects.all())


def tasks_with_links(queryset: QuerySet[Task]) -> QuerySet[Task]:
    return queryset.select_related("customer", "company", "deal", "owner")


def tasks_filter(
    queryset: QuerySet[Task],
    *,
    state: str = "open",
    now: dt.datetime | None = None,
    owner_id: int | None = None,
    customer_id: int | None = None,
    deal_id: int | None = None,
    due_before: dt.datetime | None = None,
    due_after: dt.datetime | None = None,
) -> QuerySet[Task]:
    if state == "open":
        queryset = queryset.filter(done_at__isnull=True)
    elif state == "done":
        queryset = queryset.filter(done_at__isnull=False)
    elif state == "overdue":
        queryset = queryset.filter(done_at__isnull=True, due_at__lt=now)
    if owner_id is not None:
        queryset = queryset.filter(owner_id=owner_id)
    if customer_id is not None:
        queryset = queryset.filter(customer_id=customer_id)
    if deal_id is not None:
        queryset = queryset.filter(deal_id=deal_id)
    if due_before is not None:
        queryset = queryset.filter(due_at__lt=due_before)
    if due_after is not None:
        queryset = queryset.filter(due_at__gte=due_after)
    return queryset


def linkable_customers(user: Any) -> QuerySet[Customer]:
    return visible(user, Customer.objects.alive())


def linkable_companies(user: Any) -> QuerySet[Company]:
    return visible(user, Company.objects.alive())


def linkable_deals(user: Any) -> QuerySet[Deal]:
    return deals_visible(user)


def cadences_visible(user: Any) -> QuerySet[Cadence]:
    """Tag cadences and cadences of customers the user may see."""
    customers = linkable_customers(user)
    return (
        Cadence.objects.filter(Q(tag__isnull=False) | Q(customer__in=customers))
        .select_related("customer", "tag")
        .order_by("interval_days", "id")
    )


def customer_open_tasks(user: Any, customer: Customer) -> QuerySet[Task]:
    return tasks_visible(user).filter(customer=customer, done_at__isnull=True)


def notifications_for(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(user=user).select_related("task")
    return notifications.filter(read_at__isnull=True) if unread_only else notifications


def unread_notification_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# Stand-ins: values unlikely among a query's other parameters, within every integer
# field's range (Django finds no rows for an out-of-range integer and drops the SQL).
STAND_INS: dict[type, tuple[Any, ...]] = {
    int: (32_749, 32_719, 32_717),
    dt.datetime: tuple(
        dt.datetime(1901, month, 3, 4, 5, 6, 789_012, tzinfo=dt.UTC) for month in (2, 5, 7)
    ),
}


def read_variants(
    build: Callable[..., QuerySet], variants: list[dict[str, Any]]
) -> list[list[tuple]]:
    """``list(build(**variant))`` for each of ``variants`` (dicts of the same names, int
    or datetime values), with the query built and compiled once: ``build`` is called
    with stand-in values, each of which must be one parameter of the SQL, and each
    variant puts its own values in their place. The Today list asks the same short
    question for every task priority and every cadence interval; building and compiling
    it once saves most of the ORM's cost. Falls back to one query per variant when a
    stand-in cannot be told apart from the other parameters."""
    if not variants:
        return []
    names = list(variants[0])
    for attempt in range(3):
        stand_ins = {name: STAND_INS[type(variants[0][name])][attempt] for name in names}
        queryset = build(**stand_ins)
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, template = compiler.as_sql()
        except EmptyResultSet:  # nothing can match, whatever the values
            return [[] for _variant in variants]
        ops = compiler.connection.ops
        slots = {
            name: [n for n, param in enumerate(template) if param == _adapted(ops, value)]
            for name, value in stand_ins.items()
        }
        if all(len(found) == 1 for found in slots.values()):
            break
    else:
        return [[tuple(row) for row in build(**variant)] for variant in variants]
    results = []
    with compiler.connection.cursor() as cursor:
        for variant in variants:
            params = list(template)
            for name, value in variant.items():
                params[slots[name][0]] = _adapted(ops, value)
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            results.append([tuple(row) for row in compiler.results_iter(results=[rows])])
    return results


def _adapted(ops: Any, value: Any) -> Any:
    """``value`` as the database backend passes it (datetimes as the backend stores
    them): what ``as_sql`` gives for a lookup on such a value."""
    if isinstance(value, dt.datetime):
        return ops.adapt_datetimefield_value(value)
    return value
