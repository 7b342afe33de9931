"""The user's time zone and their local day. Stored times are UTC; "today", "due
today" and the wall-clock time of a recurring task are the user's."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.conf import settings
from django.utils import timezone


def user_zone(user: Any) -> zoneinfo.ZoneInfo:
    """``User.time_zone`` when it names a zone, else ``settings.TIME_ZONE``."""
    name = getattr(user, "time_zone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_today(user: Any, now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(user_zone(user)).date()


def day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The first instant of ``day`` in ``zone``, as an aware datetime (in UTC)."""
    local = dt.datetime.combine(day, dt.time.min).replace(tzinfo=zone)
    return local.astimezone(dt.UTC)


def local_date(moment: dt.datetime, zone: dt.tzinfo) -> dt.date:
    return moment.astimezone(zone).date()


def as_aware(value: dt.datetime | None, zone: dt.tzinfo) -> dt.datetime | None:
    """A naive datetime read from a form or the API is wall-clock time in ``zone``."""
    if value is None or timezone.is_aware(value):
        return value
    return value.replace(tzinfo=zone)
