"""Reads for merging: the field-by-field preview and the list of merges."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from solocrm.core.custom_fields import CustomFieldDefinition, definitions_for
from solocrm.core.permissions import visible
from solocrm.customers.merge_choices import (
    MERGED,
    MergeChoices,
    custom_field_keys,
    field_value,
    resolve_choices,
)
from solocrm.customers.merge_models import CustomerMerge
from solocrm.customers.models import Customer
from solocrm.customers.relations import customer_relations


@dataclass(frozen=True)
class FieldRow:
    name: str
    label: str
    survivor_value: str
    merged_value: str
    choice: str

    @property
    def differs(self) -> bool:
        return self.survivor_value != self.merged_value

    @property
    def result(self) -> str:
        return self.merged_value if self.choice == MERGED else self.survivor_value


@dataclass(frozen=True)
class MergePreview:
    survivor: Customer
    merged: Customer
    choices: MergeChoices
    fields: list[FieldRow]
    custom_fields: list[FieldRow]
    emails: list[str]
    phones: list[str]
    tags: list[str]
    moves: list[tuple[str, int]]  # (what, how many rows move to the survivor)


def _display(customer: Customer, name: str) -> str:
    field = Customer._meta.get_field(name)
    if field.is_relation:
        related = getattr(customer, name)
        return str(related) if related is not None else ""
    value = field_value(customer, name)
    if field.choices and value not in (None, ""):
        return str(getattr(customer, f"get_{name}_display")())
    return "" if value is None else str(value)


def _custom_display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _union(first: list[str], second: list[str]) -> list[str]:
    return first + [item for item in second if item not in first]


def merge_preview(
    *,
    survivor: Customer,
    merged: Customer,
    fields: dict[str, str] | None = None,
    custom_fields: dict[str, str] | None = None,
) -> MergePreview:
    """What the survivor would look like after the merge; raises on invalid choices."""
    choices = resolve_choices(
        survivor=survivor, merged=merged, fields=fields, custom_fields=custom_fields
    )
    field_rows = [
        FieldRow(
            name,
            str(Customer._meta.get_field(name).verbose_name),
            _display(survivor, name),
            _display(merged, name),
            side,
        )
        for name, side in choices.fields.items()
    ]
    survivor_custom, merged_custom = survivor.custom_fields or {}, merged.custom_fields or {}
    labels = {d.key: d.label for d in definitions_for(CustomFieldDefinition.Target.CUSTOMER)}
    custom_rows = [
        FieldRow(
            key,
            labels.get(key, key),
            _custom_display(survivor_custom.get(key)),
            _custom_display(merged_custom.get(key)),
            choices.custom_fields[key],
        )
        for key in custom_field_keys(survivor, merged)
    ]
    moves = []
    for relation in customer_relations():
        count = relation.model._base_manager.filter(**{relation.field_name: merged}).count()
        if count:
            moves.append((str(relation.model._meta.verbose_name_plural), count))
    return MergePreview(
        survivor=survivor,
        merged=merged,
        choices=choices,
        fields=field_rows,
        custom_fields=custom_rows,
        emails=_union(
            list(survivor.emails.values_list("email", flat=True)),
            list(merged.emails.values_list("email", flat=True)),
        ),
        phones=_union(
            list(survivor.phones.values_list("e164", flat=True)),
            list(merged.phones.values_list("e164", flat=True)),
        ),
        tags=sorted(
            set(survivor.tags.values_list("name", flat=True))
            | set(merged.tags.values_list("name", flat=True))
        ),
        moves=moves,
    )


def merges_visible(user: Any, *, customer_id: int | None = None) -> QuerySet[CustomerMerge]:
    """Merges whose survivor ``user`` may see (newest first), optionally of one customer."""
    merges = CustomerMerge.objects.filter(
        survivor__in=visible(user, Customer.objects.all()).values("pk")
    ).select_related("survivor", "merged", "created_by", "undone_by")
    if customer_id is not None:
        merges = merges.filter(Q(survivor_id=customer_id) | Q(merged_id=customer_id))
    return merges.order_by("-created_at", "-id")


def merges_into_others(user: Any, customer_ids: Iterable[int]) -> dict[int, CustomerMerge]:
    """For customers in the trash because they were merged: their merge (the newest one
    not undone), by the merged customer's id."""
    merges = merges_visible(user).filter(merged_id__in=list(customer_ids), undone_at=None)
    found: dict[int, CustomerMerge] = {}
    for merge in merges:  # newest first
        found.setdefault(merge.merged_id, merge)
    return found
