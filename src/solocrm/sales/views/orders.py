"""Order pages: the list, one order, adding and editing an order with its lines."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import can_write, require_read, require_write
from solocrm.core.selectors import object_history
from solocrm.customers.forms import add_service_errors
from solocrm.customers.views._helpers import keyset_page, see_other
from solocrm.sales import services
from solocrm.sales.filters import OrderFilterForm, orders_filter
from solocrm.sales.forms import OrderEditForm, OrderForm, OrderLineEditFormSet, OrderLineFormSet
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
        {
            "order": order,
            "audit": object_history(order)[:30],
            "can_edit": _can_edit(request.user, order),
        },
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
            _add_errors(form, lines, exc)
        else:
            messages.success(request, _("Order %s added.") % order.number)
            return see_other("sales:order_detail", pk=order.pk)
    return render(request, "sales/order_form.html", {"form": form, "lines": lines})


LINE_ERROR = re.compile(r"lines\.(\d+)(?:\.(\w+))?")


def _add_errors(form: Any, lines: Any, error: ValidationError) -> None:
    """The services name line errors ``lines.N.field``: put them on that line's field."""
    if not hasattr(error, "error_dict"):
        add_service_errors(form, error)
        return
    rest: dict[str, list[str]] = {}
    for key, texts in error.message_dict.items():
        match = LINE_ERROR.fullmatch(key)
        if key == "lines":
            lines._non_form_errors = lines.error_class(texts, error_class="nonform")
        elif match and int(match[1]) < len(lines.forms):
            line_form = lines.forms[int(match[1])]
            field = match[2] if match[2] in line_form.fields else None
            line_form.add_error(field, texts)
        else:
            rest[key] = texts
    if rest:
        add_service_errors(form, ValidationError(rest))


def _can_edit(user: Any, order: Order) -> bool:
    try:
        services.require_order_write(user, order)
    except PermissionDenied:
        return False
    return True


def _line_rows(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "product": line.product_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount": line.discount,
        }
        for line in order.lines.all()
    ]


@login_required
def order_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an order and its lines; the services recompute the totals. The form carries
    the version it was opened at: a save over someone else's change is refused whole."""
    require_write(request.user)
    order = get_object_or_404(orders_with_details(orders_visible(request.user)), pk=pk)
    services.require_order_write(request.user, order)
    kept = [line.product_id for line in order.lines.all() if line.product_id]
    initial = {
        "customer": order.customer_id,
        "number": order.number,
        "ordered_at": timezone.localtime(order.ordered_at),
        "channel": order.channel,
        "status": order.status,
        "currency": order.currency,
        "refunded_amount": order.refunded_amount or None,
        "notes": order.notes,
        "version": order.version,
    }
    post = request.POST if request.method == "POST" else None
    form = OrderEditForm(post, user=request.user, initial=initial)
    lines = OrderLineEditFormSet(
        post,
        prefix="lines",
        initial=_line_rows(order),
        form_kwargs={"user": request.user, "keep": kept},
    )
    status = 200
    if post is not None:
        if form.is_valid() and lines.is_valid():
            data = form.service_data()
            data["number"] = data["number"] or order.number
            if data["ordered_at"] == order.ordered_at.replace(microsecond=0):
                data["ordered_at"] = order.ordered_at  # the form shows whole seconds
            try:
                services.order_update(
                    order=order,
                    by=request.user,
                    data=data,
                    lines=[line for f in lines.forms if (line := f.line()) is not None],
                    expected_version=form.cleaned_data["version"],
                )
            except StaleVersionError:
                form.add_error(
                    None,
                    _(
                        "Someone changed this order after you opened it; nothing was saved. "
                        "Reload the page to see their changes, then make yours again."
                    ),
                )
                status = 409
            except ValidationError as exc:
                _add_errors(form, lines, exc)
                status = 422
            else:
                messages.success(request, _("Order %s saved.") % order.number)
                return see_other("sales:order_detail", pk=order.pk)
        else:
            status = 422
    return render(
        request,
        "sales/order_form.html",
        {"form": form, "lines": lines, "order": order},
        status=status,
    )
