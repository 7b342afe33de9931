"""Reads of the agenda shared by pages, the API and the calendar feed.

Every function starts from what the user may see (``core.permissions.visible``): tasks
by their owner, cadences by their customer's owner (tag cadences are workspace-wide).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

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
