"""Read marks on a user's own notifications (their view state; not audited)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from solocrm.agenda.models import Notification


@transaction.atomic
def notification_mark_read(*, notification: Notification, user: Any) -> Notification:
    if notification.user_id != user.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
