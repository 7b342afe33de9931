"""When the next occurrence of a recurring task falls.

Pure functions on aware datetimes. Occurrences keep their wall-clock time in the
owner's time zone (a 09:00 weekly call stays at 09:00 across a DST change) and are
counted from the series' first due time, so a monthly task on the 31st falls on the
last day of shorter months and returns to the 31st after them.
"""

from __future__ import annotations

import calendar
import datetime as dt

DAILY, WEEKLY, MONTHLY, EVERY_N_DAYS = "daily", "weekly", "monthly", "every_n_days"
RULES = (DAILY, WEEKLY, MONTHLY, EVERY_N_DAYS)


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def occurrence(
    start: dt.datetime, rule: str, interval: int, n: int, zone: dt.tzinfo
) -> dt.datetime:
    """The ``n``-th occurrence (0 is ``start``) as an aware UTC datetime."""
    local = start.astimezone(zone)
    wall_time = local.time().replace(tzinfo=None)
    if rule == MONTHLY:
        day = add_months(local.date(), n)
    else:
        step = {DAILY: 1, WEEKLY: 7, EVERY_N_DAYS: interval}[rule]
        day = local.date() + dt.timedelta(days=step * n)
    return _wall_clock(day, wall_time, zone)


def _wall_clock(day: dt.date, wall_time: dt.time, zone: dt.tzinfo) -> dt.datetime:
    """``day`` at ``wall_time`` in ``zone`` (PEP 495, fold=0): a time skipped when clocks
    spring forward lands the same distance after the jump (02:30 → 03:30), and a time
    that happens twice when they fall back is its first instance."""
    return dt.datetime.combine(day, wall_time).replace(tzinfo=zone).astimezone(dt.UTC)


def next_due(
    *,
    start: dt.datetime,
    previous_due: dt.datetime,
    rule: str,
    interval: int,
    zone: dt.tzinfo,
    not_before: dt.datetime,
) -> dt.datetime:
    """The first occurrence after ``previous_due`` that is also after ``not_before``.

    Finishing a daily task three days late gives tomorrow's occurrence, not three
    overdue ones.
    """
    if rule not in RULES:
        raise ValueError(f"unknown recurrence {rule!r}")
    floor = max(previous_due, not_before)
    n = _estimate(start, floor, rule, interval)
    while True:
        candidate = occurrence(start, rule, interval, n, zone)
        if candidate > floor:
            return candidate
        n += 1


def _estimate(start: dt.datetime, floor: dt.datetime, rule: str, interval: int) -> int:
    """A lower bound for the index of the first occurrence after ``floor``."""
    days = max(0, (floor - start).days - 2)
    if rule == MONTHLY:
        return max(0, days // 31)
    step = {DAILY: 1, WEEKLY: 7, EVERY_N_DAYS: interval}[rule]
    return days // step
