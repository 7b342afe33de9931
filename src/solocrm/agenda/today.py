"""The Today list: what to do today, from every source, ranked (``ranking``).

Sources (``today_sources``): open tasks due before the end of the user's day (overdue or
due today), customers due a contact under a keep-in-touch cadence, open deals whose
expected close date has passed or that had no activity for ``SOLOCRM_STALE_DEAL_DAYS``,
and birthdays. "Mine" means assigned to the user; an owner also sees what is
unassigned. Snoozed items stay hidden until their day.

Two steps keep the page fast on a large database: every source yields light
*candidates* (a key, a score, the customer for the insight term), bounded in SQL; only
the ``limit`` best become full items with their reasons and links.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format

from solocrm.agenda import ranking
from solocrm.agenda.models import TodaySnooze
from solocrm.agenda.timezones import day_start, local_date, user_zone
from solocrm.core.permissions import is_owner, visible

LIMIT = 50
KINDS = ("task", "contact", "deal", "birthday")


@dataclass
class TodayItem:
    key: str  # "<kind>:<id>", also what a snooze hides
    kind: str
    title: str
    reasons: list[str]
    url: str
    score: float = 0.0
    customer_id: int | None = None
    customer_name: str = ""
    task_id: int | None = None
    task_version: int | None = None
    deal_id: int | None = None
    when: dt.datetime | None = None
    actions: list[str] = field(default_factory=list)
    action_urls: dict[str, str] = field(default_factory=dict)

    @property
    def dom_id(self) -> str:
        return "today-" + self.key.replace(":", "-")


@dataclass
class Candidate:
    key: str
    kind: str
    title: str
    score: float
    when: dt.datetime | None
    customer_id: int | None
    make: Callable[[], TodayItem]


@dataclass(frozen=True)
class Day:
    """The user's day: ``now``, their local ``today`` and time ``zone``."""

    now: dt.datetime
    today: dt.date
    zone: dt.tzinfo

    def start(self, days: int = 0) -> dt.datetime:
        return day_start(self.today + dt.timedelta(days=days), self.zone)

    def text(self, moment: dt.datetime, pattern: str = "Y-m-d H:i") -> str:
        return date_format(moment.astimezone(self.zone), pattern)


class Links:
    """URLs by name and id, each name reversed once (not once per item)."""

    PLACEHOLDER = 987654321

    def __init__(self) -> None:
        self.patterns: dict[str, str] = {}

    def __call__(self, name: str, pk: int | None = None) -> str:
        if name not in self.patterns:
            try:
                args = [] if pk is None else [self.PLACEHOLDER]
                self.patterns[name] = reverse(name, args=args)
            except NoReverseMatch:
                self.patterns[name] = ""
        return self.patterns[name].replace(str(self.PLACEHOLDER), str(pk))


def mine(queryset: QuerySet, user: Any, owner_field: str = "owner") -> QuerySet:
    """Visible to ``user`` and assigned to them (an owner also gets the unassigned)."""
    queryset = visible(user, queryset, owner_field=owner_field)
    assigned = Q(**{owner_field: user})
    if is_owner(user):
        assigned |= Q(**{f"{owner_field}__isnull": True})
    return queryset.filter(assigned)


def _hidden(user: Any, today: dt.date) -> dict[str, set[int]]:
    hidden: dict[str, set[int]] = {kind: set() for kind in KINDS}
    keys = TodaySnooze.objects.filter(user=user, until__gt=today).values_list("item_key", flat=True)
    for key in keys:
        kind, _sep, pk = key.partition(":")
        if kind in hidden and pk.isdigit():
            hidden[kind].add(int(pk))
    return hidden


def today_items(
    user: Any, *, now: dt.datetime | None = None, limit: int = LIMIT
) -> list[TodayItem]:
    """The ranked Today list of ``user`` (at most ``limit`` items).

    Sources are read from the highest possible score down; a source whose best possible
    score (``ranking.max_score``: insight included, unless nothing supplies insight) is
    below the ``limit``-th score found so far cannot place an item and is not read at
    all. The list is the same as if every source had been read.
    """
    from solocrm.agenda import today_sources as sources

    now = now or timezone.now()
    zone = user_zone(user)
    day = Day(now=now, today=local_date(now, zone), zone=zone)
    hidden = _hidden(user, day.today)
    links = Links()
    readers = {
        "task": lambda: sources.task_candidates(user, day, hidden["task"], links, limit),
        "contact": lambda: sources.contact_candidates(user, day, hidden["contact"], links, limit),
        "deal": lambda: sources.deal_candidates(user, day, hidden["deal"], links, limit),
        "birthday": lambda: sources.birthday_candidates(
            user, day, hidden["birthday"], links, limit
        ),
    }
    candidates: list[Candidate] = []
    neutral = ranking.insight_is_neutral()  # then no item gains an insight term
    for kind in sorted(readers, key=lambda k: -ranking.MAX_SCORE[k]):
        best = ranking.max_score(kind, neutral=neutral)
        if len(candidates) >= limit and _cutoff(candidates, limit) > best:
            continue
        found = readers[kind]()
        _add_insight(found)
        candidates += found
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    candidates.sort(key=lambda c: (-c.score, c.when or far, KINDS.index(c.kind), c.title, c.key))
    items = []
    for candidate in candidates[:limit]:
        item = candidate.make()
        item.score = candidate.score
        items.append(item)
    return items


def _cutoff(candidates: list[Candidate], limit: int) -> float:
    """The ``limit``-th best score so far."""
    return sorted((c.score for c in candidates), reverse=True)[limit - 1]


def _add_insight(candidates: list[Candidate]) -> None:
    signals = ranking.customer_signals(c.customer_id for c in candidates if c.customer_id)
    for candidate in candidates:
        if candidate.customer_id in signals:
            candidate.score += signals[candidate.customer_id].points()
        candidate.score = round(candidate.score, 2)
