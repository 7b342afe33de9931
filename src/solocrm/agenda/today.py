"""The Today list: what to do today, from every source, ranked (``ranking``).

Sources: open tasks due before the end of the user's day (overdue or due today),
customers due a contact under a keep-in-touch cadence, open deals whose expected
close date has passed or that had no activity for ``SOLOCRM_STALE_DEAL_DAYS``, and
birthdays. "Mine" means assigned to the user; an owner also sees what is unassigned.
Snoozed items stay hidden until their day. Each source reads at most ``CANDIDATES``
rows in its own order of urgency before the scores (which add customer insights)
decide the final order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solocrm.agenda import conf, ranking
from solocrm.agenda.keep_in_touch import contacts_due
from solocrm.agenda.models import Task, TodaySnooze
from solocrm.agenda.timezones import day_start, local_date, user_zone
from solocrm.core.permissions import is_owner, visible
from solocrm.customers.models import Customer, Interaction
from solocrm.sales.models import Deal

CANDIDATES = 200
LIMIT = 50
KINDS = ("task", "contact", "deal", "birthday")


@dataclass
class TodayItem:
    key: str  # "<kind>:<id>", also what a snooze hides
    kind: str
    title: str
    reasons: list[str]
    score: float
    url: str
    customer_id: int | None = None
    customer_name: str = ""
    task_id: int | None = None
    task_version: int | None = None
    deal_id: int | None = None
    when: dt.datetime | None = None
    actions: list[str] = field(default_factory=list)


def _mine(queryset: QuerySet, user: Any, owner_field: str = "owner") -> QuerySet:
    queryset = visible(user, queryset, owner_field=owner_field)
    mine = Q(**{owner_field: user})
    if is_owner(user):
        mine |= Q(**{f"{owner_field}__isnull": True})
    return queryset.filter(mine)


def _hidden(user: Any, today: dt.date) -> dict[str, set[int]]:
    hidden: dict[str, set[int]] = {kind: set() for kind in KINDS}
    for key in TodaySnooze.objects.filter(user=user, until__gt=today).values_list(
        "item_key", flat=True
    ):
        kind, _sep, pk = key.partition(":")
        if kind in hidden and pk.isdigit():
            hidden[kind].add(int(pk))
    return hidden


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _when(moment: dt.datetime, zone: dt.tzinfo) -> str:
    return date_format(moment.astimezone(zone), "Y-m-d H:i")


def today_items(
    user: Any, *, now: dt.datetime | None = None, limit: int = LIMIT
) -> list[TodayItem]:
    """The ranked Today list of ``user`` (at most ``limit`` items)."""
    now = now or timezone.now()
    zone = user_zone(user)
    today = local_date(now, zone)
    hidden = _hidden(user, today)
    items = [
        *_task_items(user, now=now, today=today, zone=zone, hidden=hidden["task"]),
        *_contact_items(user, today=today, zone=zone, hidden=hidden["contact"]),
        *_deal_items(user, now=now, today=today, zone=zone, hidden=hidden["deal"]),
        *_birthday_items(user, today=today, hidden=hidden["birthday"]),
    ]
    signals = ranking.customer_signals(i.customer_id for i in items if i.customer_id)
    for item in items:
        if item.customer_id in signals:
            item.score += signals[item.customer_id].points()
        item.score = round(item.score, 2)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    items.sort(key=lambda i: (-i.score, i.when or far, KINDS.index(i.kind), i.title, i.key))
    return items[:limit]


def _task_items(
    user: Any, *, now: dt.datetime, today: dt.date, zone: dt.tzinfo, hidden: set[int]
) -> list[TodayItem]:
    end_of_today = day_start(today + dt.timedelta(days=1), zone)
    tasks = (
        _mine(Task.objects.filter(done_at__isnull=True, due_at__lt=end_of_today), user)
        .exclude(pk__in=hidden)
        .select_related("customer")
        .order_by("-priority", "due_at", "id")[:CANDIDATES]
    )
    items = []
    for task in tasks:
        reasons = []
        if task.due_at < now:
            days = (today - local_date(task.due_at, zone)).days
            if days > 0:
                reasons.append(
                    ngettext(
                        "Overdue by %(days)d day (due %(when)s)",
                        "Overdue by %(days)d days (due %(when)s)",
                        days,
                    )
                    % {"days": days, "when": _when(task.due_at, zone)}
                )
            else:
                reasons.append(
                    _("Overdue since %(time)s today") % {"time": _time(task.due_at, zone)}
                )
            score = ranking.task_score(overdue_days=days, priority=task.priority)
        else:
            reasons.append(_("Due today at %(time)s") % {"time": _time(task.due_at, zone)})
            score = ranking.task_score(overdue_days=None, priority=task.priority)
        if task.priority >= Task.Priority.HIGH:
            reasons.append(_("Priority: %(priority)s") % {"priority": task.get_priority_display()})
        items.append(
            TodayItem(
                key=f"task:{task.pk}",
                kind="task",
                title=task.title,
                reasons=reasons,
                score=score,
                url=_url("agenda:task_edit", task.pk),
                customer_id=task.customer_id,
                customer_name=task.customer.name if task.customer_id else "",
                task_id=task.pk,
                task_version=task.version,
                deal_id=task.deal_id,
                when=task.due_at,
                actions=["done", "snooze", "open"],
            )
        )
    return items


def _time(moment: dt.datetime, zone: dt.tzinfo) -> str:
    return date_format(moment.astimezone(zone), "H:i")


def _customers_in_scope(user: Any) -> QuerySet[Customer]:
    return _mine(Customer.objects.alive(), user)


def _contact_items(
    user: Any, *, today: dt.date, zone: dt.tzinfo, hidden: set[int]
) -> list[TodayItem]:
    customers = _customers_in_scope(user).exclude(pk__in=hidden)
    items = []
    for due in contacts_due(customers, today=today, zone=zone, limit=CANDIDATES):
        days = due.days_overdue(today)
        rule = (
            ngettext(
                "Keep in touch with “%(tag)s” every %(n)d day",
                "Keep in touch with “%(tag)s” every %(n)d days",
                due.interval_days,
            )
            % {"tag": due.tag_name, "n": due.interval_days}
            if due.tag_name
            else ngettext(
                "Keep in touch every %(n)d day", "Keep in touch every %(n)d days", due.interval_days
            )
            % {"n": due.interval_days}
        )
        if due.last_contact is None:
            last = _("no interaction logged yet")
        else:
            ago = (today - local_date(due.last_contact, zone)).days
            last = ngettext(
                "last contact %(days)d day ago", "last contact %(days)d days ago", ago
            ) % {"days": ago}
        reasons = [f"{rule}; {last}"]
        if due.note:
            reasons.append(due.note)
        items.append(
            TodayItem(
                key=f"contact:{due.customer_id}",
                kind="contact",
                title=due.customer_name,
                reasons=reasons,
                score=ranking.contact_score(overdue_days=days),
                url=_url("customers:customer_detail", due.customer_id),
                customer_id=due.customer_id,
                customer_name=due.customer_name,
                when=day_start(due.due_date, zone),
                actions=["log", "snooze", "open"],
            )
        )
    return items


def _deal_items(
    user: Any, *, now: dt.datetime, today: dt.date, zone: dt.tzinfo, hidden: set[int]
) -> list[TodayItem]:
    stale_days = conf.stale_deal_days()
    stale_before = day_start(today - dt.timedelta(days=stale_days - 1), zone)
    last_interaction = Subquery(
        Interaction.objects.filter(customer=OuterRef("customer_id"), deleted_at__isnull=True)
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    last_task = Subquery(
        Task.objects.filter(deal=OuterRef("pk"), done_at__isnull=False)
        .values("deal")
        .annotate(latest=Max("done_at"))
        .values("latest")[:1]
    )
    quiet = (
        Q(updated_at__lt=stale_before)
        & Q(stage_changed_at__lt=stale_before)
        & (Q(last_interaction__isnull=True) | Q(last_interaction__lt=stale_before))
        & (Q(last_task__isnull=True) | Q(last_task__lt=stale_before))
    )
    deals = (
        _mine(Deal.objects.filter(closed_at__isnull=True), user)
        .exclude(pk__in=hidden)
        .annotate(last_interaction=last_interaction, last_task=last_task)
        .filter(Q(expected_close_date__lt=today) | quiet)
        .select_related("customer", "stage")
        .order_by("expected_close_date", "id")[:CANDIDATES]
    )
    items = []
    for deal in deals:
        reasons = []
        days_past = days_stale = None
        if deal.expected_close_date and deal.expected_close_date < today:
            days_past = (today - deal.expected_close_date).days
            reasons.append(
                ngettext(
                    "Expected to close on %(date)s, %(days)d day ago",
                    "Expected to close on %(date)s, %(days)d days ago",
                    days_past,
                )
                % {"date": date_format(deal.expected_close_date, "Y-m-d"), "days": days_past}
            )
        moments = [deal.updated_at, deal.stage_changed_at, deal.last_interaction, deal.last_task]
        last_activity = max(m for m in moments if m is not None)
        if last_activity < stale_before:
            quiet_days = (today - local_date(last_activity, zone)).days
            days_stale = quiet_days - stale_days
            reasons.append(
                ngettext(
                    "No activity for %(days)d day", "No activity for %(days)d days", quiet_days
                )
                % {"days": quiet_days}
            )
        reasons.append(_("Stage: %(stage)s") % {"stage": deal.stage.name})
        items.append(
            TodayItem(
                key=f"deal:{deal.pk}",
                kind="deal",
                title=deal.title,
                reasons=reasons,
                score=ranking.deal_score(days_past_close=days_past, days_stale=days_stale),
                url=_url("sales:deal_detail", deal.pk)
                or (
                    _url("customers:customer_detail", deal.customer_id) if deal.customer_id else ""
                ),
                customer_id=deal.customer_id,
                customer_name=deal.customer.name if deal.customer_id else "",
                deal_id=deal.pk,
                actions=(["log"] if deal.customer_id else []) + ["snooze", "open"],
            )
        )
    return items


def _birthday_items(user: Any, *, today: dt.date, hidden: set[int]) -> list[TodayItem]:
    on_today = Q(birthday__month=today.month, birthday__day=today.day)
    if today.month == 2 and today.day == 28 and not _is_leap(today.year):
        on_today |= Q(birthday__month=2, birthday__day=29)
    customers = (
        _customers_in_scope(user)
        .filter(on_today)
        .exclude(pk__in=hidden)
        .order_by("name", "pk")
        .values_list("pk", "name", "birthday")[:CANDIDATES]
    )
    items = []
    for pk, name, birthday in customers:
        age = today.year - birthday.year
        reason = (
            _("Birthday today: turns %(age)d") % {"age": age}
            if 0 < age < 130
            else _("Birthday today")
        )
        items.append(
            TodayItem(
                key=f"birthday:{pk}",
                kind="birthday",
                title=name,
                reasons=[reason],
                score=ranking.birthday_score(),
                url=_url("customers:customer_detail", pk),
                customer_id=pk,
                customer_name=name,
                actions=["log", "snooze", "open"],
            )
        )
    return items


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
