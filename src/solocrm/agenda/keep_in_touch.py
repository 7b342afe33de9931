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
from typing import Any

from django.db.models import DateTimeField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value

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
    interval_days: int,
    since: dt.datetime,
    tag_name: str,
    note: str,
    zone: dt.tzinfo,
) -> ContactDue:
    base = last if last is not None else max(created_at, since)
    return ContactDue(
        customer_id=customer_id,
        customer_name=name,
        interval_days=interval_days,
        tag_name=tag_name,
        note=note,
        last_contact=last,
        due_date=local_date(base, zone) + dt.timedelta(days=interval_days),
    )


def _overdue(customers: QuerySet[Customer], cutoff: dt.datetime, since: Any) -> QuerySet:
    """``customers`` with no interaction since ``cutoff`` (never contacted: created, and
    under the cadence ``since``, before it), most overdue first. One index look-up of
    the latest interaction per customer."""
    condition = Q(last__lt=cutoff) | Q(last__isnull=True, created_at__lt=cutoff, since__lt=cutoff)
    return (
        customers.annotate(last=last_contact(), since=since)
        .filter(condition)
        .order_by(F("last").asc(nulls_first=True), "pk")
    )


def contacts_due(
    customers: QuerySet[Customer],
    *,
    today: dt.date,
    zone: dt.tzinfo,
    limit: int | None = None,
) -> list[ContactDue]:
    """Customers among ``customers`` whose next contact is due on or before ``today``,
    most overdue first. The database filters and orders; ``limit`` bounds the rows read
    for each interval of the customers' own cadences and for each tag cadence."""
    found: dict[int, ContactDue] = {}
    own = Cadence.objects.filter(customer=OuterRef("pk"), active=True)
    intervals = (
        Cadence.objects.filter(active=True, customer__isnull=False)
        .order_by()
        .values_list("interval_days", flat=True)
        .distinct()
    )
    for interval in sorted(intervals):
        cadence = own.filter(interval_days=interval).order_by("created_at")
        rows = _overdue(
            # A join (not EXISTS): the few cadences drive, not every customer.
            customers.filter(cadences__active=True, cadences__interval_days=interval),
            _cutoff(today, interval, zone),
            Subquery(cadence.values("created_at")[:1]),
        ).annotate(note=Subquery(cadence.values("note")[:1]))
        rows = rows.values_list("pk", "name", "created_at", "last", "since", "note")
        for pk, name, created_at, last, since, note in rows[:limit] if limit else rows:
            item = _due(
                customer_id=pk,
                name=name,
                created_at=created_at,
                last=last,
                interval_days=interval,
                since=since,
                tag_name="",
                note=note,
                zone=zone,
            )
            _keep_earliest(found, item)
    with_own = Cadence.objects.filter(customer=OuterRef("pk"))
    for cadence in Cadence.objects.filter(active=True, tag__isnull=False).select_related("tag"):
        rows = _overdue(
            customers.filter(tags=cadence.tag).exclude(Exists(with_own)),
            _cutoff(today, cadence.interval_days, zone),
            Value(cadence.created_at, output_field=DateTimeField()),
        ).values_list("pk", "name", "created_at", "last")
        for pk, name, created_at, last in rows[:limit] if limit else rows:
            item = _due(
                customer_id=pk,
                name=name,
                created_at=created_at,
                last=last,
                interval_days=cadence.interval_days,
                since=cadence.created_at,
                tag_name=cadence.tag.name,
                note=cadence.note,
                zone=zone,
            )
            _keep_earliest(found, item)
    return sorted(found.values(), key=lambda i: (i.due_date, i.customer_name, i.customer_id))


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
            interval_days=c.interval_days,
            since=c.created_at,
            tag_name=c.tag.name if c.tag_id else "",
            note=c.note,
            zone=zone,
        )
        for c in cadences
    ]
    return min(items, key=lambda i: i.due_date)
