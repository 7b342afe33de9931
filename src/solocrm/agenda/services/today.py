"""Writes behind the Today page's one-tap actions that are not task or customer writes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from solocrm.agenda.models import TodaySnooze
from solocrm.agenda.timezones import local_today
from solocrm.core.permissions import require_write

ITEM_KEY = re.compile(r"^(task|contact|deal|birthday):\d{1,18}$")
MAX_SNOOZE_DAYS = 365


@transaction.atomic
def today_snooze(
    *, user: Any, item_key: str, until: dt.date | None = None, now: dt.datetime | None = None
) -> TodaySnooze:
    """Hide one item from the user's Today page until ``until`` (default: tomorrow).

    A snooze is the user's own view state, like a read mark: it is not audited.
    """
    require_write(user)
    if not ITEM_KEY.match(item_key or ""):
        raise ValidationError({"item_key": [_("Not an item of the Today page.")]})
    today = local_today(user, now)
    until = until or today + dt.timedelta(days=1)
    if not today < until <= today + dt.timedelta(days=MAX_SNOOZE_DAYS):
        raise ValidationError({"until": [_("Choose a day after today, within a year.")]})
    snooze, _created = TodaySnooze.objects.update_or_create(
        user=user, item_key=item_key, defaults={"until": until}
    )
    return snooze
