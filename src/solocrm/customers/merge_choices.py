"""Which record's value each field of a merged customer takes.

A choice is ``"survivor"`` or ``"merged"`` per field of ``MERGE_FIELDS`` and per
custom-field key. Fields not chosen default to the survivor's value, unless it is empty
and the merged record's is not. Consent is one choice: status, source and time travel
together, so the survivor never claims a consent given by someone else's record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from solocrm.customers.models import Customer
from solocrm.customers.services import CUSTOMER_FIELDS

SURVIVOR, MERGED = "survivor", "merged"
SIDES = (SURVIVOR, MERGED)
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "consent_status": ("consent_status", "consent_source", "consent_at"),
}
_GROUPED = {member for group in FIELD_GROUPS.values() for member in group[1:]}
MERGE_FIELDS: tuple[str, ...] = tuple(f for f in CUSTOMER_FIELDS if f not in _GROUPED)
EMPTY = (None, "", [], {})


@dataclass(frozen=True)
class MergeChoices:
    fields: dict[str, str]
    custom_fields: dict[str, str]

    def as_json(self) -> dict[str, dict[str, str]]:
        return {"fields": dict(self.fields), "custom_fields": dict(self.custom_fields)}


def attname(name: str) -> str:
    return Customer._meta.get_field(name).attname


def field_value(customer: Customer, name: str) -> Any:
    return getattr(customer, attname(name))


def _default(survivor_value: Any, merged_value: Any) -> str:
    return MERGED if survivor_value in EMPTY and merged_value not in EMPTY else SURVIVOR


def custom_field_keys(survivor: Customer, merged: Customer) -> list[str]:
    keys = list(survivor.custom_fields or {})
    keys += [k for k in (merged.custom_fields or {}) if k not in keys]
    return keys


def resolve_choices(
    *,
    survivor: Customer,
    merged: Customer,
    fields: dict[str, str] | None = None,
    custom_fields: dict[str, str] | None = None,
) -> MergeChoices:
    """Complete and validate the user's choices; unknown names or sides are refused."""
    fields, custom_fields = dict(fields or {}), dict(custom_fields or {})
    errors: dict[str, list[str]] = {}
    keys = custom_field_keys(survivor, merged)
    for name in sorted(set(fields) - set(MERGE_FIELDS)):
        errors[f"fields.{name}"] = [_("This field cannot be chosen in a merge.")]
    for name in sorted(set(custom_fields) - set(keys)):
        errors[f"custom_fields.{name}"] = [_("Neither record has this custom field.")]
    for prefix, picked in (("fields", fields), ("custom_fields", custom_fields)):
        for name, side in picked.items():
            if side not in SIDES:
                errors[f"{prefix}.{name}"] = [_("Choose “survivor” or “merged”.")]
    if errors:
        raise ValidationError(errors)
    resolved = {
        name: fields.get(name) or _default(field_value(survivor, name), field_value(merged, name))
        for name in MERGE_FIELDS
    }
    survivor_custom, merged_custom = survivor.custom_fields or {}, merged.custom_fields or {}
    resolved_custom = {
        key: custom_fields.get(key) or _default(survivor_custom.get(key), merged_custom.get(key))
        for key in keys
    }
    return MergeChoices(resolved, resolved_custom)


def merged_field_values(
    *, survivor: Customer, merged: Customer, choices: MergeChoices
) -> dict[str, Any]:
    """``{attname: value}`` the survivor will hold, including ``custom_fields``."""
    values: dict[str, Any] = {}
    for name, side in choices.fields.items():
        source = merged if side == MERGED else survivor
        for member in FIELD_GROUPS.get(name, (name,)):
            values[attname(member)] = field_value(source, member)
    custom: dict[str, Any] = {}
    for key, side in choices.custom_fields.items():
        source_values = (merged if side == MERGED else survivor).custom_fields or {}
        if source_values.get(key) not in EMPTY:
            custom[key] = source_values[key]
    values["custom_fields"] = custom
    return values
