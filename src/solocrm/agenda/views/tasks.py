"""Task pages: list (open, overdue, done), add, edit, done/reopen, delete."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from solocrm.agenda import link_search, selectors, services
from solocrm.agenda.forms import TaskForm, add_service_errors
from solocrm.agenda.models import Task
from solocrm.agenda.views._helpers import in_user_time_zone, int_or_none, see_other
from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import can_write, require_read, require_write

STATES = [
    ("open", gettext_lazy("Open")),
    ("overdue", gettext_lazy("Overdue")),
    ("done", gettext_lazy("Done")),
    ("all", gettext_lazy("All")),
]
PAGE_SIZE = 50


def _back(request: HttpRequest, default: str = "agenda:task_list") -> str:
    """Where to go after a save or a "done": ``next`` when it is a page of this site (the
    customer or deal page the task was added from), else ``default``."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


@login_required
@in_user_time_zone
def task_list(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    state = request.GET.get("state", "open")
    state = state if state in selectors.TASK_STATES else "open"
    tasks = selectors.tasks_filter(
        selectors.tasks_visible(request.user),
        state=state,
        now=timezone.now(),
        customer_id=int_or_none(request.GET.get("customer")),
        deal_id=int_or_none(request.GET.get("deal")),
    )
    if state == "done":
        tasks = tasks.order_by("-done_at", "-id")
    else:
        tasks = tasks.order_by(F("due_at").asc(nulls_last=True), "id")
    page = Paginator(selectors.tasks_with_links(tasks), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "agenda/task_list.html",
        {"page": page, "state": state, "states": STATES, "can_write": can_write(request.user)},
    )


@login_required
@in_user_time_zone
def task_create(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    initial = {
        "owner": request.user.pk,
        "customer": int_or_none(request.GET.get("customer")),
        "deal": int_or_none(request.GET.get("deal")),
    }
    form = TaskForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(by=request.user, **form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Task “%(title)s” added.") % {"title": task.title})
            return see_other(_back(request))
    return render(request, "agenda/task_form.html", {"form": form, "task": None})


@login_required
@in_user_time_zone
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_read(request.user)
    task = get_object_or_404(
        selectors.tasks_with_links(selectors.tasks_visible(request.user)), pk=pk
    )
    form = TaskForm(request.POST or None, user=request.user, instance=task)
    stale = False
    if request.method == "POST":
        require_write(request.user, task)
        if form.is_valid():
            try:
                services.task_update(
                    task=task,
                    by=request.user,
                    data=form.service_data(),
                    expected_version=int_or_none(request.POST.get("version")),
                )
            except StaleVersionError:
                stale = True
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Task saved."))
                return see_other("agenda:task_list")
    return render(
        request,
        "agenda/task_form.html",
        {
            "form": form,
            "task": task,
            "stale": stale,
            "version": request.POST.get("version") or task.version,
            "can_write": can_write(request.user),
        },
    )


def _task_for_action(request: HttpRequest, pk: int) -> Task:
    return get_object_or_404(selectors.tasks_visible(request.user), pk=pk)


@login_required
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for_action(request, pk)
    try:
        services.task_complete(
            task=task, by=request.user, expected_version=int_or_none(request.POST.get("version"))
        )
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done: %(title)s.") % {"title": task.title})
    return see_other(_back(request))


@login_required
@require_POST
def task_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for_action(request, pk)
    try:
        services.task_reopen(
            task=task, by=request.user, expected_version=int_or_none(request.POST.get("version"))
        )
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    return see_other("agenda:task_list")


@login_required
@require_POST
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for_action(request, pk)
    try:
        services.task_delete(
            task=task, by=request.user, expected_version=int_or_none(request.POST.get("version"))
        )
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Task deleted."))
    return see_other("agenda:task_list")


@login_required
def task_link_search(request: HttpRequest, kind: str) -> HttpResponse:
    """The task form's picker: customers, companies or deals the user may see whose name
    (or number) matches what was typed, as radio buttons for the form."""
    require_read(request.user)
    if kind not in link_search.KINDS:
        raise Http404("No such kind of record.")
    q = request.GET.get(f"{kind}_search", "")
    items = [
        {"pk": record.pk, "label": link_search.label_of(kind, record)}
        for record in link_search.link_matches(request.user, kind, q)
    ]
    return render(
        request, "agenda/_picker_results.html", {"items": items, "name": kind, "q": q.strip()}
    )
