"""Helpers the customer services share: locking with a version check, audit snapshots,
collecting validation errors, and keeping ``search_text`` in step."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone

from solocrm.core.audit import json_value, snapshot
from solocrm.core.context import current_actor
from solocrm.core.exceptions import StaleVersionError
from solocrm.core.models import AuditEntry
from solocrm.customers.models import Customer, Interaction
from solocrm.customers.search_index import search_text_for

M = TypeVar("M", bound=models.Model)


def lock_current(obj: M, *, expected_version: int | None) -> M:
    """The stored row, locked for this transaction; refuse if it moved past our version."""
    model = type(obj)
    current = model._default_manager.select_for_update().filter(pk=obj.pk).first()
    if current is None:
        raise model.DoesNotExist(f"{model._meta.verbose_name} {obj.pk} no longer exists")
    base = obj.version if expected_version is None else expected_version
    if current.version != base:
        raise StaleVersionError(str(current), base, current.version)
    return current


def stamp(obj: models.Model, by: Any, *, creating: bool) -> None:
    user_id = getattr(by, "pk", None) or current_actor().user_id
    obj.updated_by_id = user_id
    if creating and obj.created_by_id is None:
        obj.created_by_id = user_id


USER_LINKS = ("owner", "created_by", "updated_by")


def acting_user_links(obj: models.Model, by: Any) -> list[str]:
    """The user links of ``obj`` that hold the acting user ``by`` (known to exist)."""
    acting = getattr(by, "pk", None)
    return [n for n in USER_LINKS if acting and getattr(obj, f"{n}_id", None) == acting]


def clean_errors(
    obj: models.Model, *, exclude: Iterable[str] = (), validate_unique: bool = True
) -> dict[str, list[str]]:
    """``full_clean`` errors as a dict instead of an exception (to merge with others)."""
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=validate_unique)
    except ValidationError as exc:
        return dict(exc.message_dict)
    return {}


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def audited_snapshot(obj: models.Model, **extra: Any) -> dict[str, Any]:
    values = snapshot(obj)
    values.update({k: json_value(v) for k, v in extra.items()})
    return values


def audit_many(
    action: str,
    objects: Iterable[models.Model],
    changes: dict[str, Any] | Callable[[Any], dict[str, Any]],
) -> int:
    """One audit entry per object, written in one statement (bulk actions, trash).

    ``changes`` is the same for every object, or a function of the object.
    """
    return audit_entries(
        (action, obj, changes(obj) if callable(changes) else changes) for obj in objects
    )


def audit_entries(entries: Iterable[tuple[str, models.Model, dict[str, Any]]]) -> int:
    """Write ``(action, object, changes)`` audit entries in one statement, in this order."""
    actor = current_actor()
    now = timezone.now()
    rows = [
        AuditEntry(
            time=now,
            actor_id=actor.user_id,
            actor_label=actor.label[:254],
            channel=actor.channel,
            request_id=actor.request_id,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            changes=json_value(changes),
        )
        for action, obj, changes in entries
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def customer_search_text_refresh(customer_ids: Iterable[int]) -> None:
    """Recompute ``search_text`` for these customers (the database re-indexes it)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return
    customers = (
        Customer.objects.filter(pk__in=ids)
        .select_related("company")
        .prefetch_related(
            "emails",
            "phones",
            Prefetch(
                "interactions",
                queryset=Interaction.objects.only("customer_id", "subject", "body"),
            ),
        )
    )
    changed = []
    for customer in customers:
        text = search_text_for(
            name=customer.name,
            emails=[e.email for e in customer.emails.all()],
            phones=[(p.raw, p.e164) for p in customer.phones.all()],
            wechat_id=customer.wechat_id,
            company_name=customer.company.name if customer.company else "",
            external_id=customer.external_id or "",
            notes=[f"{i.subject}\n{i.body}" for i in customer.interactions.all()],
        )
        if text != customer.search_text:
            customer.search_text = text
            changed.append(customer)
    Customer.objects.bulk_update(changed, ["search_text"], batch_size=200)
