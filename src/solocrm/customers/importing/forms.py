"""Forms of the import pages: the upload, and the column mapping with the options."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from solocrm.customers.importing.fields import ImportField
from solocrm.customers.importing.limits import MB, limits_from_environment

KIND_CHOICES = [("customers", _("Customers")), ("companies", _("Companies"))]
MODE_CHOICES = [
    ("atomic", _("All or nothing: write nothing if any row is rejected")),
    ("partial", _("Import the good rows; report the bad ones")),
]
DUPLICATE_CHOICES = [
    ("skip", _("Skip the row")),
    ("update", _("Update the existing record with the row's values")),
    ("create", _("Create another record anyway")),
]
DATE_ORDER_CHOICES = [
    ("dmy", _("05/03/2024 is 5 March 2024 (day first)")),
    ("mdy", _("05/03/2024 is May 3, 2024 (month first)")),
]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=KIND_CHOICES)
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = limits_from_environment().max_bytes
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size).1f MB; at most %(limit).0f MB can be imported at once.")
                % {"size": upload.size / MB, "limit": limit / MB}
            )
        return upload


class MappingForm(forms.Form):
    """One choice per column (``column_<n>``), then the options of the run."""

    mode = forms.ChoiceField(label=_("If a row is rejected"), choices=MODE_CHOICES)
    on_duplicate = forms.ChoiceField(
        label=_("If a row matches an existing record"), choices=DUPLICATE_CHOICES
    )
    date_order = forms.ChoiceField(label=_("Ambiguous dates"), choices=DATE_ORDER_CHOICES)

    def __init__(
        self, *args: Any, headers: list[str], fields: list[ImportField], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", _("— leave out —")), *((f.key, f.label) for f in fields)]
        for index, header in enumerate(headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header, choices=choices, required=False
            )

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{index}"] for index in range(len(self.headers))]

    def column_samples(self, rows: list[Any]) -> list[tuple[forms.BoundField, list[str]]]:
        """Each column's field with its first values (from the first three ``rows``)."""
        samples = [row.cells for row in rows[:3]]
        return [
            (field, [cells[i] if i < len(cells) else "" for cells in samples])
            for i, field in enumerate(self.column_fields())
        ]

    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data.get(f"column_{index}") or ""
            for index, header in enumerate(self.headers)
        }

    def options(self) -> dict[str, Any]:
        return {
            "mapping": self.mapping(),
            "mode": self.cleaned_data["mode"],
            "on_duplicate": self.cleaned_data["on_duplicate"],
            "date_order": self.cleaned_data["date_order"],
        }


def mapping_initial(mapping: dict[str, str], headers: list[str], options: dict[str, Any]) -> dict:
    initial: dict[str, Any] = {
        "mode": options.get("mode", "atomic"),
        "on_duplicate": options.get("on_duplicate", "skip"),
        "date_order": options.get("date_order", "dmy"),
    }
    for index, header in enumerate(headers):
        initial[f"column_{index}"] = mapping.get(header, "")
    return initial
