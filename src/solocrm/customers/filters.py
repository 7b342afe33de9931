"""One definition of the customer list's filters, sort and columns for the UI and the API.

``CustomerFilterForm`` parses a query string (``request.GET`` of a page or an API call)
and names the wrong parameter when something is off; ``customers_filter`` applies the
cleaned values. Custom fields filter as ``cf_<key>=value`` and show as ``cf_<key>``
columns. Sorting and columns go through allow-lists; user text never becomes an ORM name.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from solocrm.core.custom_fields import CustomFieldDefinition, definitions_for
from solocrm.core.tags import Tag
from solocrm.customers.models import Customer, SavedView
from solocrm.customers.search_index import search_condition

# sort key -> ORM field; every field is NOT NULL, so keyset pagination stays exact.
SORTS: dict[str, str] = {
    "name": "name",
    "created": "created_at",
    "updated": "updated_at",
    "stage": "lifecycle_stage",
    "tier": "tier",
    "source": "source",
}
DEFAULT_SORT = "name"
SORT_OPTIONS = [
    ("name", gettext_lazy("Name A–Z")),
    ("-name", gettext_lazy("Name Z–A")),
    ("-created", gettext_lazy("Newest first")),
    ("created", gettext_lazy("Oldest first")),
    ("-updated", gettext_lazy("Recently changed")),
    ("stage", gettext_lazy("Lifecycle stage")),
    ("tier", gettext_lazy("Tier")),
    ("source", gettext_lazy("Source")),
]


@dataclass(frozen=True)
class Column:
    key: str
    label: str


BUILT_IN_COLUMNS = [
    Column("name", gettext_lazy("Name")),
    Column("email", gettext_lazy("Email")),
    Column("phone", gettext_lazy("Phone")),
    Column("company", gettext_lazy("Company")),
    Column("stage", gettext_lazy("Stage")),
    Column("tier", gettext_lazy("Tier")),
    Column("tags", gettext_lazy("Tags")),
    Column("owner", gettext_lazy("Owner")),
    Column("source", gettext_lazy("Source")),
    Column("city", gettext_lazy("City")),
    Column("wechat_id", gettext_lazy("WeChat ID")),
    Column("created", gettext_lazy("Created")),
    Column("updated", gettext_lazy("Updated")),
]
DEFAULT_COLUMNS = ["name", "email", "phone", "company", "stage", "tier", "tags"]


def available_columns(definitions: Iterable[CustomFieldDefinition] | None = None) -> list[Column]:
    """Built-in columns, then one per customer custom field (``definitions`` if read already)."""
    if definitions is None:
        definitions = definitions_for(CustomFieldDefinition.Target.CUSTOMER)
    return [*BUILT_IN_COLUMNS, *(Column(f"cf_{d.key}", d.label) for d in definitions)]


class TagNamesField(forms.ModelMultipleChoiceField):
    """Tags chosen by name. With ``known`` (name → pk of every tag, read already by the
    list page) the names are checked against it instead of by a query; the same error."""

    known: dict[str, int] | None = None

    def _check_values(self, value: Any) -> Any:
        if self.known is None:
            return super()._check_values(value)
        names = sorted({str(name) for name in value})
        for name in names:
            if name not in self.known:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": name},
                )
        return [Tag(pk=self.known[name], name=name) for name in names]


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    tag = TagNamesField(
        label=gettext_lazy("Tags"), queryset=Tag.objects.all(), required=False,
        to_field_name="name",
    )  # fmt: skip
    stage = forms.MultipleChoiceField(
        label=gettext_lazy("Stage"), choices=Customer.LifecycleStage.choices, required=False
    )
    tier = forms.MultipleChoiceField(
        label=gettext_lazy("Tier"), choices=Customer.Tier.choices, required=False
    )
    source = forms.MultipleChoiceField(
        label=gettext_lazy("Source"), choices=Customer.Source.choices, required=False
    )
    owner = forms.IntegerField(label=gettext_lazy("Owner (user id)"), required=False, min_value=1)
    company = forms.IntegerField(label=gettext_lazy("Company (id)"), required=False, min_value=1)
    created_from = forms.DateField(label=gettext_lazy("Created from"), required=False)
    created_to = forms.DateField(label=gettext_lazy("Created until"), required=False)
    sort = forms.CharField(label=gettext_lazy("Sort"), required=False)
    columns = forms.CharField(label=gettext_lazy("Columns"), required=False)

    def __init__(
        self,
        data: QueryDict | dict | None = None,
        *,
        definitions: Iterable[CustomFieldDefinition] | None = None,
        tags: dict[str, int] | None = None,
        **kwargs: Any,
    ) -> None:
        """``definitions``: the customer custom-field definitions, and ``tags``: every tag's
        name → pk, when read already."""
        super().__init__(data, **kwargs)
        if tags is not None:
            self.fields["tag"] = copy.copy(self.fields["tag"])  # the others share it
            self.fields["tag"].known = tags
        if definitions is None:
            definitions = definitions_for(CustomFieldDefinition.Target.CUSTOMER)
        self.custom_definitions = {d.key: d for d in definitions}
        for key, definition in self.custom_definitions.items():
            self.fields[f"cf_{key}"] = forms.CharField(
                label=definition.label, required=False, max_length=200
            )

    def clean_sort(self) -> str:
        sort = self.cleaned_data.get("sort") or DEFAULT_SORT
        if sort.lstrip("-") not in SORTS:
            raise forms.ValidationError(
                _("Sort by one of %s (prefix - for descending).") % ", ".join(SORTS)
            )
        return sort

    def clean_columns(self) -> list[str]:
        """``columns=a,b`` or ``columns=a&columns=b`` (checkboxes); name always comes first."""
        raw = self.data.getlist("columns") if hasattr(self.data, "getlist") else []
        raw = raw or [self.cleaned_data.get("columns") or ""]
        wanted = [c.strip() for value in raw for c in value.split(",") if c.strip()]
        if not wanted:
            return list(DEFAULT_COLUMNS)
        known = {c.key for c in available_columns(self.custom_definitions.values())}
        unknown = [c for c in wanted if c not in known]
        if unknown:
            raise forms.ValidationError(_("Unknown columns: %s.") % ", ".join(unknown))
        return list(dict.fromkeys(["name", *wanted]))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("The end is before the start."))
        for key, definition in self.custom_definitions.items():
            value = cleaned.get(f"cf_{key}")
            if value:
                try:
                    cleaned[f"cf_{key}"] = _custom_value(definition, value)
                except ValueError as exc:
                    self.add_error(f"cf_{key}", str(exc))
        return cleaned

    def active_filters(self) -> dict[str, Any]:
        """The cleaned filters that narrow the list (empty ones left out)."""
        return {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in ("sort", "columns") and (v is False or v)
        }


class _SharedFields(dict):
    """Fields every form instance uses as they are: a "deep copy" is a new dict of the
    same field objects. The filter form only parses (its fields are never changed or
    rendered as widgets), and deep-copying the eleven fields took a quarter of a
    millisecond a request; the custom-field fields are still made per instance."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return dict(self)


