"""Template helpers of the agenda: the unread count in the header."""

from __future__ import annotations

from typing import Any

from django import template

from solocrm.agenda.selectors import unread_notification_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    return unread_notification_count(user) if user is not None else 0


@register.filter
def dom_id(key: str) -> str:
    """``task:12`` → ``today-task-12`` (an id usable in HTML and CSS selectors)."""
    return "today-" + str(key).replace(":", "-")
