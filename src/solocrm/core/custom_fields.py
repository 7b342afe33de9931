"""Custom fields: definitions are rows; values live in one JSON column on the record.

Values are stored in JSON-exact forms: text as strings, numbers as integers, decimals as
strings (``"12.50"``), dates as ISO strings, yes/no as booleans, multiple choice as lists.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from solocrm.core.models import TrackedModel

TEXT_MAX = 1000
LONG_TEXT_MAX = 20000


class CustomFieldDefinition(TrackedModel):
    class Target(models.TextChoices):
        CUSTOMER = "customer", gettext_lazy("customer")
        COMPANY = "company", gettext_lazy("company")

    class FieldType(models.TextChoices):
        TEXT = "text", gettext_lazy("text")
        LONG_TEXT = "long_text", gettext_lazy("long text")
        NUMBER = "number", gettext_lazy("whole number")
        DECIMAL = "decimal", gettext_lazy("decimal number")
        DATE = "date", gettext_lazy("date")
        CHOICE = "choice", gettext_lazy("choice")
        MULTIPLE_CHOICE = "multiple_choice", gettext_lazy("multiple choice")
        YES_NO = "yes_no", gettext_lazy("yes/no")
        URL = "url", gettext_lazy("web address")

    target = models.CharField(gettext_lazy("applies to"), max_length=10, choices=Target.choices)
    key = models.SlugField(
        gettext_lazy("key"),
        max_length=50,
        help_text=gettext_lazy("Lower-case letters, digits and underscores; used in the API."),
    )
    label = models.CharField(gettext_lazy("label"), max_length=100)
    field_type = models.CharField(
        gettext_lazy("type"), max_length=20, choices=FieldType.choices, default=FieldType.TEXT
    )
    required = models.BooleanField(gettext_lazy("required"), default=False)
    choices = models.JSONField(gettext_lazy("choices"), default=list, blank=True)
    min_value = models.DecimalField(
        gettext_lazy("minimum"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    max_value = models.DecimalField(
        gettext_lazy("maximum"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    regex = models.CharField(gettext_lazy("pattern"), max_length=200, blank=True)
    order = models.PositiveIntegerField(gettext_lazy("order"), default=0)

    class Meta:
        app_label = "core"
        ordering = ["target", "order", "id"]
        verbose_name = gettext_lazy("custom field")
        constraints = [
            models.UniqueConstraint(fields=["target", "key"], name="core_customfield_target_key")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.key})"

    def clean(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.key or ""):
            raise ValidationError(
                {"key": _("Start with a letter; use lower-case letters, digits and _.")}
            )
        choice_types = (self.FieldType.CHOICE, self.FieldType.MULTIPLE_CHOICE)
        if not isinstance(self.choices, list) or not all(
            isinstance(c, str) and c.strip() for c in self.choices
        ):
            raise ValidationError({"choices": _("Choices must be a list of non-empty texts.")})
        self.choices = [c.strip() for c in self.choices]
        if self.field_type in choice_types and not self.choices:
            raise ValidationError({"choices": _("A choice field needs at least one choice.")})
        if len(set(self.choices)) != len(self.choices):
            raise ValidationError({"choices": _("Choices must be different from each other.")})
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            raise ValidationError({"max_value": _("The maximum is smaller than the minimum.")})
        if self.regex:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValidationError({"regex": _("Not a valid pattern: %s") % exc}) from exc


def definitions_for(target: str) -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.filter(target=target).order_by("order", "id"))


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y", "on", "是"}:
        return True
    if text in {"0", "false", "no", "n", "off", "否"}:
        return False
    raise ValueError(_("Use yes or no."))


def _plain(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


def _bounded(definition: CustomFieldDefinition, amount: Decimal, what: str) -> None:
    low, high = definition.min_value, definition.max_value
    if low is not None and amount < low:
        raise ValueError(
            _("%(what)s must be at least %(low)s.") % {"what": what, "low": _plain(low)}
        )
    if high is not None and amount > high:
        raise ValueError(
            _("%(what)s must be at most %(high)s.") % {"what": what, "high": _plain(high)}
        )


def _text(definition: CustomFieldDefinition, value: Any, limit: int) -> str:
    text = str(value).strip()
    if len(text) > limit:
        raise ValueError(_("Use at most %(n)d characters.") % {"n": limit})
    _bounded(definition, Decimal(len(text)), _("The length"))
    if definition.regex and not re.fullmatch(definition.regex, text):
        raise ValueError(_("Does not match the pattern %s.") % definition.regex)
    return text


def _convert(definition: CustomFieldDefinition, value: Any) -> Any:
    types = CustomFieldDefinition.FieldType
    kind = definition.field_type
    if kind == types.TEXT:
        return _text(definition, value, TEXT_MAX)
    if kind == types.LONG_TEXT:
        return _text(definition, value, LONG_TEXT_MAX)
    if kind == types.URL:
        text = _text(definition, value, TEXT_MAX)
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError as exc:
            raise ValueError(_("Enter a web address starting with http:// or https://.")) from exc
        return text
    if kind == types.NUMBER:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(_("Enter a whole number."))
        try:
            number = int(str(value).strip()) if not isinstance(value, float) else int(value)
        except ValueError as exc:
            raise ValueError(_("Enter a whole number.")) from exc
        _bounded(definition, Decimal(number), _("The value"))
        return number
    if kind == types.DECIMAL:
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(_("Enter a number.")) from exc
        if not amount.is_finite():
            raise ValueError(_("Enter a number."))
        _bounded(definition, amount, _("The value"))
        return str(amount)
    if kind == types.DATE:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError as exc:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from exc
    if kind == types.CHOICE:
        text = str(value).strip()
        if text not in definition.choices:
            raise ValueError(_("Choose one of: %s.") % ", ".join(definition.choices))
        return text
    if kind == types.MULTIPLE_CHOICE:
        items = [value] if isinstance(value, str) else list(value)
        picked = [str(item).strip() for item in items if str(item).strip()]
        wrong = [item for item in picked if item not in definition.choices]
        if wrong:
            raise ValueError(
                _("%(wrong)s: choose from %(choices)s.")
                % {"wrong": ", ".join(wrong), "choices": ", ".join(definition.choices)}
            )
        return [c for c in definition.choices if c in picked]
    if kind == types.YES_NO:
        return _yes_no(value)
    raise ValueError(f"unknown field type {kind}")


def custom_fields_validate(
    *,
    target: str,
    values: dict[str, Any],
    previous: dict[str, Any] | None = None,
    require: bool = True,
    definitions: Sequence[CustomFieldDefinition] | None = None,
) -> dict[str, Any]:
    """Clean ``values`` (laid over the ``previous`` stored values) for ``target``.

    Returns the stored form; an empty value (``None``, ``""``, ``[]``) removes a field.
    Raises ``ValidationError`` keyed by ``custom_fields.<key>`` naming every wrong field.
    Stored values of definitions deleted since are kept untouched; new values for keys
    without a definition are refused. ``require=False`` skips the required check.
    ``definitions`` are ``target``'s definitions when the caller already loaded them
    (an import validating thousands of rows); by default they are read here.
    """
    if not isinstance(values, dict):
        raise ValidationError({"custom_fields": _("Custom fields must be an object.")})
    known = {d.key: d for d in (definitions_for(target) if definitions is None else definitions)}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {
        key: value for key, value in (previous or {}).items() if key not in known
    }
    merged = {**(previous or {}), **values}
    for key in values:
        if key not in known:
            errors[f"custom_fields.{key}"] = [_("There is no custom field “%s”.") % key]
    for key, definition in known.items():
        value = merged.get(key)
        if _is_empty(value):
            if require and definition.required:
                errors[f"custom_fields.{key}"] = [
                    _("%s is required.") % definition.label,
                ]
            continue
        try:
            cleaned[key] = _convert(definition, value)
        except (ValueError, TypeError) as exc:
            errors[f"custom_fields.{key}"] = [f"{definition.label}: {exc}"]
    if errors:
        raise ValidationError(errors)
    return cleaned


def custom_field_definition_create(*, by: Any, **data: Any) -> CustomFieldDefinition:
    from solocrm.core.permissions import require_owner
    from solocrm.core.services import model_create

    require_owner(by)
    allowed = {*EDITABLE_FIELDS, "target", "key"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({name: _("Not a field of a custom field.") for name in unknown})
    with transaction.atomic():
        definition = CustomFieldDefinition(**data)
        if CustomFieldDefinition.objects.filter(
            target=definition.target, key=definition.key
        ).exists():
            raise ValidationError({"key": _("This key is already used.")})
        return model_create(definition)


EDITABLE_FIELDS = (
    "label",
    "field_type",
    "required",
    "choices",
    "min_value",
    "max_value",
    "regex",
    "order",
)


def custom_field_definition_update(
    *,
    definition: CustomFieldDefinition,
    by: Any,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> CustomFieldDefinition:
    """Change a definition. The key and target stay fixed: stored values depend on them."""
    from solocrm.core.permissions import require_owner
    from solocrm.core.services import model_update

    require_owner(by)
    definition, _changes = model_update(
        definition, data=data, fields=EDITABLE_FIELDS, expected_version=expected_version
    )
    return definition


def custom_field_definition_delete(*, definition: CustomFieldDefinition, by: Any) -> None:
    """Remove a definition. Values stay in the records' JSON (and their audit history)."""
    from solocrm.core.permissions import require_owner
    from solocrm.core.services import model_delete

    require_owner(by)
    model_delete(definition)
