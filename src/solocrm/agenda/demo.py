"""Demo tasks and keep-in-touch cadences for the demo customers.

Deterministic for a seed: all randomness comes from ``ctx.rng``. Creation times are a
fixed ``BASE_DATE``; due times are counted from *today in the owner's time zone* (the
day ``solocrm demo`` runs) so the Today page has overdue and due-today work whenever
the demo is loaded. Reminders are set only in the future, so loading the demo never
sends a burst of emails for past reminders. Rows are bulk-inserted with one summary
audit entry, like the customers' demo.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from solocrm.agenda.models import Cadence, Task
from solocrm.agenda.reminders import reminder_schedule
from solocrm.agenda.timezones import local_today, user_zone
from solocrm.core.audit import audit_record
from solocrm.core.demo import DemoContext, register
from solocrm.core.tags import Tag
from solocrm.customers.models import Customer
from solocrm.sales.models import Deal

BASE_DATE = dt.datetime(2025, 6, 30, 10, 0, tzinfo=dt.UTC)
TITLES = [
    "Call back about the quote",
    "Send the catalogue",
    "回访客户满意度",
    "Follow up on the invoice",
    "准备报价单",
    "Confirm the delivery date",
    "Ask for a referral",
    "发送新品资料",
    "Book the next meeting",
    "Check in after the order",
]
TAG_CADENCES = [("VIP客户", 30, "Personal check-in"), ("老客户", 90, "")]


def _at(day: dt.date, hour: int, minute: int, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute)).replace(tzinfo=zone).astimezone(dt.UTC)


@register("agenda", order=30)
def load_agenda(ctx: DemoContext) -> None:
    owner = ctx.owner  # may be None: the tasks are then unassigned (every owner sees them)
    owner_id = getattr(owner, "pk", None)
    customers = list(Customer.objects.alive().order_by("pk").values_list("pk", "company_id"))
    deals = list(
        Deal.objects.filter(closed_at__isnull=True).order_by("pk").values_list("pk", "customer_id")
    )
    zone = user_zone(owner)
    now = timezone.now()
    today = local_today(owner, now)
    count = min(60, max(8, ctx.customers // 5))
    tasks = []
    for index in range(count):
        roll = ctx.rng.random()
        if index < 3 or roll < 0.15:
            day = today  # due today, morning to evening
        elif roll < 0.35:
            day = today - dt.timedelta(days=ctx.rng.randrange(1, 12))  # overdue
        else:
            day = today + dt.timedelta(days=ctx.rng.randrange(1, 45))
        due_at = _at(
            day, ctx.rng.choice([9, 10, 11, 14, 15, 16, 17]), ctx.rng.choice([0, 30]), zone
        )
        customer_id, company_id = ctx.rng.choice(customers) if customers else (None, None)
        deal_id = None
        if deals and ctx.rng.random() < 0.2:
            deal_id, deal_customer = ctx.rng.choice(deals)
            customer_id = deal_customer or customer_id
        recurrence = ctx.rng.choice(["", "", "", "", "weekly", "monthly"])
        remind_at = due_at - dt.timedelta(hours=1)
        tasks.append(
            Task(
                title=ctx.rng.choice(TITLES),
                due_at=due_at,
                remind_at=remind_at if remind_at > now and owner_id else None,
                customer_id=customer_id,
                company_id=company_id if customer_id else None,
                deal_id=deal_id,
                owner_id=owner_id,
                priority=ctx.rng.choices([0, 1, 2, 3], weights=[2, 6, 2, 1])[0],
                done_at=due_at if day < today and ctx.rng.random() < 0.3 else None,
                recurrence=recurrence,
                recurrence_start=due_at if recurrence else None,
                created_by_id=owner_id,
                updated_by_id=owner_id,
            )
        )
    tasks = Task.objects.bulk_create(tasks, batch_size=500)
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(created_at=BASE_DATE)
    for task in tasks:
        reminder_schedule(task)
    cadences = []
    for name, days, note in TAG_CADENCES:
        tag = Tag.objects.filter(name=name).first()
        if tag is not None and not Cadence.objects.filter(tag=tag).exists():
            cadences.append(Cadence(tag=tag, interval_days=days, note=note))
    for customer_id, _company in ctx.rng.sample(customers, min(3, len(customers))):
        cadences.append(Cadence(customer_id=customer_id, interval_days=ctx.rng.choice([14, 21])))
    for cadence in cadences:
        cadence.created_by_id = cadence.updated_by_id = owner_id
    Cadence.objects.bulk_create(cadences)
    Cadence.objects.filter(pk__in=[c.pk for c in cadences]).update(created_at=BASE_DATE)
    counts = {"tasks": len(tasks), "cadences": len(cadences)}
    audit_record(
        "import",
        object_type_label="agenda.task",
        object_repr="demo data",
        changes={k: [0, v] for k, v in counts.items()},
    )
    ctx.created.update(counts)
