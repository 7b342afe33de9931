"""The agenda's panels: open tasks on the customer page and on the deal page, overdue
ones marked, with "add task" (linked to the record) and "done" buttons."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solocrm.agenda import selectors
from solocrm.agenda.models import Task
from solocrm.core.permissions import can_write
from solocrm.customers.panels import CustomerPanel, register_customer_panel
from solocrm.sales.deal_panels import DealPanel, register_deal_panel

SHOWN_TASKS = 20
TEMPLATE = "agenda/_record_tasks.html"


def _context(user: Any, tasks: QuerySet[Task], *, link: str, pk: int, back: str) -> dict:
    open_tasks = tasks.filter(done_at__isnull=True).select_related("owner")
    shown = list(open_tasks.order_by(F("due_at").asc(nulls_last=True), "id")[: SHOWN_TASKS + 1])
    return {
        "tasks": shown[:SHOWN_TASKS],
        "more": len(shown) > SHOWN_TASKS,
        "all_url": f"{reverse('agenda:task_list')}?{link}={pk}",
        "add_url": f"{reverse('agenda:task_create')}?{link}={pk}&next={back}",
        "back": back,
        "now": timezone.now(),
        "can_write": can_write(user),
        "title": _("Tasks"),
    }


def customer_tasks_context(user: Any, customer: Any) -> dict[str, Any]:
    back = reverse("customers:customer_detail", args=[customer.pk])
    tasks = selectors.tasks_visible(user).filter(customer=customer)
    return _context(user, tasks, link="customer", pk=customer.pk, back=back)


def deal_tasks_context(user: Any, deal: Any) -> dict[str, Any]:
    back = reverse("sales:deal_detail", args=[deal.pk])
    tasks = selectors.tasks_visible(user).filter(deal=deal)
    return _context(user, tasks, link="deal", pk=deal.pk, back=back)


def register() -> None:
    register_customer_panel(CustomerPanel(TEMPLATE, customer_tasks_context, 5))
    register_deal_panel(DealPanel(TEMPLATE, deal_tasks_context, 10))