CustomerFilterForm.base_fields = _SharedFields(CustomerFilterForm.base_fields)


@dataclass(frozen=True)
class ListPageChoices:
    """What the list page offers besides its rows (``list_page_choices``)."""

    tags: dict[str, int]  # name → pk, A–Z
    owners: list[tuple[int, str]]  # (pk, shown name) of the assignable owners
    saved_views: list[SavedView]  # the user's, A–Z (pk, name and query_string read)
    definitions: list[CustomFieldDefinition]  # customer fields (key, label, field_type read)


def list_page_choices(*, user: Any) -> ListPageChoices:
    """Tag names, assignable owners (as ``selectors.assignable_owners``), ``user``'s saved
    views and the customer custom-field definitions, in one plain-SQL query: through the
    ORM these were four queries whose building took longer than the page's own query."""
    found: dict[str, list[tuple[Any, ...]]] = {"tag": [], "owner": [], "view": [], "field": []}
    user_model = get_user_model()
    with connection.cursor() as cursor:
        cursor.execute(
            _list_page_choices_sql(),
            ["owner", "member", user.pk, CustomFieldDefinition.Target.CUSTOMER],
        )
        for kind, _number, _text, pk, first, second, third in cursor.fetchall():
            found[kind].append((pk, first, second, third))
    return ListPageChoices(
        tags={name: pk for pk, name, _second, _third in found["tag"]},
        owners=[
            (pk, str(user_model(pk=pk, name=name, email=email)))
            for pk, name, email, _third in found["owner"]
        ],
        saved_views=[
            SavedView(pk=pk, user_id=user.pk, name=name, query_string=query)
            for pk, name, query, _third in found["view"]
        ],
        definitions=[
            CustomFieldDefinition(
                pk=pk,
                target=CustomFieldDefinition.Target.CUSTOMER,
                key=key,
                label=label,
                field_type=field_type,
            )
            for pk, key, label, field_type in found["field"]
        ],
    )


@cache
def _list_page_choices_sql() -> str:
    """Each part: kind, number and text to sort by, pk, three values — the same on SQLite
    and PostgreSQL (no NULLs, one type per column)."""
    users = get_user_model()._meta.db_table
    return (
        f"SELECT 'tag', 0, name, id, name, '', '' FROM {Tag._meta.db_table} UNION ALL "  # noqa: S608 - table names
        f"SELECT 'owner', 0, email, id, name, email, '' FROM {users} "
        "WHERE is_active AND role IN (%s, %s) UNION ALL "
        f"SELECT 'view', 0, name, id, name, query_string, '' FROM {SavedView._meta.db_table} "
        "WHERE user_id = %s UNION ALL "
        "SELECT 'field', \"order\", '', id, \"key\", label, field_type "
        f"FROM {CustomFieldDefinition._meta.db_table} WHERE target = %s "
        "ORDER BY 1, 2, 3, 4"
    )


