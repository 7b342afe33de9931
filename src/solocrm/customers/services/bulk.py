"""Bulk actions on a selection of customers: tag, assign owner, change stage, trash.

All or nothing: the selection is read through ``visible()``; if the user may not change
any one of the selected customers, nothing is changed. Each changed customer gets its
version bumped and its own audit entry (written in one statement).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.core.permissions import require_write, visible
from solocrm.core.tags import Tag, tag_create
from solocrm.customers.models import Customer, Interaction
from solocrm.customers.services._base import audit_many

BULK_ACTIONS = ("tag", "untag", "assign_owner", "change_stage", "delete")
MAX_SELECTION = 5000


def _selection(by: Any, customer_ids: Sequence[int]) -> list[Customer]:
    require_write(by)
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        raise ValidationError({"ids": [_("Select at least one customer.")]})
    if len(ids) > MAX_SELECTION:
        raise ValidationError({"ids": [_("Select at most %d customers.") % MAX_SELECTION]})
    customers = list(
        visible(by, Customer.objects.alive()).filter(pk__in=ids).select_for_update().order_by("pk")
    )
    if len(customers) != len(ids):
        raise ValidationError({"ids": [_("Some selected customers do not exist or are hidden.")]})
    for customer in customers:
        require_write(by, customer)
    return customers


def _touch(by: Any, customers: list[Customer], **values: Any) -> None:
    Customer.objects.filter(pk__in=[c.pk for c in customers]).update(
        version=F("version") + 1, updated_by_id=by.pk, updated_at=timezone.now(), **values
    )


@transaction.atomic
def customers_bulk_tag(
    *, by: Any, customer_ids: Sequence[int], tag: Tag, remove: bool = False
) -> int:
    """Add (or with ``remove`` take away) ``tag``; returns how many customers changed."""
    customers = _selection(by, customer_ids)
    through = Customer.tags.through
    having = set(
        through.objects.filter(tag=tag, customer__in=customers).values_list(
            "customer_id", flat=True
        )
    )
    changed = [c for c in customers if (c.pk in having) == remove]
    if remove:
        through.objects.filter(tag=tag, customer__in=changed).delete()
        change = {"tags": [tag.name, None]}
    else:
        through.objects.bulk_create([through(customer=c, tag=tag) for c in changed])
        change = {"tags": [None, tag.name]}
    _touch(by, changed)
    audit_many("update", changed, change)
    return len(changed)


@transaction.atomic
def customers_bulk_assign_owner(*, by: Any, customer_ids: Sequence[int], owner: Any) -> int:
    if owner is None or not owner.is_active or owner.role not in ("owner", "member"):
        raise ValidationError({"owner": [_("Choose an active owner or member.")]})
    customers = _selection(by, customer_ids)
    before = {c.pk: c.owner_id for c in customers}
    for customer in customers:
        customer.owner = owner
        require_write(by, customer)  # a limited member cannot give records away
    changed = [c for c in customers if before[c.pk] != owner.pk]
    _touch(by, changed, owner_id=owner.pk)
    audit_many("update", changed, lambda c: {"owner_id": [before[c.pk], owner.pk]})
    return len(changed)


@transaction.atomic
def customers_bulk_change_stage(*, by: Any, customer_ids: Sequence[int], stage: str) -> int:
    if stage not in Customer.LifecycleStage.values:
        raise ValidationError({"stage": [_("Unknown lifecycle stage “%s”.") % stage]})
    customers = _selection(by, customer_ids)
    changed = [c for c in customers if c.lifecycle_stage != stage]
    _touch(by, changed, lifecycle_stage=stage)
    audit_many("update", changed, lambda c: {"lifecycle_stage": [c.lifecycle_stage, stage]})
    return len(changed)


@transaction.atomic
def customers_bulk_delete(*, by: Any, customer_ids: Sequence[int]) -> int:
    """Move the selected customers (and their interactions) to the trash."""
    customers = _selection(by, customer_ids)
    now = timezone.now()
    Interaction.objects.filter(customer__in=customers, deleted_at__isnull=True).update(
        deleted_at=now
    )
    _touch(by, customers, deleted_at=now)
    audit_many("delete", customers, {"deleted_at": [None, now]})
    return len(customers)


@transaction.atomic
def customers_bulk_action(
    *, by: Any, customer_ids: Sequence[int], action: str, value: str = ""
) -> int:
    """Dispatch a bulk action named in a form or API call; ``value`` is its argument
    (tag name, owner user id, or stage)."""
    require_write(by)
    if action in ("tag", "untag"):
        name = " ".join(value.split())
        tag = Tag.objects.filter(name__iexact=name).first() if name else None
        if tag is None and action == "tag" and name:
            tag = tag_create(by=by, name=name)
        if tag is None:
            raise ValidationError({"value": [_("Name a tag.")]})
        return customers_bulk_tag(
            by=by, customer_ids=customer_ids, tag=tag, remove=action == "untag"
        )
    if action == "assign_owner":
        from django.contrib.auth import get_user_model

        owner = get_user_model().objects.filter(pk=int(value) if value.isdigit() else 0).first()
        return customers_bulk_assign_owner(by=by, customer_ids=customer_ids, owner=owner)
    if action == "change_stage":
        return customers_bulk_change_stage(by=by, customer_ids=customer_ids, stage=value)
    if action == "delete":
        return customers_bulk_delete(by=by, customer_ids=customer_ids)
    raise ValidationError({"action": [_("Choose one of: %s.") % ", ".join(BULK_ACTIONS)]})
