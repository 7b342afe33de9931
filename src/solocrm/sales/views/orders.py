"""Order pages: the list, one order, adding an order with its lines."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.core.permissions import can_write, require_read, require_write
from solocrm.core.selectors import object_history
from solocrm.customers.forms import add_service_errors
from solocrm.customers.views._helpers import keyset_page, see_other
from solocrm.sales import services
from solocrm.sales.filters import OrderFilterForm, orders_filter
from solocrm.sales.forms import OrderForm, OrderLineFormSet
from solocrm.sales.models import Order
from solocrm.sales.selectors.orders import orders_with_details
from solocrm.sales.selectors.visibility import orders_visible
from solocrm.sales.services.currency import default_currency


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    form = OrderFilterForm(request.GET or None)
    orders = orders_visible(request.user)
    if form.is_bound:
        orders = orders_filter(orders, form) if form.is_valid() else orders.none()
    return render(
        request,
        "sales/order_list.html",
        {
            "form": form,
            "page": keyset_page(orders.select_related("customer"), request),
            "can_write": can_write(request.user),
        },
    )


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_read(request.user)
    order = get_object_or_404(orders_with_details(orders_visible(request.user)), pk=pk)
    return render(
        request,
        "sales/order_detail.html",
        {"order": order, "audit": object_history(order)[:30], "can_write": can_write(request.user)},
    )


@login_required
def order_create(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    initial = {
        "customer": request.GET.get("customer") or None,
        "ordered_at": timezone.localtime().replace(second=0, microsecond=0),
        "currency": default_currency(),
        "status": Order.Status.PAID,
    }
    form = OrderForm(request.POST or None, user=request.user, initial=initial)
    lines = OrderLineFormSet(
        request.POST or None, prefix="lines", form_kwargs={"user": request.user}
    )
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = dict(form.cleaned_data)
        try:
            order = services.order_create(
                by=request.user,
                lines=[line for f in lines.forms if (line := f.line()) is not None],
                **data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Order %s added.") % order.number)
            return see_other("sales:order_detail", pk=order.pk)
    return render(request, "sales/order_form.html", {"form": form, "lines": lines})
