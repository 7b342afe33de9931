"""The private calendar feed as iCalendar text (RFC 5545), written by hand.

Lines end in CRLF and are folded at 75 octets without splitting a UTF-8 character;
text values escape backslash, semicolon, comma and newlines. Times are UTC (``Z``).
Tasks with a due time become 30-minute events (with an alarm at the reminder time);
open deals' expected close dates become all-day events.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.agenda.models import Task
from solocrm.sales.models import Deal

TASK_MINUTES = 30
PAST_DAYS, FUTURE_DAYS = 30, 400


def escape_text(value: str) -> str:
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Split ``line`` into chunks of at most 75 octets, continuation lines led by a space."""
    chunks, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        limit = 75 if not chunks else 74  # the leading space counts
        if size + width > limit:
            chunks.append(current)
            current, size = "", 0
        current += char
        size += width
    chunks.append(current)
    return "\r\n ".join(chunks)


def utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _task_event(task: Task, host: str) -> list[str]:
    url = settings.SITE_URL + reverse("agenda:task_edit", args=[task.pk])
    description = "\n".join(
        part for part in (task.customer.name if task.customer_id else "", task.notes) if part
    )
    lines = [
        "BEGIN:VEVENT",
        f"UID:task-{task.pk}@{host}",
        f"DTSTAMP:{utc_stamp(task.updated_at)}",
        f"DTSTART:{utc_stamp(task.due_at)}",
        f"DTEND:{utc_stamp(task.due_at + dt.timedelta(minutes=TASK_MINUTES))}",
        f"SUMMARY:{escape_text(task.title)}",
        f"URL:{url}",
        f"SEQUENCE:{task.version}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if task.remind_at is not None:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(task.title)}",
            f"TRIGGER;VALUE=DATE-TIME:{utc_stamp(task.remind_at)}",
            "END:VALARM",
        ]
    return [*lines, "END:VEVENT"]


def _deal_event(deal: Deal, host: str) -> list[str]:
    day = deal.expected_close_date
    summary = _("Expected close: %(title)s") % {"title": deal.title}
    return [
        "BEGIN:VEVENT",
        f"UID:deal-close-{deal.pk}@{host}",
        f"DTSTAMP:{utc_stamp(deal.updated_at)}",
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{escape_text(summary)}",
        "TRANSP:TRANSPARENT",
        f"SEQUENCE:{deal.version}",
        "END:VEVENT",
    ]


def calendar_for(user: Any, *, now: dt.datetime | None = None) -> str:
    """The user's feed: their open tasks with a due time and their open deals' close dates
    (from ``PAST_DAYS`` ago to ``FUTURE_DAYS`` ahead)."""
    now = now or timezone.now()
    host = _host()
    start, end = now - dt.timedelta(days=PAST_DAYS), now + dt.timedelta(days=FUTURE_DAYS)
    tasks = (
        Task.objects.filter(owner=user, done_at__isnull=True, due_at__gte=start, due_at__lt=end)
        .select_related("customer")
        .order_by("due_at", "id")
    )
    deals = Deal.objects.filter(
        Q(owner=user),
        closed_at__isnull=True,
        expected_close_date__gte=start.date(),
        expected_close_date__lt=end.date(),
    ).order_by("expected_close_date", "id")
    name = _("Solo CRM: %(user)s") % {"user": user}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Solo CRM//Agenda//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for task in tasks:
        lines += _task_event(task, host)
    for deal in deals:
        lines += _deal_event(deal, host)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
