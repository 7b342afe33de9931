"""Forms parse what people type; the services validate and write.

Custom fields appear as ``cf_<key>`` form fields built from their definitions. A service
``ValidationError`` is put back on the form with ``add_service_errors`` so the message
lands next to the field it names and the user's input is kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from solocrm.core.custom_fields import CustomFieldDefinition, definitions_for
from solocrm.core.permissions import visible
from solocrm.core.tags import Tag
from solocrm.customers.models import Company, Customer, Interaction


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def custom_form_field(definition: CustomFieldDefinition) -> forms.Field:
    """A form field for a definition; values are checked again by the service."""
    kinds = CustomFieldDefinition.FieldType
    common: dict[str, Any] = {"label": definition.label, "required": False}
    if definition.field_type == kinds.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if definition.field_type == kinds.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if definition.field_type in (kinds.NUMBER, kinds.DECIMAL):
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if definition.field_type == kinds.CHOICE:
        choices = [("", "—"), *((c, c) for c in definition.choices)]
        return forms.ChoiceField(choices=choices, **common)
    if definition.field_type == kinds.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in definition.choices],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if definition.field_type == kinds.YES_NO:
        choices = [("", "—"), ("yes", _("yes")), ("no", _("no"))]
        return forms.ChoiceField(choices=choices, **common)
    if definition.field_type == kinds.URL:
        return forms.CharField(widget=forms.URLInput, **common)
    return forms.CharField(**common)


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's errors on the fields they name (the rest on the whole form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        name = key.replace("custom_fields.", "cf_")
        form.add_error(name if name in form.fields else None, messages)


class CustomFieldsMixin:
    target: str = CustomFieldDefinition.Target.CUSTOMER

    def add_custom_fields(self, stored: dict[str, Any]) -> None:
        self.custom_definitions = definitions_for(self.target)
        for definition in self.custom_definitions:
            name = f"cf_{definition.key}"
            self.fields[name] = custom_form_field(definition)  # type: ignore[attr-defined]
            value = stored.get(definition.key)
            if isinstance(value, bool):
                value = "yes" if value else "no"
            self.initial.setdefault(name, value)  # type: ignore[attr-defined]

    def custom_field_values(self) -> dict[str, Any]:
        cleaned = self.cleaned_data  # type: ignore[attr-defined]
        return {d.key: cleaned.get(f"cf_{d.key}") or None for d in self.custom_definitions}


class CustomerForm(CustomFieldsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    company = forms.ModelChoiceField(
        label=_("Company"), queryset=Company.objects.none(), required=False
    )
    emails = forms.CharField(
        label=_("Email addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line; the first is the primary address."),
    )
    phones = forms.CharField(
        label=_("Phone numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, as you like to write them; the first is primary."),
    )
    wechat_id = forms.CharField(label=_("WeChat ID"), max_length=100, required=False)
    lifecycle_stage = forms.ChoiceField(
        label=_("Lifecycle stage"), choices=Customer.LifecycleStage.choices
    )
    tier = forms.ChoiceField(label=_("Tier"), choices=Customer.Tier.choices)
    source = forms.ChoiceField(label=_("Source"), choices=Customer.Source.choices)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=get_user_model().objects.none(), required=False
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    new_tags = forms.CharField(
        label=_("New tags"), required=False, help_text=_("Separate several with commas.")
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(label=_("Country"), max_length=100, required=False)
    birthday = forms.DateField(
        label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", "—"), *Customer.Gender.choices], required=False
    )
    consent_status = forms.ChoiceField(
        label=_("Marketing consent"), choices=Customer.Consent.choices
    )
    consent_source = forms.CharField(label=_("Consent source"), max_length=200, required=False)
    external_id = forms.CharField(label=_("External ID"), max_length=100, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    PLAIN_FIELDS = (
        "name",
        "company",
        "wechat_id",
        "lifecycle_stage",
        "tier",
        "source",
        "owner",
        "address",
        "city",
        "country",
        "birthday",
        "gender",
        "consent_status",
        "consent_source",
        "external_id",
    )

    def __init__(
        self, *args: Any, user: Any, customer: Customer | None = None, **kwargs: Any
    ) -> None:
        if customer is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(customer)
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = visible(user, Company.objects.alive())
        self.fields["owner"].queryset = get_user_model().objects.filter(
            is_active=True, role__in=("owner", "member")
        )
        self.add_custom_fields(customer.custom_fields if customer else {})

    @staticmethod
    def initial_for(customer: Customer) -> dict[str, Any]:
        initial = {name: getattr(customer, name) for name in CustomerForm.PLAIN_FIELDS}
        initial["external_id"] = customer.external_id or ""
        initial["emails"] = "\n".join(e.email for e in customer.emails.all())
        initial["phones"] = "\n".join(p.raw for p in customer.phones.all())
        initial["tags"] = list(customer.tags.all())
        initial["version"] = customer.version
        return initial

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "data": {name: data[name] for name in self.PLAIN_FIELDS if name != "name"},
            "emails": lines(data["emails"]),
            "phones": [line.strip() for line in data["phones"].splitlines() if line.strip()],
            "tags": [*data["tags"], *lines(data["new_tags"])],
            "custom_fields": self.custom_field_values(),
        }


class CompanyForm(CustomFieldsMixin, forms.ModelForm):
    target = CustomFieldDefinition.Target.COMPANY
    new_tags = forms.CharField(
        label=_("New tags"), required=False, help_text=_("Separate several with commas.")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Company
        fields = ["name", "domain", "industry", "size", "address", "owner", "tags"]
        widgets = {"tags": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(
            is_active=True, role__in=("owner", "member")
        )
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)
        self.add_custom_fields(self.instance.custom_fields if self.instance.pk else {})

    def _post_clean(self) -> None:
        """Leave model validation to the service (which names the same fields)."""

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        plain = ("domain", "industry", "size", "address", "owner")
        return {
            "data": {name: data[name] or ("" if name != "owner" else None) for name in plain},
            "tags": [*data["tags"], *lines(data["new_tags"])],
            "custom_fields": self.custom_field_values(),
        }


class InteractionForm(forms.ModelForm):
    class Meta:
        model = Interaction
        fields = ["kind", "direction", "occurred_at", "subject", "body"]
        widgets = {
            "occurred_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "body": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].required = False
        self.fields["occurred_at"].help_text = _("Leave empty for now.")
        self.fields["body"].help_text = _("Markdown: **bold**, *italic*, lists, links.")

    def _post_clean(self) -> None:
        """Validation happens in the service."""


class InteractionEditForm(InteractionForm):
    """Changing a timeline entry: when it happened is known now, and the version it was
    read at travels with the form (optimistic locking, as on the customer form)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta(InteractionForm.Meta):
        widgets = {
            "occurred_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "body": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].required = True
        self.fields["occurred_at"].help_text = ""
        self.initial.setdefault("version", self.instance.version)

    def changes(self) -> dict[str, Any]:
        """The edited fields, for ``interaction_update``."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("tag", _("Add tag")),
        ("untag", _("Remove tag")),
        ("assign_owner", _("Assign owner")),
        ("change_stage", _("Change stage")),
        ("delete", _("Move to trash")),
    ]
    VALUE_FIELD = {"tag": "tag", "untag": "tag", "assign_owner": "owner", "change_stage": "stage"}
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=50)
    owner = forms.CharField(label=_("Owner"), required=False, max_length=20)
    stage = forms.CharField(label=_("Stage"), required=False, max_length=20)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        posted = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(i, i) for i in posted if str(i).isdigit()]

    def value(self) -> str:
        field = self.VALUE_FIELD.get(self.cleaned_data["action"])
        return self.cleaned_data.get(field, "") if field else ""


class CustomFieldDefinitionForm(forms.ModelForm):
    choices_text = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For choice fields: one per line."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = CustomFieldDefinition
        fields = [
            "target",
            "key",
            "label",
            "field_type",
            "required",
            "min_value",
            "max_value",
            "regex",
            "order",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["target"].disabled = True
            self.fields["key"].disabled = True
            self.initial.setdefault("choices_text", "\n".join(self.instance.choices))
            self.initial.setdefault("version", self.instance.version)

    def _post_clean(self) -> None:
        """Validation happens in the service."""

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.Meta.fields}
        data["choices"] = [c.strip() for c in self.cleaned_data["choices_text"].splitlines()]
        data["choices"] = [c for c in data["choices"] if c]
        data["regex"] = data.get("regex") or ""
        return data


class TagForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Tag
        fields = ["name", "color"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}

    def _post_clean(self) -> None:
        """Validation happens in the service."""

    def cleaned_data_without_version(self) -> dict[str, Any]:
        return {"name": self.cleaned_data["name"], "color": self.cleaned_data["color"]}
