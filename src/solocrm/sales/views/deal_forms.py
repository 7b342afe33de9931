"""Adding and editing deals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import require_write
from solocrm.customers.forms import add_service_errors
from solocrm.customers.views._helpers import see_other
from solocrm.sales import services
from solocrm.sales.forms import DealCreateForm, DealForm
from solocrm.sales.selectors.visibility import deals_visible, pipelines_visible
from solocrm.sales.services.currency import default_currency


@login_required
def deal_create(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    pipelines = pipelines_visible(request.user).filter(archived=False)
    pipeline = (
        pipelines.filter(pk=request.GET.get("pipeline") or 0).first()
        or pipelines.filter(is_default=True).first()
        or pipelines.first()
    )
    if pipeline is None:
        return render(request, "sales/no_pipeline.html", {"can_write": True})
    initial = {
        "currency": default_currency(),
        "owner": request.user.pk,
        "customer": request.GET.get("customer") or None,
        "stage": pipeline.stages.filter(is_won=False, is_lost=False).order_by("position").first(),
    }
    form = DealCreateForm(
        request.POST or None, user=request.user, pipeline=pipeline, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if data["owner"] is None:
            data.pop("owner")
        try:
            deal = services.deal_create(
                by=request.user,
                title=form.cleaned_data["title"],
                stage=form.cleaned_data["stage"],
                amount=form.cleaned_data["amount"],
                currency=form.cleaned_data["currency"],
                data=data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Deal added."))
            return see_other("sales:deal_detail", pk=deal.pk)
    return render(request, "sales/deal_form.html", {"form": form, "pipeline": pipeline})


@login_required
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_object_or_404(deals_visible(request.user), pk=pk)
    require_write(request.user, deal)
    initial = {
        "customer": deal.customer_id,
        "company": deal.company_id,
        "owner": deal.owner_id,
        "version": deal.version,
        **{k: getattr(deal, k) for k in ("title", "amount", "currency", "expected_close_date")},
        **{k: getattr(deal, k) for k in ("source", "next_step", "notes")},
    }
    form = DealForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = {
            **form.service_data(),
            **{k: form.cleaned_data[k] for k in ("title", "amount", "currency")},
        }
        try:
            services.deal_update(
                deal=deal,
                by=request.user,
                data=data,
                expected_version=_version(form.cleaned_data["version"], deal.version),
            )
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return see_other("sales:deal_detail", pk=deal.pk)
    return render(
        request, "sales/deal_form.html", {"form": form, "deal": deal, "stale": status == 409},
        status=status,
    )  # fmt: skip


def _version(sent: int | None, stored: int) -> int:
    """The version the form was opened at (the stored one when the form did not say)."""
    return stored if sent is None else sent
