"""Where the Today list's candidates come from: tasks, contacts, deals, birthdays.

Each source reads only what can reach the list and scores it with ``ranking``; the
full item (reasons in words, links, actions) is built later, for the best only.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.db.models import DateTimeField, F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solocrm.agenda import conf, ranking
from solocrm.agenda.keep_in_touch import ContactDue, contacts_due
from solocrm.agenda.models import Task
from solocrm.agenda.selectors import read_variants
from solocrm.agenda.timezones import day_start, local_date
from solocrm.agenda.today import Candidate, Day, Links, TodayItem, mine
from solocrm.customers.models import Customer
from solocrm.sales.models import Deal

PRIORITY_LABELS = dict(Task.Priority.choices)
DEAL_CANDIDATES = 1000


# --- tasks ---------------------------------------------------------------------------


def task_candidates(
    user: Any, day: Day, hidden: set[int], links: Links, limit: int
) -> list[Candidate]:
    """Open tasks due before the end of today. For a given priority the score never
    rises with the due time (older is at least as late), so the best ``limit`` tasks are
    among the ``limit`` oldest of each priority: only those are read, one short query per
    priority walking the due-time index. Customer names are read afterwards for those
    rows only (a join would look up the customer of every open task)."""
    tasks = (
        mine(Task.objects.filter(done_at__isnull=True, due_at__lt=day.start(1)), user)
        .exclude(pk__in=hidden)
        .order_by("due_at", "id")
    )
    columns = ("pk", "title", "due_at", "priority", "version", "customer_id", "deal_id")
    per_priority = read_variants(
        lambda priority: tasks.filter(priority=priority).values_list(*columns)[:limit],
        [{"priority": priority} for priority in Task.Priority.values],
    )
    rows = [row for rows in per_priority for row in rows]
    names = dict(
        Customer.objects.filter(pk__in={row[5] for row in rows if row[5]}).values_list("pk", "name")
    )
    found = []
    for row in rows:
        pk, title, due_at, priority, _version, customer_id, _deal = row
        overdue_days = (day.today - local_date(due_at, day.zone)).days if due_at < day.now else None
        found.append(
            Candidate(
                key=f"task:{pk}",
                kind="task",
                title=title,
                score=ranking.task_score(overdue_days=overdue_days, priority=priority),
                when=due_at,
                customer_id=customer_id,
                make=partial(_task_item, row, names.get(customer_id, ""), overdue_days, day, links),
            )
        )
    return found


def _task_item(
    row: tuple, customer_name: str, overdue_days: int | None, day: Day, links: Links
) -> TodayItem:
    pk, title, due_at, priority, version, customer_id, deal_id = row
    reasons = [_task_reason(due_at, overdue_days, day)]
    if priority >= Task.Priority.HIGH:
        reasons.append(_("Priority: %(priority)s") % {"priority": PRIORITY_LABELS[priority]})
    return TodayItem(
        key=f"task:{pk}",
        kind="task",
        title=title,
        reasons=reasons,
        url=links("agenda:task_edit", pk),
        customer_id=customer_id,
        customer_name=customer_name,
        task_id=pk,
        task_version=version,
        deal_id=deal_id,
        when=due_at,
        actions=["done", "snooze", "open"],
        action_urls={"done": links("agenda:today_done", pk)},
    )


def _task_reason(due_at: dt.datetime, overdue_days: int | None, day: Day) -> str:
    if overdue_days is None:
        return _("Due today at %(time)s") % {"time": day.text(due_at, "H:i")}
    if overdue_days == 0:
        return _("Overdue since %(time)s today") % {"time": day.text(due_at, "H:i")}
    return ngettext(
        "Overdue by %(days)d day (due %(when)s)",
        "Overdue by %(days)d days (due %(when)s)",
        overdue_days,
    ) % {"days": overdue_days, "when": day.text(due_at)}


# --- keep in touch -------------------------------------------------------------------


def customers_in_scope(user: Any) -> Any:
    return mine(Customer.objects.alive(), user)


def contact_candidates(
    user: Any, day: Day, hidden: set[int], links: Links, limit: int
) -> list[Candidate]:
    """Customers due a contact. The score grows with the days overdue, the order
    ``contacts_due`` reads them in, so its first ``limit`` per cadence are enough (and
    without insights, the first ``limit`` of all)."""
    customers = customers_in_scope(user).exclude(pk__in=hidden)
    found = contacts_due(customers, today=day.today, zone=day.zone, limit=limit)
    if ranking.insight_is_neutral():
        # The score then follows the due date, and the list breaks ties by due time,
        # then name, then key — the same order: only the first ``limit`` can place.
        found.sort(key=lambda d: (d.due_date, d.customer_name, f"contact:{d.customer_id}"))
        found = found[:limit]
    return [
        Candidate(
            key=f"contact:{due.customer_id}",
            kind="contact",
            title=due.customer_name,
            score=ranking.contact_score(overdue_days=due.days_overdue(day.today)),
            when=day_start(due.due_date, day.zone),
            customer_id=due.customer_id,
            make=partial(_contact_item, due, day, links),
        )
        for due in found
    ]


def _contact_item(due: ContactDue, day: Day, links: Links) -> TodayItem:
    n = due.interval_days
    if due.tag_name:
        rule = ngettext(
            "Keep in touch with “%(tag)s” every %(n)d day",
            "Keep in touch with “%(tag)s” every %(n)d days",
            n,
        ) % {"tag": due.tag_name, "n": n}
    else:
        rule = ngettext("Keep in touch every %(n)d day", "Keep in touch every %(n)d days", n) % {
            "n": n
        }
    if due.last_contact is None:
        last = _("no interaction logged yet")
    else:
        ago = (day.today - local_date(due.last_contact, day.zone)).days
        last = ngettext("last contact %(days)d day ago", "last contact %(days)d days ago", ago) % {
            "days": ago
        }
    reasons = [f"{rule}; {last}"] + ([due.note] if due.note else [])
    return TodayItem(
        key=f"contact:{due.customer_id}",
        kind="contact",
        title=due.customer_name,
        reasons=reasons,
        url=links("customers:customer_detail", due.customer_id),
        customer_id=due.customer_id,
        customer_name=due.customer_name,
        when=day_start(due.due_date, day.zone),
        actions=["log", "snooze", "open"],
        action_urls={"log": links("agenda:today_log", due.customer_id)},
    )


# --- deals ---------------------------------------------------------------------------


def deal_candidates(
    user: Any, day: Day, hidden: set[int], links: Links, limit: int = DEAL_CANDIDATES
) -> list[Candidate]:
    """Open deals late to close or quiet. A deal scores the larger of two scores, one
    growing with the days past its close date, the other with its days without
    activity; so the best ``limit`` deals are among the ``limit`` latest to close and
    the ``limit`` quietest: two short reads, not every matching deal scored here."""
    stale_days = conf.stale_deal_days()
    stale_before = day.start(1 - stale_days)
    last_interaction = F("customer__last_contacted_at")  # kept by triggers
    last_task = Subquery(
        Task.objects.filter(deal=OuterRef("pk"), done_at__isnull=False)
        .values("deal")
        .annotate(latest=Max("done_at"))
        .values("latest")[:1]
    )
    activity = Greatest(
        F("updated_at"),
        F("stage_changed_at"),
        Coalesce(last_interaction, F("updated_at")),
        Coalesce(last_task, F("updated_at")),
        output_field=DateTimeField(),
    )
    deals = (
        mine(Deal.objects.filter(closed_at__isnull=True), user)
        .exclude(pk__in=hidden)
        .annotate(last_activity=activity)
    )
    columns = (
        "pk",
        "title",
        "expected_close_date",
        "last_activity",
        "customer_id",
        "customer__name",
        "stage__name",
    )
    late = deals.filter(expected_close_date__lt=day.today).order_by("expected_close_date", "id")
    quiet = deals.filter(last_activity__lt=stale_before).order_by("last_activity", "id")
    rows = list(late.values_list(*columns)[:limit])
    seen = {row[0] for row in rows}
    rows += [row for row in quiet.values_list(*columns)[:limit] if row[0] not in seen]
    found = []
    for row in rows:
        pk, title, close, last_activity, customer_id, _name, _stage = row
        days_past = (day.today - close).days if close and close < day.today else None
        quiet_days = (day.today - local_date(last_activity, day.zone)).days
        days_stale = quiet_days - stale_days if last_activity < stale_before else None
        found.append(
            Candidate(
                key=f"deal:{pk}",
                kind="deal",
                title=title,
                score=ranking.deal_score(days_past_close=days_past, days_stale=days_stale),
                when=None,
                customer_id=customer_id,
                make=partial(_deal_item, row, days_past, quiet_days, days_stale, links),
            )
        )
    return found


def _deal_item(
    row: tuple, days_past: int | None, quiet_days: int, days_stale: int | None, links: Links
) -> TodayItem:
    pk, title, close, _activity, customer_id, customer_name, stage = row
    reasons = []
    if days_past is not None:
        reasons.append(
            ngettext(
                "Expected to close on %(date)s, %(days)d day ago",
                "Expected to close on %(date)s, %(days)d days ago",
                days_past,
            )
            % {"date": date_format(close, "Y-m-d"), "days": days_past}
        )
    if days_stale is not None:
        reasons.append(
            ngettext("No activity for %(days)d day", "No activity for %(days)d days", quiet_days)
            % {"days": quiet_days}
        )
    reasons.append(_("Stage: %(stage)s") % {"stage": stage})
    url = links("sales:deal_detail", pk)
    if not url and customer_id:
        url = links("customers:customer_detail", customer_id)
    return TodayItem(
        key=f"deal:{pk}",
        kind="deal",
        title=title,
        reasons=reasons,
        url=url,
        customer_id=customer_id,
        customer_name=customer_name or "",
        deal_id=pk,
        actions=(["log"] if customer_id else []) + ["snooze", "open"],
        action_urls={"log": links("agenda:today_log", customer_id)} if customer_id else {},
    )


# --- birthdays -----------------------------------------------------------------------


def birthday_candidates(
    user: Any, day: Day, hidden: set[int], links: Links, limit: int
) -> list[Candidate]:
    """Birthdays today, matched against a list of dates (one per year) so the database
    compares values instead of extracting month and day from every customer's row.
    29 February is celebrated on the 28th in other years."""
    rows = (
        customers_in_scope(user)
        .filter(birthday__in=birthday_dates(day.today))
        .exclude(pk__in=hidden)
        .order_by("name", "pk")
        .values_list("pk", "name", "birthday")[:limit]
    )
    return [
        Candidate(
            key=f"birthday:{pk}",
            kind="birthday",
            title=name,
            score=ranking.birthday_score(),
            when=None,
            customer_id=pk,
            make=partial(_birthday_item, pk, name, day.today.year - birthday.year, links),
        )
        for pk, name, birthday in rows
    ]


def birthday_dates(today: dt.date, years: int = 120) -> list[dt.date]:
    dates = []
    for year in range(today.year - years, today.year + 1):
        try:
            dates.append(today.replace(year=year))
        except ValueError:  # 29 February in a common year
            continue
        if today.month == 2 and today.day == 28 and not _is_leap(today.year) and _is_leap(year):
            dates.append(dt.date(year, 2, 29))
    return dates


def _birthday_item(pk: int, name: str, age: int, links: Links) -> TodayItem:
    reason = _("Birthday today: turns %(age)d") % {"age": age} if age > 0 else _("Birthday today")
    return TodayItem(
        key=f"birthday:{pk}",
        kind="birthday",
        title=name,
        reasons=[reason],
        url=links("customers:customer_detail", pk),
        customer_id=pk,
        customer_name=name,
        actions=["log", "snooze", "open"],
        action_urls={"log": links("agenda:today_log", pk)},
    )


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
