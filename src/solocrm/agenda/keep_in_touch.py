"""Which customers are due a contact under their keep-in-touch cadence.

    next due = local date of the last logged interaction + interval_days

The last interaction's time is ``Customer.last_contacted_at``, which database triggers
keep equal to the latest non-deleted interaction (``customers.contact_triggers``), so
logging, editing, trashing or deleting an interaction moves the due date at once, and a
cadence is a range scan of the live customers' partial ``(last_contacted_at, id)``
index — no look-up of every customer's interactions. Never contacted: counted from when
the customer, or the tag cadence, was created, whichever is later. A customer's own
cadence — active or paused — overrides the cadences of their tags; among tag cadences
the shortest interval wins, which is the same as "due under any of them".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, Func, Min, OuterRef, QuerySet

from solocrm.agenda.models import Cadence
from solocrm.agenda.selectors import read_variants
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
    created_at: dt.datetime | None,  # read only for the never contacted
    last: dt.datetime | None,
    interval_days: int,
    since: dt.datetime,
    tag_name: str,
    note: str,
    zone: dt.tzinfo,
) -> ContactDue:
    base = last if last is not None else max(created_at or since, since)
    return ContactDue(
        customer_id=customer_id,
        customer_name=name,
        interval_days=interval_days,
        tag_name=tag_name,
        note=note,
        last_contact=last,
        due_date=local_date(base, zone) + dt.timedelta(days=interval_days),
    )


class _Unindexed(Func):
    """A column's value that SQLite's planner will not read from an index (the no-op
    unary ``+``), so that another condition — a short list of ids — drives the read."""

    arity = 1
    template = "%(expressions)s"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra)

    @property
    def output_field(self) -> Any:
        return self.source_expressions[0].output_field

    def __init__(self, name: str) -> None:
        super().__init__(F(name))


COLUMNS = ("pk", "name", "created_at", "last_contacted_at")
# A contacted customer's due date follows from the last contact alone: their creation
# time is not read (one datetime less to convert per row).
CONTACTED_COLUMNS = ("pk", "name", "last_contacted_at")


def _with_no_creation_time(rows: list[tuple]) -> list[tuple]:
    return [(pk, name, None, last) for pk, name, last in rows]


def _overdue(
    customers: QuerySet[Customer],
    *,
    cutoff: dt.datetime,
    never_contacted: QuerySet[Customer] | None,
    limit: int | None,
    few: bool = False,
) -> list[tuple]:
    """``COLUMNS`` of the customers with no interaction since ``cutoff``, most overdue
    first: those of ``never_contacted`` created before the cutoff (None: none can be
    due — the cadence itself is newer), then those of ``customers`` by last contact. Two
    range reads of the live customers' ``(last_contacted_at, id)`` index, each stopping at
    ``limit`` rows. ``few``: ``customers`` are the few with some cadence of their own,
    which drive the read instead."""
    found: list[tuple] = []
    # Ordered by an expression, not the column: SQLite would otherwise walk the
    # last-contact index to spare a sort even when a short list of ids should drive.
    last = _Unindexed("last_contacted_at") if few else F("last_contacted_at")
    if never_contacted is not None:
        never = (
            never_contacted.filter(last_contacted_at__isnull=True, created_at__lt=cutoff)
            .order_by(_Unindexed("pk") if few else F("pk"))
            .values_list(*COLUMNS)
        )
        found += never[:limit] if limit else never
    contacted = customers.alias(last_value=last).filter(last_value__lt=cutoff)
    contacted = contacted.order_by(last, "pk").values_list(*CONTACTED_COLUMNS)
    return found + _with_no_creation_time(list(contacted[:limit] if limit else contacted))


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
    own = Cadence.objects.filter(active=True, customer__isnull=False)
    intervals = own.order_by().values("interval_days").annotate(first=Min("created_at"))
    read: dict[int, list[tuple]] = {}
    firsts = dict(intervals.values_list("interval_days", "first"))
    cutoffs = {interval: _cutoff(today, interval, zone) for interval in sorted(firsts)}

    # Contacted: the same question for every interval, built and compiled once. The
    # customers few: by id, ordered here by an expression (SQLite would otherwise walk
    # the last-contact index to spare a sort).
    def contacted(interval: int, cutoff: dt.datetime) -> QuerySet:
        last = _Unindexed("last_contacted_at")
        rows = (
            customers.filter(pk__in=own.filter(interval_days=interval).values("customer_id"))
            .alias(last_value=last)
            .filter(last_value__lt=cutoff)
            .order_by(last, "pk")
            .values_list(*CONTACTED_COLUMNS)
        )
        return rows[:limit] if limit else rows

    rows_per_interval = read_variants(
        contacted,
        [{"interval": interval, "cutoff": cutoff} for interval, cutoff in cutoffs.items()],
    )
    for (interval, cutoff), rows in zip(cutoffs.items(), rows_per_interval, strict=True):
        never: list[tuple] = []
        if firsts[interval] < cutoff:  # some cadence older than the cutoff: read them too
            older = own.filter(interval_days=interval, created_at__lt=cutoff)
            never = _overdue(
                customers.none(),
                cutoff=cutoff,
                never_contacted=customers.filter(pk__in=older.values("customer_id")),
                limit=limit,
                few=True,
            )
        read[interval] = never + _with_no_creation_time(rows)
    # The cadence of each customer read, per interval (the earliest, should a customer
    # have two of the same interval): one query for them all.
    details = {
        (interval, customer_id): (created_at, note)
        for interval, customer_id, created_at, note in own.filter(
            customer_id__in={row[0] for rows in read.values() for row in rows}
        )
        .order_by("-created_at", "-pk")
        .values_list("interval_days", "customer_id", "created_at", "note")
    }
    for interval, rows in read.items():
        for pk, name, created_at, last in rows:
            since, note = details[interval, pk]
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
        # EXISTS (not a join): the customers' index drives, most overdue first, and the
        # read stops at the limit instead of sorting every tagged customer.
        members = customers.filter(Exists(tagged.filter(tag_id=cadence.tag_id))).exclude(
            Exists(with_own)
        )
        cutoff = _cutoff(today, cadence.interval_days, zone)
        rows = _overdue(
            members,
            cutoff=cutoff,
            never_contacted=members if cadence.created_at < cutoff else None,
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
