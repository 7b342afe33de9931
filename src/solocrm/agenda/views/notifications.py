"""The notification list (reminders delivered in the app) and read marks."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from solocrm.agenda import selectors, services
from solocrm.agenda.views._helpers import in_user_time_zone, see_other
from solocrm.core.permissions import require_read


@login_required
@in_user_time_zone
def notification_list(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    page = Paginator(selectors.notifications_for(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "agenda/notifications.html", {"page": page})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go to its task."""
    notification = get_object_or_404(selectors.notifications_for(request.user), pk=pk)
    services.notification_mark_read(notification=notification, user=request.user)
    if (
        notification.task_id
        and selectors.tasks_visible(request.user).filter(pk=notification.task_id).exists()
    ):
        return see_other("agenda:task_edit", notification.task_id)
    return see_other("agenda:notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request.user)
    return see_other("agenda:notifications")
