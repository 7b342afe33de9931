"""Which customers are due a contact under their keep-in-touch cadence.

The next due day is computed when read, never stored:

    next due = local date of the last logged interaction + interval_days

(never contacted: counted from when the customer, or the tag cadence, was created,
whichever is later). A customer's own cadence — active or paused — overrides the
cadences of their tags; among tag cadences the shortest interval wins, which is the
same as "due under any of them". Logging, editing or deleting an interaction therefore
moves the date at once, with no hook in the customers app.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from solocrm.agenda.models import Cadence
from solocrm.agenda.timezones import day_start, local_date
from solocrm.customers.models import Customer, Interaction


@dataclass(frozen=True)
class ContactDue:
    customer_id: int
    customer_name: str
    interval_days: int
    tag_name: str  # empty for the customer's own cadence
    note: str
    last_contact: dt.datetime | None
    due_date: dt.date

    def days_overdue(self, today: dt.date) -> int:
        return (today - self.due_date).days


def last_contact() -> Subquery:
    """The time of a customer's latest interaction (index customer, occurred_at)."""
    latest = Interaction.objects.filter(customer=OuterRef("pk"), deleted_at__isnull=True)
    return Subquery(latest.order_by("-occurred_at").values("occurred_at")[:1])


def _cutoff(today: dt.date, interval: int, zone: dt.tzinfo) -> dt.datetime:
    """Due ⇔ local_date(base) + interval ≤ today ⇔ base < start of (today − interval + 1)."""
    return day_start(today - dt.timedelta(days=interval - 1), zone)


def _due(
    *,
    customer_id: int,
    name: str,
    created_at: dt.datetime,
    last: dt.datetime | None,
    cadence: Cadence,
    zone: dt.tzinfo,
) -> ContactDue:
    base = last if last is not None else max(created_at, cadence.created_at)
    return ContactDue(
        customer_id=customer_id,
        customer_name=name,
        interval_days=cadence.interval_days,
        tag_name=cadence.tag.name if cadence.tag_id else "",
        note=cadence.note,
        last_contact=last,
        due_date=local_date(base, zone) + dt.timedelta(days=cadence.interval_days),
    )


def contacts_due(
    customers: QuerySet[Customer],
    *,
    today: dt.date,
    zone: dt.tzinfo,
    limit: int | None = None,
) -> list[ContactDue]:
    """Customers among ``customers`` whose next contact is due on or before ``today``,
    most overdue first; ``limit`` bounds the rows read per cadence."""
    found: dict[int, ContactDue] = {}
    own = (
        Cadence.objects.filter(active=True, customer__in=customers)
        .select_related("customer")
        .annotate(last=_last_of_cadence_customer())
    )
    for cadence in own:
        item = _due(
            customer_id=cadence.customer_id,
            name=cadence.customer.name,
            created_at=cadence.customer.created_at,
            last=cadence.last,
            cadence=cadence,
            zone=zone,
        )
        if item.due_date <= today:
            _keep_earliest(found, item)
    with_own = Cadence.objects.filter(customer=OuterRef("pk"))
    for cadence in Cadence.objects.filter(active=True, tag__isnull=False).select_related("tag"):
        cutoff = _cutoff(today, cadence.interval_days, zone)
        condition = Q(last__lt=cutoff)
        if cadence.created_at < cutoff:
            condition |= Q(last__isnull=True, created_at__lt=cutoff)
        rows = (
            customers.filter(tags=cadence.tag)
            .exclude(Exists(with_own))
            .annotate(last=last_contact())
            .filter(condition)
            .order_by(F("last").asc(nulls_first=True), "pk")
            .values_list("pk", "name", "created_at", "last")
        )
        for pk, name, created_at, last in rows[:limit] if limit else rows:
            item = _due(
                customer_id=pk,
                name=name,
                created_at=created_at,
                last=last,
                cadence=cadence,
                zone=zone,
            )
            if item.due_date <= today:
                _keep_earliest(found, item)
    return sorted(found.values(), key=lambda i: (i.due_date, i.customer_name, i.customer_id))


def _last_of_cadence_customer() -> Subquery:
    latest = Interaction.objects.filter(customer=OuterRef("customer_id"), deleted_at__isnull=True)
    return Subquery(latest.order_by("-occurred_at").values("occurred_at")[:1])


def _keep_earliest(found: dict[int, ContactDue], item: ContactDue) -> None:
    current = found.get(item.customer_id)
    if current is None or item.due_date < current.due_date:
        found[item.customer_id] = item


def customer_next_contact(customer: Customer, *, zone: dt.tzinfo) -> ContactDue | None:
    """The cadence that applies to ``customer`` and when the next contact is due."""
    own = list(Cadence.objects.filter(customer=customer))
    cadences = (
        [c for c in own if c.active]
        if own
        else list(
            Cadence.objects.filter(active=True, tag__in=customer.tags.all()).select_related("tag")
        )
    )
    if not cadences:
        return None
    last = (
        Interaction.objects.filter(customer=customer, deleted_at__isnull=True)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    items = [
        _due(
            customer_id=customer.pk,
            name=customer.name,
            created_at=customer.created_at,
            last=last,
            cadence=c,
            zone=zone,
        )
        for c in cadences
    ]
    return min(items, key=lambda i: i.due_date)
