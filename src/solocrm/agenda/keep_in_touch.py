"""Which customers are due a contact under their keep-in-touch cadence.

    next due = local date of the last logged interaction + interval_days

The last interaction's time is ``Customer.last_contacted_at``, which database triggers
keep equal to the latest non-deleted interaction (``customers.contact_triggers``), so
logging, editing, trashing or deleting an interaction moves the due date at once, and a
cadence is a range scan of the ``(deleted_at, last_contacted_at)`` index — no look-up
of every customer's interactions. Never contacted: counted from when the customer, or
the tag cadence, was created, whichever is later. A customer's own cadence — active or
paused — overrides the cadences of their tags; among tag cadences the shortest interval
wins, which is the same as "due under any of them".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import DateTimeField, Exists, F, OuterRef, QuerySet, Subquery, Value

from solocrm.agenda.models import Cadence
from solocrm.agenda.timezones import day_start, local_date
from solocrm.customers.models import Customer


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


def _overdue(
    customers: QuerySet[Customer],
    *,
    cutoff: dt.datetime,
    since: Any,
    fixed_since: dt.datetime | None = None,
    columns: tuple[str, ...],
    limit: int | None,
) -> list[tuple]:
    """``columns`` of ``customers`` with no interaction since ``cutoff``, most overdue
    first: the never contacted (created, and under the cadence ``since``, before the
    cutoff), then the others by last contact. Two range reads of the
    ``(deleted_at, last_contacted_at)`` index, each stopping at ``limit`` rows; the first
    is skipped when the cadence's own ``fixed_since`` is after the cutoff."""
    found: list[tuple] = []
    if fixed_since is None or fixed_since < cutoff:
        never = (
            customers.filter(last_contacted_at__isnull=True, created_at__lt=cutoff)
            .annotate(last=F("last_contacted_at"), since=since)
            .filter(since__lt=cutoff)
            .order_by("pk")
            .values_list(*columns)
        )
        found += never[:limit] if limit else never
    contacted = (
        customers.filter(last_contacted_at__lt=cutoff)
        .annotate(last=F("last_contacted_at"), since=since)
        .order_by("last_contacted_at", "pk")
        .values_list(*columns)
    )
    found += contacted[:limit] if limit else contacted
    return found


def contacts_due(
    customers: QuerySet[Customer],
    *,
    today: dt.date,
    zone: dt.tzinfo,
    limit: int | None = None,
) -> list[ContactDue]:
    """Customers among ``customers`` whose next contact is due on or before ``today``,
    most overdue first. The database filters and orders; ``limit`` bounds the rows read
    for each interval of the customers' own cadences and for each tag cadence (never
    contacted and contacted apart)."""
    found: dict[int, ContactDue] = {}
    own = Cadence.objects.filter(customer=OuterRef("pk"), active=True)
    active_own = Cadence.objects.filter(active=True, customer__isnull=False)
    intervals = active_own.order_by().values_list("interval_days", flat=True).distinct()
    for interval in sorted(intervals):
        cadence = own.filter(interval_days=interval).order_by("created_at")
        rows = _overdue(
            # IN (the few cadences' customers): read by primary key, not by scanning
            # every customer in the index's order.
            customers.filter(
                pk__in=active_own.filter(interval_days=interval).values("customer_id")
            ).annotate(note=Subquery(cadence.values("note")[:1])),
            cutoff=_cutoff(today, interval, zone),
            since=Subquery(cadence.values("created_at")[:1]),
            columns=("pk", "name", "created_at", "last", "since", "note"),
            limit=limit,
        )
        for pk, name, created_at, last, since, note in rows:
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
    tagged = Customer.tags.through.objects.filter(customer_id=OuterRef("pk"))
    for cadence in Cadence.objects.filter(active=True, tag__isnull=False).select_related("tag"):
        rows = _overdue(
            # EXISTS (not a join): the customers' index drives, most overdue first, and
            # the read stops at the limit instead of sorting every tagged customer.
            customers.filter(Exists(tagged.filter(tag_id=cadence.tag_id))).exclude(
                Exists(with_own)
            ),
            cutoff=_cutoff(today, cadence.interval_days, zone),
            since=Value(cadence.created_at, output_field=DateTimeField()),
            fixed_since=cadence.created_at,
            columns=("pk", "name", "created_at", "last"),
            limit=limit,
        )
        for pk, name, created_at, last in rows:
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
    last = Customer.objects.values_list("last_contacted_at", flat=True).get(pk=customer.pk)
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