def _custom_value(definition: CustomFieldDefinition, value: str) -> Any:
    kinds = CustomFieldDefinition.FieldType
    if definition.field_type == kinds.NUMBER:
        try:
            return int(value)
        except ValueError as exc:
            raise ValueError(_("Enter a whole number.")) from exc
    if definition.field_type == kinds.DECIMAL:
        try:
            return str(Decimal(value))
        except InvalidOperation as exc:
            raise ValueError(_("Enter a number.")) from exc
    if definition.field_type == kinds.DATE:
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError as exc:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from exc
    if definition.field_type == kinds.YES_NO:
        lowered = value.strip().lower()
        if lowered not in {"yes", "no", "true", "false", "1", "0"}:
            raise ValueError(_("Use yes or no."))
        return lowered in {"yes", "true", "1"}
    return value.strip()


def customers_filter(customers: QuerySet[Customer], form: CustomerFilterForm) -> QuerySet[Customer]:
    """Apply a valid ``form``'s filters and sort (``form.is_valid()`` must have passed)."""
    data = form.cleaned_data
    if data.get("q"):
        condition = search_condition(data["q"])
        if condition is not None:
            customers = customers.filter(condition)
    for tag in data.get("tag") or []:
        customers = customers.filter(tags=tag)
    for name, field in (("stage", "lifecycle_stage"), ("tier", "tier"), ("source", "source")):
        if data.get(name):
            customers = customers.filter(**{f"{field}__in": data[name]})
    if data.get("owner"):
        customers = customers.filter(owner_id=data["owner"])
    if data.get("company"):
        customers = customers.filter(company_id=data["company"])
    if data.get("created_from"):
        customers = customers.filter(created_at__date__gte=data["created_from"])
    if data.get("created_to"):
        customers = customers.filter(created_at__date__lte=data["created_to"])
    kinds = CustomFieldDefinition.FieldType
    for key, definition in form.custom_definitions.items():
        value = data.get(f"cf_{key}")
        if value in (None, ""):
            continue
        lookup = f"custom_fields__{key}"
        if definition.field_type in (kinds.TEXT, kinds.LONG_TEXT, kinds.URL):
            customers = customers.filter(**{f"{lookup}__icontains": value})
        elif definition.field_type == kinds.MULTIPLE_CHOICE:
            customers = customers.filter(**{f"{lookup}__icontains": f'"{value}"'})
        else:
            customers = customers.filter(**{lookup: value})
    return customers.order_by(*sort_terms(data.get("sort") or DEFAULT_SORT))


# Coarse sort fields break ties by name (then id), as their indexes do.
TIES_BY_NAME = {"lifecycle_stage", "tier", "source"}


def sort_terms(sort: str) -> list[str]:
    """ORM order terms for an allow-listed ``sort``; each matches a ``customer_alive_*``
    index (``models.LIST_ORDER_INDEXES``), so a page reads 51 index entries, never sorts."""
    field = SORTS[sort.lstrip("-")]
    fields = [field, "name", "id"] if field in TIES_BY_NAME else [field, "id"]
    prefix = "-" if sort.startswith("-") else ""
    return [prefix + name for name in fields]


def column_value(customer: Customer, key: str) -> Any:
    """What a list cell shows for ``key`` (tags as a list, the rest as text)."""
    if key.startswith("cf_"):
        value = customer.custom_fields.get(key[3:])
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, list):
            return ", ".join(value)
        return "" if value is None else value
    return CELLS[key](customer)


def _listed(customer: Customer, annotated: str, fallback: str) -> str:
    """What ``selectors.customers_list_details`` found, when it ran for this page."""
    if annotated in customer.__dict__:
        return customer.__dict__[annotated] or ""
    return getattr(customer, fallback)


def _tags(customer: Customer) -> list[str]:
    if "list_tags" in customer.__dict__:  # selectors.customers_list_details
        return customer.__dict__["list_tags"]
    return [t.name for t in customer.tags.all()]


CELLS: dict[str, Any] = {
    "name": lambda c: c.name,
    "email": lambda c: _listed(c, "list_email", "primary_email"),
    "phone": lambda c: _listed(c, "list_phone", "primary_phone"),
    "company": lambda c: c.company.name if c.company else "",
    "stage": lambda c: c.get_lifecycle_stage_display(),
    "tier": lambda c: c.get_tier_display(),
    "tags": _tags,
    "owner": lambda c: str(c.owner) if c.owner else "",
    "source": lambda c: c.get_source_display(),
    "city": lambda c: c.city,
    "wechat_id": lambda c: c.wechat_id,
    "created": lambda c: c.created_at,
    "updated": lambda c: c.updated_at,
}
