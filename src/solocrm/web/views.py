from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import resolve, reverse
from django.views.decorators.cache import cache_control

from solocrm.core import selectors
from solocrm.core.models import Job
from solocrm.core.permissions import can_write, is_owner, require_owner, require_read

# Owners and members start their day on the agenda's Today page (by URL name: web
# imports no domain app).
WRITERS_HOME = "agenda:today"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    if can_write(request.user):
        return resolve(reverse(WRITERS_HOME)).func(request)
    return render(request, "web/home.html", {"is_owner": is_owner(request.user)})


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    require_owner(request.user)
    entries = selectors.audit_entries(
        object_type=request.GET.get("type", ""),
        action=request.GET.get("action", ""),
        actor=request.GET.get("actor", ""),
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "web/audit_log.html", {"page": page, "filters": request.GET})


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    return render(request, "web/jobs.html", {"jobs": selectors.jobs_for(request.user)[:50]})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_read(request.user)
    job = get_object_or_404(selectors.jobs_for(request.user), pk=pk)
    template = "web/job.html#progress" if request.htmx else "web/job.html"
    return render(
        request,
        template,
        {"job": job, "running": job.status in (Job.Status.QUEUED, Job.Status.RUNNING)},
    )


@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "name": "Solo CRM",
            "short_name": "Solo CRM",
            "start_url": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1f6feb",
            "lang": settings.LANGUAGE_CODE,
            "icons": [
                {"src": static("solocrm/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("solocrm/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            ],
        },
        content_type="application/manifest+json",
    )


def health(request: HttpRequest) -> JsonResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
