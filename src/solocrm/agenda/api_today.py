"""API: the Today list and snoozing, in-app notifications, the calendar feed."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from solocrm.agenda import selectors, services
from solocrm.agenda.api_schemas import (
    CalendarFeedOut,
    NotificationOut,
    SnoozeIn,
    SnoozeOut,
    TodayOut,
    UnreadOut,
)
from solocrm.agenda.timezones import local_today, user_zone
from solocrm.agenda.today import today_items
from solocrm.api.pagination import KeysetPagination
from solocrm.api.schemas import with_errors
from solocrm.core.permissions import require_read, require_write

router = Router(tags=["agenda"])


@router.get(
    "/today",
    response=with_errors({200: TodayOut}),
    summary="Your ranked list of what to do today, each with its reasons",
)
def today(request: HttpRequest) -> Any:
    require_write(request.user)
    zone = user_zone(request.user)
    return {
        "date": local_today(request.user),
        "time_zone": str(zone),
        "items": today_items(request.user),
    }


@router.post(
    "/today/snooze",
    response=with_errors({200: SnoozeOut}),
    summary="Hide an item of your Today list until a day (default tomorrow)",
)
def today_snooze(request: HttpRequest, payload: SnoozeIn) -> Any:
    snooze = services.today_snooze(user=request.user, item_key=payload.key, until=payload.until)
    return {"key": snooze.item_key, "until": snooze.until}


class NotificationQuery(Schema):
    unread: bool = False


@router.get(
    "/notifications",
    response=with_errors({200: list[NotificationOut]}),
    summary="Your notifications, newest first",
)
@paginate(KeysetPagination)
def notification_list(request: HttpRequest, filters: Query[NotificationQuery]) -> Any:
    require_read(request.user)
    return selectors.notifications_for(request.user, unread_only=filters.unread).order_by(
        "-created_at", "-id"
    )


@router.get(
    "/notifications/unread-count",
    response=with_errors({200: UnreadOut}),
    summary="How many of your notifications are unread",
)
def notification_unread(request: HttpRequest) -> Any:
    require_read(request.user)
    return {"unread": selectors.unread_notification_count(request.user)}


@router.post(
    "/notifications/{notification_id}/read",
    response=with_errors({200: NotificationOut}, 404),
    summary="Mark one notification read",
)
def notification_read(request: HttpRequest, notification_id: int) -> Any:
    require_read(request.user)
    notification = get_object_or_404(selectors.notifications_for(request.user), pk=notification_id)
    return services.notification_mark_read(notification=notification, user=request.user)


@router.post(
    "/notifications/read-all",
    response=with_errors({200: UnreadOut}),
    summary="Mark all your notifications read",
)
def notifications_read_all(request: HttpRequest) -> Any:
    require_read(request.user)
    services.notifications_mark_all_read(user=request.user)
    return {"unread": 0}


@router.post(
    "/calendar-feed",
    response=with_errors({201: CalendarFeedOut}),
    summary="Make (or replace) your private calendar feed address",
)
def calendar_feed_create(request: HttpRequest) -> Any:
    feed, secret = services.calendar_feed_create(user=request.user)
    url = request.build_absolute_uri(reverse("agenda:calendar_feed", args=[secret]))
    return Status(201, {"url": url, "prefix": feed.prefix})


@router.delete(
    "/calendar-feed",
    response=with_errors({204: None}),
    summary="Turn your calendar feed off (its address stops working)",
)
def calendar_feed_revoke(request: HttpRequest) -> Any:
    require_write(request.user)
    services.calendar_feed_revoke(user=request.user)
    return Status(204, None)
