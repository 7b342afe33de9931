"""Agenda settings, read from Django settings or the environment (all optional).

``SOLOCRM_REMINDER_LEASE_SECONDS`` (300): how long a worker owns a reminder email it is
sending; a claim older than this is taken as abandoned by a dead worker and sent again.
``SOLOCRM_REMINDER_EMAIL_MAX_LATE_HOURS`` (24): a reminder found later than this (the
worker was down) still appears in the app but is not emailed any more.
``SOLOCRM_STALE_DEAL_DAYS`` (14): an open deal with no activity for this long shows on
the Today page.
"""

from __future__ import annotations

import datetime as dt
import os

from django.conf import settings


def _number(name: str, default: float) -> float:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return float(value)


def reminder_lease() -> dt.timedelta:
    return dt.timedelta(seconds=_number("SOLOCRM_REMINDER_LEASE_SECONDS", 300))


def reminder_email_max_lateness() -> dt.timedelta:
    return dt.timedelta(hours=_number("SOLOCRM_REMINDER_EMAIL_MAX_LATE_HOURS", 24))


def stale_deal_days() -> int:
    return int(_number("SOLOCRM_STALE_DEAL_DAYS", 14))
