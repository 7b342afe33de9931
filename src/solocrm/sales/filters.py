"""One definition of the sales lists' filters and sorts, for the pages and the API.

Each form parses a query string and names the wrong parameter; ``*_filter`` applies the
cleaned values. Sorting goes through allow-lists whose fields are NOT NULL, so keyset
pagination stays exact; user text never becomes an ORM name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from solocrm.sales.models import Deal, Order, Pipeline, Product, Stage

DEAL_SORTS = {
    "created": "created_at",
    "updated": "updated_at",
    "title": "title",
    "amount": "amount",
    "stage_changed": "stage_changed_at",
}
ORDER_SORTS = {"ordered": "ordered_at", "number": "number", "total": "total"}
PRODUCT_SORTS = {"name": "name", "sku": "sku", "price": "unit_price", "category": "category"}
DEAL_STATUSES = [
    ("open", gettext_lazy("open")),
    ("won", gettext_lazy("won")),
    ("lost", gettext_lazy("lost")),
]


class SortedFilterForm(forms.Form):
    sorts: dict[str, str] = {}
    default_sort = ""
    sort = forms.CharField(label=gettext_lazy("Sort"), required=False)

    def clean_sort(self) -> list[str]:
        sort = self.cleaned_data.get("sort") or self.default_sort
        if sort.lstrip("-") not in self.sorts:
            raise forms.ValidationError(
                _("Sort by one of %s (prefix - for descending).") % ", ".join(self.sorts)
            )
        field = self.sorts[sort.lstrip("-")]
        return [f"-{field}" if sort.startswith("-") else field]

    def errors_dict(self) -> dict[str, list[str]]:
        return {field: [str(m) for m in messages] for field, messages in self.errors.items()}


class DealFilterForm(SortedFilterForm):
    sorts = DEAL_SORTS
    default_sort = "-created"
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    pipeline = forms.ModelChoiceField(
        label=gettext_lazy("Pipeline"), queryset=Pipeline.objects.all(), required=False
    )
    stage = forms.ModelChoiceField(
        label=gettext_lazy("Stage"), queryset=Stage.objects.all(), required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=[("", "—"), *DEAL_STATUSES], required=False
    )
    owner = forms.IntegerField(label=gettext_lazy("Owner (user id)"), required=False, min_value=1)
    customer = forms.IntegerField(label=gettext_lazy("Customer (id)"), required=False, min_value=1)
    close_from = forms.DateField(label=gettext_lazy("Expected close from"), required=False)
    close_to = forms.DateField(label=gettext_lazy("Expected close until"), required=False)


def deals_filter(deals: QuerySet[Deal], form: DealFilterForm) -> QuerySet[Deal]:
    data: dict[str, Any] = form.cleaned_data
    if data.get("q"):
        q = data["q"]
        deals = deals.filter(
            Q(title__icontains=q) | Q(customer__name__icontains=q) | Q(company__name__icontains=q)
        )
    for name in ("pipeline", "stage"):
        if data.get(name) is not None:
            deals = deals.filter(**{name: data[name]})
    status = data.get("status")
    if status == "open":
        deals = deals.filter(closed_at__isnull=True)
    elif status in ("won", "lost"):
        deals = deals.filter(**{f"stage__is_{status}": True})
    if data.get("owner"):
        deals = deals.filter(owner_id=data["owner"])
    if data.get("customer"):
        deals = deals.filter(customer_id=data["customer"])
    if data.get("close_from"):
        deals = deals.filter(expected_close_date__gte=data["close_from"])
    if data.get("close_to"):
        deals = deals.filter(expected_close_date__lte=data["close_to"])
    return deals.order_by(*data.get("sort") or ["-created_at"])


class OrderFilterForm(SortedFilterForm):
    sorts = ORDER_SORTS
    default_sort = "-ordered"
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    customer = forms.IntegerField(label=gettext_lazy("Customer (id)"), required=False, min_value=1)
    status = forms.MultipleChoiceField(
        label=gettext_lazy("Status"), choices=Order.Status.choices, required=False
    )
    channel = forms.MultipleChoiceField(
        label=gettext_lazy("Channel"), choices=Order.Channel.choices, required=False
    )
    ordered_from = forms.DateField(label=gettext_lazy("Ordered from"), required=False)
    ordered_to = forms.DateField(label=gettext_lazy("Ordered until"), required=False)


def orders_filter(orders: QuerySet[Order], form: OrderFilterForm) -> QuerySet[Order]:
    data: dict[str, Any] = form.cleaned_data
    if data.get("q"):
        q = data["q"]
        orders = orders.filter(Q(number__icontains=q) | Q(customer__name__icontains=q))
    if data.get("customer"):
        orders = orders.filter(customer_id=data["customer"])
    if data.get("status"):
        orders = orders.filter(status__in=data["status"])
    if data.get("channel"):
        orders = orders.filter(channel__in=data["channel"])
    if data.get("ordered_from"):
        orders = orders.filter(ordered_at__date__gte=data["ordered_from"])
    if data.get("ordered_to"):
        orders = orders.filter(ordered_at__date__lte=data["ordered_to"])
    return orders.order_by(*data.get("sort") or ["-ordered_at"])


class ProductFilterForm(SortedFilterForm):
    sorts = PRODUCT_SORTS
    default_sort = "name"
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    category = forms.CharField(label=gettext_lazy("Category"), required=False, max_length=100)
    active = forms.NullBooleanField(label=gettext_lazy("Active"), required=False)


def products_filter(products: QuerySet[Product], form: ProductFilterForm) -> QuerySet[Product]:
    data: dict[str, Any] = form.cleaned_data
    if data.get("q"):
        q = data["q"]
        products = products.filter(Q(name__icontains=q) | Q(sku__icontains=q))
    if data.get("category"):
        products = products.filter(category__iexact=data["category"])
    if data.get("active") is not None:
        products = products.filter(active=data["active"])
    return products.order_by(*data.get("sort") or ["name"])
