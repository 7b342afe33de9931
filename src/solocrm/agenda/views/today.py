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
from django.urls import reverse
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from solocrm.agenda import selectors, services
from solocrm.agenda.forms import QuickLogForm
from solocrm.agenda.timezones import local_today, user_zone
from solocrm.agenda.today import TodayItem, today_items
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


class _ItemRenderer:
    """The Today list's ``<li>``s, written in Python: 50 items through the template
    engine cost more than the rest of the page. Every value from the database or the
    user goes through ``escape``; labels are translated once per page."""

    def __init__(self, csrf_token: str) -> None:
        self.csrf = (
            '<input type="hidden" name="csrfmiddlewaretoken" value="' + escape(csrf_token) + '">'
        )
        self.kind_options = _kind_options()
        self.snooze_url = escape(reverse("agenda:today_snooze"))
        self.labels = {
            name: escape(label)
            for name, label in (
                ("done", _("Done")),
                ("log", _("Log")),
                ("kind", _("Kind")),
                ("what", _("What happened")),
                ("log_submit", _("Log interaction")),
                ("snooze", _("Snooze")),
                ("open", _("Open")),
            )
        }
        self.kinds = {kind: escape(label) for kind, label in KIND_LABELS.items()}

    def __call__(self, item: TodayItem) -> str:
        dom = escape(item.dom_id)
        key = escape(item.key)
        labels, csrf = self.labels, self.csrf
        subtitle = item.customer_name if item.kind in ("task", "deal") else ""
        parts = [
            f'<li class="today-item kind-{escape(item.kind)}" id="{dom}" '
            f'data-score="{escape(item.score)}">\n    <div class="today-main">\n'
            f'      <span class="today-kind">{self.kinds[item.kind]}</span>\n'
            f'      <strong class="today-title">{escape(item.title)}</strong>',
            f' <span class="muted">· {escape(subtitle)}</span>' if subtitle else "",
            '\n      <ul class="today-reasons">',
            *(f"<li>{escape(reason)}</li>" for reason in item.reasons),
            '</ul>\n    </div>\n    <div class="today-actions">\n',
        ]
        target = f'hx-target="#{dom}" hx-swap="outerHTML">{csrf}'
        done = item.action_urls.get("done")
        if done:
            done = escape(done)
            parts.append(
                f'      <form method="post" action="{done}" hx-post="{done}" {target}'
                f'<input type="hidden" name="version" value="{escape(item.task_version)}">'
                f'<button type="submit" class="primary" data-action="done">{labels["done"]}'
                "</button></form>\n"
            )
        log = item.action_urls.get("log")
        if log:
            log = escape(log)
            parts.append(
                '      <details class="today-log"><summary class="button">'
                f"{labels['log']}</summary>\n"
                f'        <form method="post" action="{log}" hx-post="{log}" {target}'
                f'<input type="hidden" name="key" value="{key}">\n'
                f'          <label for="kind-{dom}">{labels["kind"]}</label>\n'
                f'          <select name="kind" id="kind-{dom}">{self.kind_options}</select>\n'
                f'          <label for="subject-{dom}">{labels["what"]}</label>\n'
                f'          <input type="text" name="subject" id="subject-{dom}" maxlength="200">\n'
                f'          <button type="submit" class="primary">{labels["log_submit"]}</button>\n'
                "        </form></details>\n"
            )
        snooze = self.snooze_url
        parts.append(
            f'      <form method="post" action="{snooze}" hx-post="{snooze}" {target}'
            f'<input type="hidden" name="key" value="{key}">'
            f'<button type="submit" data-action="snooze">{labels["snooze"]}</button></form>\n'
        )
        if item.url:
            parts.append(
                f'      <a class="button" href="{escape(item.url)}">{labels["open"]}</a>\n'
            )
        parts.append("    </div>\n  </li>\n")
        return "".join(parts)


@login_required
@in_user_time_zone
def today_page(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    items = today_items(request.user)
    render_item = _ItemRenderer(get_token(request))
    context = {
        "items": items,
        # Built from escaped parts only (see _ItemRenderer).
        "items_html": mark_safe("".join(render_item(item) for item in items)),  # noqa: S308
        "today": local_today(request.user),
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
