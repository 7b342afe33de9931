"""The Today page and its one-tap actions (done, snooze, log interaction) over htmx.

Each action answers an htmx request with the item's replacement (a short confirmation
or the error), and a plain form post with a redirect back to the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from solocrm.agenda import selectors, services
from solocrm.agenda.forms import QuickLogForm
from solocrm.agenda.timezones import local_today, user_zone
from solocrm.agenda.today import today_items
from solocrm.agenda.views._helpers import in_user_time_zone, int_or_none, see_other
from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import require_write
from solocrm.customers import services as customer_services
from solocrm.customers.models import Interaction
from solocrm.customers.selectors import customers_visible

KIND_LABELS = {
    "task": gettext_lazy("Task"),
    "contact": gettext_lazy("Keep in touch"),
    "deal": gettext_lazy("Deal"),
    "birthday": gettext_lazy("Birthday"),
}


def _kind_options() -> str:
    """The interaction kinds as ``<option>``s, rendered once for every item's form."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if value == "call" else "", label)
            for value, label in Interaction.Kind.choices
        ),
    )


@login_required
@in_user_time_zone
def today_page(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    items = today_items(request.user)
    for item in items:  # what the template shows, worked out once per item
        item.kind_label = KIND_LABELS[item.kind]
        item.subtitle = item.customer_name if item.kind in ("task", "deal") else ""
    context = {
        "items": items,
        "today": local_today(request.user),
        "kind_options": _kind_options(),
        "csrf_input": format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        ),
    }
    return render(request, "agenda/today.html", context)


def _answer(request: HttpRequest, key: str, text: str, *, error: bool = False) -> HttpResponse:
    if request.htmx:
        return render(
            request, "agenda/_today_result.html", {"key": key, "text": text, "error": error}
        )
    (messages.error if error else messages.success)(request, text)
    return see_other("web:home")


@login_required
@require_POST
def today_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(selectors.tasks_visible(request.user), pk=pk)
    key = f"task:{pk}"
    try:
        task, following = services.task_complete(
            task=task, by=request.user, expected_version=int_or_none(request.POST.get("version"))
        )
    except StaleVersionError as exc:
        return _answer(request, key, str(exc), error=True)
    text = _("Done: %(title)s.") % {"title": task.title}
    if following is not None:
        with_zone = following.due_at.astimezone(user_zone(request.user))
        text += " " + _("Next one is due %(when)s.") % {"when": f"{with_zone:%Y-%m-%d %H:%M}"}
    return _answer(request, key, text)


@login_required
@require_POST
def today_snooze(request: HttpRequest) -> HttpResponse:
    key = request.POST.get("key", "")
    try:
        services.today_snooze(user=request.user, item_key=key)
    except ValidationError as exc:
        return _answer(request, key, " ".join(exc.messages), error=True)
    return _answer(request, key, _("Snoozed until tomorrow."))


@login_required
@require_POST
def today_log(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_object_or_404(customers_visible(request.user), pk=customer_id)
    key = request.POST.get("key", f"contact:{customer_id}")
    form = QuickLogForm(request.POST)
    if not form.is_valid():
        return _answer(request, key, _("Choose what kind of interaction it was."), error=True)
    try:
        customer_services.interaction_create(
            by=request.user,
            customer=customer,
            kind=form.cleaned_data["kind"],
            subject=form.cleaned_data["subject"],
        )
    except ValidationError as exc:
        return _answer(request, key, " ".join(exc.messages), error=True)
    text = _("Logged for %(name)s.") % {"name": customer.name}
    return _answer(request, key, text)
