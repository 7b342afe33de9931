"""Forms parse what people type; the agenda services validate and write.

Times typed into a form are wall-clock times in the user's zone (the views activate
it); Django turns them into aware datetimes, stored in UTC.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from solocrm.agenda import selectors
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


class TaskForm(forms.ModelForm):
    customer = RecordIdField(queryset=None, required=False, label=_("Customer number"))
    deal = RecordIdField(queryset=None, required=False, label=_("Deal number"))

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
        self.fields["customer"].queryset = selectors.linkable_customers(user)
        self.fields["deal"].queryset = selectors.linkable_deals(user)
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
