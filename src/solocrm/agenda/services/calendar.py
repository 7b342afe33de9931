"""The private calendar feed: make (or replace) its secret URL, revoke it."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from solocrm.agenda.models import CalendarFeed
from solocrm.core.audit import audit_record
from solocrm.core.permissions import require_write

PREFIX = "cal_"


def feed_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, user: Any) -> tuple[CalendarFeed, str]:
    """A new secret for ``user``'s feed, replacing any earlier one (whose URL stops
    working). The secret is returned once; only its digest is stored."""
    require_write(user)
    secret = PREFIX + secrets.token_urlsafe(32)
    CalendarFeed.objects.filter(user=user).delete()
    feed = CalendarFeed.objects.create(
        user=user, digest=feed_digest(secret), prefix=secret[:12], created_at=timezone.now()
    )
    audit_record("token", obj=feed, changes={"calendar_feed": [None, feed.prefix]})
    return feed, secret


@transaction.atomic
def calendar_feed_revoke(*, user: Any) -> bool:
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        return False
    audit_record("token", obj=feed, changes={"calendar_feed": [feed.prefix, None]})
    feed.delete()
    return True


def calendar_feed_authenticate(secret: str) -> CalendarFeed | None:
    feed = (
        CalendarFeed.objects.select_related("user").filter(digest=feed_digest(secret or "")).first()
    )
    if feed is None or not feed.user.is_active:
        return None
    now = timezone.now()
    if feed.last_used_at is None or (now - feed.last_used_at).total_seconds() > 3600:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed
