"""Forms of the sales pages. They parse input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from solocrm.core.permissions import MEMBER, OWNER
from solocrm.customers.importing.forms import MappingForm, UploadForm
from solocrm.customers.selectors import companies_visible, customers_visible
from solocrm.sales.models import Order, Product, Stage
from solocrm.sales.selectors.visibility import products_visible


class ProductForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Product
        fields = ["sku", "name", "category", "unit_price", "currency", "active", "description"]

    def validate_unique(self) -> None:
        """The services check uniqueness (ignoring case) and say so on the field."""

    def _post_clean(self) -> None:
        """No model validation here: the services validate (and name the field)."""


def _owners() -> Any:
    return get_user_model().objects.filter(is_active=True, role__in=(OWNER, MEMBER))


class DealForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    customer = forms.ModelChoiceField(
        label=_("Customer (id)"), queryset=None, required=False, widget=forms.NumberInput
    )
    company = forms.ModelChoiceField(
        label=_("Company (id)"), queryset=None, required=False, widget=forms.NumberInput
    )
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0)
    currency = forms.CharField(label=_("Currency"), max_length=3)
    expected_close_date = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    source = forms.CharField(label=_("Source"), max_length=100, required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers_visible(user)
        self.fields["company"].queryset = companies_visible(user)
        self.fields["owner"].queryset = _owners()

    def service_data(self) -> dict[str, Any]:
        names = ("customer", "company", "expected_close_date", "owner", "source", "next_step")
        return {name: self.cleaned_data[name] for name in (*names, "notes")}


class DealCreateForm(DealForm):
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.none())

    field_order = ["title", "stage"]

    def __init__(self, *args: Any, user: Any, pipeline: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["stage"].queryset = pipeline.stages.order_by("position", "id")


class DealMoveForm(forms.Form):
    stage = forms.ModelChoiceField(label=_("Move to"), queryset=Stage.objects.all())
    version = forms.IntegerField(widget=forms.HiddenInput)
    lost_reason = forms.CharField(label=_("Lost reason"), max_length=200, required=False)
    create_order = forms.BooleanField(label=_("Winning: create the order"), required=False)


class OrderForm(forms.Form):
    customer = forms.ModelChoiceField(
        label=_("Customer (id)"), queryset=None, widget=forms.NumberInput
    )
    number = forms.CharField(
        label=_("Order number"), max_length=64, required=False, help_text=_("Empty: one is made")
    )
    ordered_at = forms.DateTimeField(
        label=_("Ordered at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Order.Channel.choices)
    status = forms.ChoiceField(label=_("Status"), choices=Order.Status.choices)
    currency = forms.CharField(label=_("Currency"), max_length=3)
    refunded_amount = forms.DecimalField(
        label=_("Refunded amount"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers_visible(user)


class OrderLineForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=None, required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=3, min_value=0, required=False
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    discount = forms.DecimalField(
        label=_("Discount"), max_digits=12, decimal_places=2, min_value=0, required=False
    )

    def __init__(self, *args: Any, user: Any = None, keep: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Active products, and (when editing) the products the order's lines already name.
        self.fields["product"].queryset = products_visible(user).filter(
            Q(active=True) | Q(pk__in=list(keep))
        )

    def line(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data or not any(data.get(k) for k in ("product", "description", "unit_price")):
            return None
        line = {"product": data.get("product"), "description": data.get("description") or ""}
        if data.get("quantity") is not None:
            line["quantity"] = data["quantity"]
        if data.get("unit_price") is not None:
            line["unit_price"] = data["unit_price"]
        if data.get("discount") is not None:
            line["discount"] = data["discount"]
        return line


OrderLineFormSet = forms.formset_factory(OrderLineForm, extra=3)
OrderLineEditFormSet = forms.formset_factory(OrderLineForm, extra=2)


class OrderEditForm(OrderForm):
    """The order form with the version it was opened at (a stale save changes nothing)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def service_data(self) -> dict[str, Any]:
        data = {
            name: self.cleaned_data[name]
            for name in ("customer", "number", "ordered_at", "channel", "status", "currency")
        }
        data["notes"] = self.cleaned_data["notes"]
        refunded = self.cleaned_data.get("refunded_amount")
        refund_states = (Order.Status.REFUNDED, Order.Status.PARTIALLY_REFUNDED)
        # Only a refund names an amount; otherwise the services set it to zero.
        if data["status"] in refund_states and refunded:
            data["refunded_amount"] = refunded
        return data


class FiguresForm(forms.Form):
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=None,
        required=False,
        empty_label=_("All pipelines (no conversion)"),
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)

    def __init__(self, *args: Any, pipelines: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pipeline"].queryset = pipelines


class PipelineForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    is_default = forms.BooleanField(
        label=_("Default pipeline (the board opens on it)"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class StageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    probability = forms.IntegerField(
        label=_("Win probability (%)"),
        min_value=0,
        max_value=100,
        initial=0,
        help_text=_("From 0 to 100; a won stage is 100, a lost stage 0."),
    )
    is_won = forms.BooleanField(label=_("Won (closes the deals moved here)"), required=False)
    is_lost = forms.BooleanField(label=_("Lost (closes the deals moved here)"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("name", "probability", "is_won", "is_lost")}


SALES_IMPORT_KINDS = [("products", _("Products")), ("orders", _("Orders"))]
SALES_DUPLICATE_CHOICES = [
    ("skip", _("Skip it (the SKU or order number is already stored)")),
    ("update", _("Update the stored product or order with the file's values")),
]
UNKNOWN_CUSTOMER_CHOICES = [
    ("reject", _("Reject the order (it is listed in the report)")),
    ("create", _("Create the customer from the order's email, phone and name")),
]


class SalesUploadForm(UploadForm):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=SALES_IMPORT_KINDS)


class SalesMappingForm(MappingForm):
    """The customers' mapping form with the sales options: existing SKUs or order numbers
    are skipped or updated, and (orders) an unknown customer is created or rejected."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["on_duplicate"].choices = SALES_DUPLICATE_CHOICES
        if kind == "orders":
            self.fields["unknown_customers"] = forms.ChoiceField(
                label=_("If an order's customer is not found"),
                choices=UNKNOWN_CUSTOMER_CHOICES,
                initial="reject",
            )

    def options(self) -> dict[str, Any]:
        options = super().options()
        if self.kind == "orders":
            options["unknown_customers"] = self.cleaned_data["unknown_customers"]
        return options
