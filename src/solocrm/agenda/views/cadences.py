"""Keep-in-touch pages: the cadences, who is due, add, change and remove a cadence."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from solocrm.agenda import selectors, services
from solocrm.agenda.forms import CadenceEditForm, CadenceForm, add_service_errors
from solocrm.agenda.keep_in_touch import contacts_due
from solocrm.agenda.timezones import local_today, user_zone
from solocrm.agenda.views._helpers import in_user_time_zone, int_or_none, see_other
from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import can_write, require_read, require_write
from solocrm.customers.selectors import customers_visible

DUE_SHOWN = 100


@login_required
@in_user_time_zone
def cadence_list(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    form = CadenceForm(
        request.POST or None,
        user=request.user,
        initial={"customer": int_or_none(request.GET.get("customer")), "interval_days": 30},
    )
    if request.method == "POST":
        require_write(request.user)
        if form.is_valid():
            try:
                services.cadence_create(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Cadence added."))
                return see_other("agenda:cadence_list")
    due = contacts_due(
        customers_visible(request.user),
        today=local_today(request.user),
        zone=user_zone(request.user),
        limit=DUE_SHOWN,
    )
    return render(
        request,
        "agenda/cadence_list.html",
        {
            "form": form,
            "cadences": selectors.cadences_visible(request.user),
            "due": due[:DUE_SHOWN],
            "today": local_today(request.user),
            "can_write": can_write(request.user),
        },
    )


@login_required
def cadence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_read(request.user)
    cadence = get_object_or_404(selectors.cadences_visible(request.user), pk=pk)
    form = CadenceEditForm(request.POST or None, instance=cadence)
    stale = False
    if request.method == "POST" and form.is_valid():
        try:
            services.cadence_update(
                cadence=cadence,
                by=request.user,
                data={k: form.cleaned_data[k] for k in ("interval_days", "note", "active")},
                expected_version=int_or_none(request.POST.get("version")),
            )
        except StaleVersionError:
            stale = True
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Cadence saved."))
            return see_other("agenda:cadence_list")
    return render(
        request,
        "agenda/cadence_form.html",
        {"form": form, "cadence": cadence, "stale": stale, "version": cadence.version},
    )


@login_required
@require_POST
def cadence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    cadence = get_object_or_404(selectors.cadences_visible(request.user), pk=pk)
    try:
        services.cadence_delete(
            cadence=cadence,
            by=request.user,
            expected_version=int_or_none(request.POST.get("version")),
        )
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Cadence removed."))
    return see_other("agenda:cadence_list")
