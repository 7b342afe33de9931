from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils.translation import gettext_lazy as _


class TrackedModel(models.Model):
    """Base for records people edit: timestamps, authorship and an optimistic-lock version."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Any = None) -> None:
        """Django's ``clean_fields``, but a field that still holds its default is not
        cleaned again when that default passed ``clean`` once (``defaults_held``): an
        import validates a million new records, most of whose fields keep their defaults."""
        super().clean_fields(exclude={*(exclude or ()), *defaults_held(self)})


M = TypeVar("M", bound=models.Model)
_VALID_DEFAULTS: dict[type[models.Model], tuple[tuple[str, str, Any, type], ...]] = {}
_MISSING = object()


def valid_defaults(model: type[models.Model]) -> tuple[tuple[str, str, Any, type], ...]:
    """``(name, attname, default, type)`` of ``model``'s fields whose default ``clean``
    leaves as it is (a text choice as plain text). A field's ``clean`` depends on the
    value alone, except a link's, which looks the target up: links qualify only with a
    ``None`` default (never looked up)."""
    if model not in _VALID_DEFAULTS:
        found = []
        for field in model._meta.fields:
            default = field.get_default()
            if field.generated or (field.is_relation and default is not None):
                continue
            try:
                cleaned = field.clean(default, None)
            except ValidationError:
                continue
            if isinstance(default, str) and isinstance(cleaned, str):
                if str(cleaned) == str(default):
                    found.append((field.name, field.attname, str(default), str))
            elif type(cleaned) is type(default) and cleaned == default:
                found.append((field.name, field.attname, default, type(default)))
        _VALID_DEFAULTS[model] = tuple(found)
    return _VALID_DEFAULTS[model]


def blank_instances(model: type[M]) -> Callable[[], M]:
    """A maker of ``model()`` instances for bulk work: each a copy of one made once, with
    its own state and its own copy of mutable and callable defaults (``model()`` sets
    every field through descriptors, which costs more than the rest of an import's
    row). Falls back to ``model()`` when something listens to its init signals."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model
    values = model().__dict__
    fresh = [
        (f.attname, f.get_default)
        for f in model._meta.concrete_fields
        if f.has_default() and callable(f.default)
    ]

    def make() -> M:
        obj = model.__new__(model)
        state = values.copy()
        state["_state"] = ModelState()
        for attname, default in fresh:
            state[attname] = default()
        obj.__dict__.update(state)
        return obj

    return make


def defaults_held(obj: models.Model) -> list[str]:
    """The names of ``obj``'s fields that hold a default known to be valid: equal and
    of the same kind (``1`` is not ``True``; a text choice counts as its text)."""
    values = obj.__dict__  # a deferred field is absent: not held, cleaned as usual
    held = []
    for name, attname, default, kind in valid_defaults(type(obj)):
        value = values.get(attname, _MISSING)
        if value is default or (
            value == default and (type(value) is kind or (kind is str and isinstance(value, str)))
        ):
            held.append(name)
    return held


class AuditEntry(models.Model):
    """One append-only line of the audit log. The database refuses updates and deletes."""

    class Action(models.TextChoices):
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")
        RESTORE = "restore", _("restore")
        MERGE = "merge", _("merge")
        IMPORT = "import", _("import")
        EXPORT = "export", _("export")
        LOGIN = "login", _("login")
        TOKEN = "token", _("token")

    time = models.DateTimeField(_("time"), db_index=True)
    # Plain columns, not foreign keys: deleting a user must never rewrite the log.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=254)
    channel = models.CharField(_("channel"), max_length=10)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "time"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class Job(models.Model):
    """A background job as the UI shows it: progress, result and error."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=50)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == self.Status.SUCCEEDED else 0
        return min(100, round(100 * self.progress_done / self.progress_total))


# Shared record features defined in their own modules; imported so Django registers them.
from solocrm.core.custom_fields import CustomFieldDefinition  # noqa: E402
from solocrm.core.tags import Tag  # noqa: E402

__all__ = ["AuditEntry", "CustomFieldDefinition", "Job", "Tag", "TrackedModel"]
