"""The sales figures page (the formulas are in ``selectors.figures``)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from solocrm.core.permissions import require_read
from solocrm.sales.forms import FiguresForm
from solocrm.sales.selectors.figures import figures_default_period, sales_figures
from solocrm.sales.selectors.visibility import pipelines_visible
from solocrm.sales.services.currency import currency_clean, default_currency


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    pipelines = pipelines_visible(request.user)
    default = pipelines.filter(is_default=True).first()
    form = FiguresForm(request.GET or None, pipelines=pipelines, initial={"pipeline": default})
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    default_start, default_end = figures_default_period(request.user, today=timezone.localdate())
    end = data.get("end") or default_end
    start = data.get("start") or (
        end - dt.timedelta(days=365) if data.get("end") else default_start
    )
    pipeline = data.get("pipeline") if form.is_bound else default
    try:
        currency = currency_clean(data["currency"]) if data.get("currency") else default_currency()
    except ValidationError:
        currency = default_currency()
    result = sales_figures(request.user, start=start, end=end, currency=currency, pipeline=pipeline)
    peak = max((m.weighted for m in result.weighted_pipeline), default=0) or 1
    return render(request, "sales/figures.html", {"form": form, "figures": result, "peak": peak})
