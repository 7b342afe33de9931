"""Product pages: the catalogue, adding and editing a product."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import can_write, require_read, require_write
from solocrm.customers.forms import add_service_errors
from solocrm.customers.views._helpers import keyset_page, see_other
from solocrm.sales import services
from solocrm.sales.filters import ProductFilterForm, products_filter
from solocrm.sales.forms import ProductForm
from solocrm.sales.models import Product
from solocrm.sales.selectors.visibility import products_visible
from solocrm.sales.services.currency import default_currency

FIELDS = ("name", "category", "unit_price", "currency", "active", "description")


@login_required
def product_list(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    form = ProductFilterForm(request.GET or None)
    products = products_visible(request.user)
    if form.is_bound:
        products = products_filter(products, form) if form.is_valid() else products.none()
    return render(
        request,
        "sales/product_list.html",
        {
            "form": form,
            "page": keyset_page(products, request),
            "can_write": can_write(request.user),
        },
    )


@login_required
def product_create(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    form = ProductForm(request.POST or None, initial={"currency": default_currency()})
    if request.method == "POST" and form.is_valid():
        try:
            services.product_create(
                by=request.user,
                sku=form.cleaned_data["sku"],
                **{k: form.cleaned_data[k] for k in FIELDS},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Product added."))
            return see_other("sales:product_list")
    return render(request, "sales/product_form.html", {"form": form})


@login_required
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_write(request.user)
    product = get_object_or_404(Product, pk=pk)
    form = ProductForm(request.POST or None, instance=product, initial={"version": product.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(
                product=product,
                by=request.user,
                data={k: form.cleaned_data[k] for k in ("sku", *FIELDS)},
                expected_version=_version(form.cleaned_data["version"], product.version),
            )
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return see_other("sales:product_list")
    return render(
        request, "sales/product_form.html", {"form": form, "product": product}, status=status
    )


def _version(sent: int | None, stored: int) -> int:
    """The version the form was opened at (the stored one when the form did not say)."""
    return stored if sent is None else sent
