"""Forms parse what people type; the agenda services validate and write.

Times typed into a form are wall-clock times in the user's zone (the views activate
it); Django turns them into aware datetimes, stored in UTC.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from solocrm.agenda import link_search, selectors
from solocrm.agenda.models import Cadence, Task
from solocrm.core.tags import Tag
from solocrm.customers.models import Interaction
from solocrm.customers.selectors import assignable_owners

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's errors on the fields they name (the rest on the whole form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class RecordIdField(forms.ModelChoiceField):
    """A link to one record, typed as its number (lists of 100,000 customers do not fit a
    menu); links from a record's page fill it in."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "size": 8})


class RecordPicker(forms.Widget):
    """A search box that lists matching records as radio buttons (htmx asks the picker
    endpoint as one types); without JavaScript the typed name or number is resolved when
    the form is sent. Sends ``<name>`` (the chosen record) and ``<name>_search``."""

    template_name = "agenda/widgets/record_picker.html"

    def __init__(self, kind: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.kind = kind
        self.user: Any = None

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, str]:
        return {"id": data.get(name) or "", "q": data.get(f"{name}_search") or ""}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_search" not in data

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        search, chosen = "", None
        if isinstance(value, dict):
            search = value.get("q", "")
            value = value.get("id") or None
        if hasattr(value, "pk"):
            value = value.pk
        if value not in (None, "") and str(value).isdigit() and self.user is not None:
            chosen = link_search.linkable(self.user, self.kind).filter(pk=int(value)).first()
        context["picker"] = {
            "kind": self.kind,
            "search": search,
            "chosen": chosen,
            "chosen_label": link_search.label_of(self.kind, chosen) if chosen else "",
            "url": reverse("agenda:task_link_search", args=[self.kind]),
        }
        return context


class RecordPickerField(forms.Field):
    """One linked record: the one picked from the list, else the one the typed text names
    (its number, or a name only one visible record matches)."""

    def __init__(self, *, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("widget", RecordPicker(kind))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.user: Any = None

    def set_user(self, user: Any) -> None:
        self.user = user
        self.widget.user = user

    def clean(self, value: Any) -> Any:
        value = value if isinstance(value, dict) else {"id": str(value or ""), "q": ""}
        chosen, typed = value.get("id", "").strip(), " ".join(value.get("q", "").split())
        names = {"customer": _("customer"), "company": _("company"), "deal": _("deal")}
        what = names[self.kind]
        if chosen:
            if not chosen.isdigit():
                raise ValidationError(_("Choose a %(what)s from the list.") % {"what": what})
            found = link_search.linkable(self.user, self.kind).filter(pk=int(chosen)).first()
            if found is None:
                raise ValidationError(
                    _("There is no %(what)s number %(number)s that you can see.")
                    % {"what": what, "number": chosen}
                )
            return found
        if not typed:
            return None
        matches = link_search.link_matches(self.user, self.kind, typed, limit=2)
        if not matches:
            raise ValidationError(
                _("No %(what)s you can see matches “%(text)s”.") % {"what": what, "text": typed}
            )
        if len(matches) > 1:
            raise ValidationError(
                _("Several %(what)s records match “%(text)s”; type more of the name or its number.")
                % {"what": what, "text": typed}
            )
        return matches[0]


class TaskForm(forms.ModelForm):
    customer = RecordPickerField(kind="customer", label=_("Customer"))
    company = RecordPickerField(kind="company", label=_("Company"))
    deal = RecordPickerField(kind="deal", label=_("Deal"))

    class Meta:
        model = Task
        fields = [
            "title",
            "due_at",
            "remind_at",
            "priority",
            "recurrence",
            "recurrence_interval",
            "customer",
            "company",
            "deal",
            "owner",
            "notes",
        ]
        widgets = {
            "due_at": _datetime_widget(),
            "remind_at": _datetime_widget(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("customer", "company", "deal"):
            self.fields[name].set_user(user)
        self.fields["owner"].queryset = assignable_owners()
        self.fields["recurrence_interval"].help_text = _("Only for “every N days”.")
        for name in ("due_at", "remind_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]

    def _post_clean(self) -> None:
        """Validation happens in the service."""

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["recurrence_interval"] = data.get("recurrence_interval") or 1
        data["priority"] = int(data.get("priority") or Task.Priority.NORMAL)
        return data


class CadenceForm(forms.Form):
    customer = RecordIdField(queryset=None, required=False, label=_("Customer number"))
    tag = forms.ModelChoiceField(
        queryset=Tag.objects.order_by("name"), required=False, label=_("or everyone with the tag")
    )
    interval_days = forms.IntegerField(label=_("Every how many days"), min_value=1, max_value=3660)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = selectors.linkable_customers(user)


class CadenceEditForm(forms.ModelForm):
    class Meta:
        model = Cadence
        fields = ["interval_days", "note", "active"]

    def _post_clean(self) -> None:
        """Validation happens in the service."""


class QuickLogForm(forms.Form):
    """The Today page's one-tap "log interaction": a kind and an optional line."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Interaction.Kind.choices, initial="call")
    subject = forms.CharField(label=_("What happened"), required=False, max_length=200)
