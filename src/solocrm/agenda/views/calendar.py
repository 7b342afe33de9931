"""The private calendar feed: its settings page and the feed itself (by secret URL)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from solocrm.agenda import services
from solocrm.agenda.ics import calendar_for
from solocrm.agenda.models import CalendarFeed
from solocrm.core.permissions import require_write


@login_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """GET shows the feed; POST ``action=create`` makes a new secret URL (replacing the
    old one), ``action=revoke`` turns the feed off."""
    require_write(request.user)
    secret_url = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            _feed, secret = services.calendar_feed_create(user=request.user)
            secret_url = request.build_absolute_uri(reverse("agenda:calendar_feed", args=[secret]))
        elif action == "revoke":
            services.calendar_feed_revoke(user=request.user)
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(
        request,
        "agenda/calendar.html",
        {"feed": feed, "secret_url": secret_url, "title": _("Calendar feed")},
    )


@never_cache
@require_GET
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """Public by design: the secret in the URL is the credential (phones cannot log in)."""
    feed = services.calendar_feed_authenticate(secret)
    if feed is None:
        raise Http404
    response = HttpResponse(calendar_for(feed.user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="solocrm.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
