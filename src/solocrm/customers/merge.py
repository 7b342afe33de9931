"""Merging two customers into one, and undoing a merge.

``customer_merge`` keeps the survivor, takes the chosen field values (see
``merge_choices``), moves every registered relation (``relations.py``), unions emails,
phones and tags, and moves the other record to the trash. A :class:`CustomerMerge` row
names exactly what moved, so ``customer_merge_undo`` can put it back, as long as
neither record changed since.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.core.audit import audit_record, diff, json_value
from solocrm.core.permissions import require_write
from solocrm.customers.merge_choices import MergeChoices, merged_field_values, resolve_choices
from solocrm.customers.merge_models import CustomerMerge
from solocrm.customers.models import Customer, CustomerEmail, CustomerPhone
from solocrm.customers.relations import customer_relations
from solocrm.customers.services._base import (
    audited_snapshot,
    customer_search_text_refresh,
    lock_current,
    stamp,
)


class MergeUndoRefusedError(Exception):
    """An undo would overwrite later changes, or the merge was already undone."""


def _lock_pair(
    survivor: Customer,
    merged: Customer,
    *,
    survivor_version: int | None,
    merged_version: int | None,
) -> tuple[Customer, Customer]:
    """Lock both stored rows in id order (no deadlock between two opposite merges).

    A version given must match the stored one; ``None`` takes the stored row as it is.
    """
    versions = {survivor.pk: survivor_version, merged.pk: merged_version}
    locked = {}
    for customer in sorted((survivor, merged), key=lambda c: c.pk):
        expected = versions[customer.pk]
        if expected is None:
            customer = Customer.objects.select_for_update().get(pk=customer.pk)
            expected = customer.version
        locked[customer.pk] = lock_current(customer, expected_version=expected)
    return locked[survivor.pk], locked[merged.pk]


def _unique_attnames() -> list[str]:
    return [f.attname for f in Customer._meta.concrete_fields if f.unique and not f.primary_key]


def _move_relations(source: Customer, target: Customer) -> list[dict[str, Any]]:
    moved = []
    for relation in customer_relations():
        rows = relation.model._base_manager.filter(**{relation.field_name: source})
        ids = sorted(rows.values_list("pk", flat=True))
        if ids:
            relation.model._base_manager.filter(pk__in=ids).update(**{relation.field_name: target})
        moved.append({"relation": relation.label, "ids": ids})
    return moved


def _move_contacts(
    model: type[CustomerEmail] | type[CustomerPhone], key: str, source: Customer, target: Customer
) -> list[dict[str, Any]]:
    """Move ``source``'s rows whose ``key`` the target lacks; the target keeps its primary."""
    existing = set(model.objects.filter(customer=target).values_list(key, flat=True))
    target_has_primary = model.objects.filter(customer=target, is_primary=True).exists()
    moved = []
    for row in model.objects.filter(customer=source).order_by("-is_primary", "id"):
        if getattr(row, key) in existing:
            continue
        moved.append({"id": row.pk, "is_primary": row.is_primary})
        row.customer = target
        row.is_primary = row.is_primary and not target_has_primary
        row.save(update_fields=["customer", "is_primary"])
    return moved


def _related(customer: Customer) -> dict[str, Any]:
    return {
        "emails": list(customer.emails.values_list("email", flat=True)),
        "phones": list(customer.phones.values_list("e164", flat=True)),
        "tags": sorted(customer.tags.values_list("name", flat=True)),
    }


def _apply_values(customer: Customer, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(customer, name, value)


def _save(customer: Customer, by: Any) -> None:
    stamp(customer, by, creating=False)
    customer.version += 1
    customer.save()


@transaction.atomic
def customer_merge(
    *,
    survivor: Customer,
    merged: Customer,
    by: Any,
    field_choices: dict[str, str] | None = None,
    custom_field_choices: dict[str, str] | None = None,
    survivor_version: int | None = None,
    merged_version: int | None = None,
) -> CustomerMerge:
    """Fold ``merged`` into ``survivor``; refused if either changed since the versions given."""
    if survivor.pk == merged.pk:
        raise ValidationError({"merged_id": [_("Choose two different customers to merge.")]})
    require_write(by, survivor)
    require_write(by, merged)
    survivor, merged = _lock_pair(
        survivor, merged, survivor_version=survivor_version, merged_version=merged_version
    )
    require_write(by, survivor)
    require_write(by, merged)
    for field, customer in (("survivor_id", survivor), ("merged_id", merged)):
        if customer.deleted_at is not None:
            raise ValidationError(
                {field: [_("%s is in the trash; restore it first.") % customer.name]}
            )
    choices: MergeChoices = resolve_choices(
        survivor=survivor,
        merged=merged,
        fields=field_choices,
        custom_fields=custom_field_choices,
    )
    values = merged_field_values(survivor=survivor, merged=merged, choices=choices)
    survivor_before = audited_snapshot(survivor, **_related(survivor))
    merged_before = audited_snapshot(merged, **_related(merged))

    now = timezone.now()
    merged.deleted_at = now
    for name in _unique_attnames():  # a unique value the survivor takes leaves the other
        if name in values and values[name] is not None and getattr(merged, name) == values[name]:
            setattr(merged, name, None)
    _save(merged, by)

    _apply_values(survivor, values)
    survivor.full_clean(exclude=["custom_fields", "search_text"])
    _save(survivor, by)
    moved = {
        "relations": _move_relations(merged, survivor),
        "emails": _move_contacts(CustomerEmail, "email", merged, survivor),
        "phones": _move_contacts(CustomerPhone, "e164", merged, survivor),
    }
    added_tags = list(merged.tags.exclude(pk__in=survivor.tags.all()))
    survivor.tags.add(*added_tags)
    moved["tags"] = [tag.pk for tag in added_tags]
    customer_search_text_refresh([survivor.pk, merged.pk])
    survivor.refresh_from_db()
    merged.refresh_from_db()
    survivor_after = audited_snapshot(survivor, **_related(survivor))

    merge = CustomerMerge.objects.create(
        survivor=survivor,
        merged=merged,
        field_choices=choices.as_json(),
        survivor_before=survivor_before,
        survivor_after=survivor_after,
        merged_before=merged_before,
        moved=moved,
        survivor_version=survivor.version,
        merged_version=merged.version,
        created_by_id=getattr(by, "pk", None),
    )
    # Like every update entry: {field: [before, after]} for what changed on the survivor
    # (emails, phones and tags included), then what merged into it and what moved.
    changes = diff(survivor_before, survivor_after)
    changes["merged_customer"] = [None, {"id": merged.pk, "name": merged.name}]
    changes["moved"] = [None, moved]
    changes["merge_id"] = [None, merge.pk]
    audit_record("merge", obj=survivor, changes=changes)
    audit_record(
        "merge",
        obj=merged,
        changes={
            "deleted_at": [None, json_value(now)],
            "merged_into": [None, {"id": survivor.pk, "name": survivor.name}],
            "merge_id": [None, merge.pk],
        },
    )
    return merge


def merge_undo_refusal(merge: CustomerMerge, survivor: Customer, merged: Customer) -> str:
    """Why undoing ``merge`` would be refused now, or "" if it may go ahead.

    ``survivor`` and ``merged`` are the records as stored (locked, when undoing).
    """
    if merge.undone:
        return _("This merge was already undone.")
    if survivor.version != merge.survivor_version:
        return _(
            "“%(name)s” was changed after the merge (version %(then)d, now %(now)d); "
            "undoing would throw those changes away. Edit the records by hand instead."
        ) % {"name": survivor.name, "then": merge.survivor_version, "now": survivor.version}
    if merged.deleted_at is None or merged.version != merge.merged_version:
        return _(
            "“%(name)s” was restored or changed after the merge; "
            "this merge can no longer be undone."
        ) % {"name": merged.name}
    return ""


def _move_back(merge: CustomerMerge, survivor: Customer, merged: Customer) -> dict[str, int]:
    """Return exactly the moved rows still on the survivor; count those that are gone."""
    by_label = {relation.label: relation for relation in customer_relations()}
    missing = 0
    for entry in merge.moved.get("relations", []):
        relation = by_label.get(entry["relation"])
        if relation is None:
            missing += len(entry["ids"])
            continue
        rows = relation.model._base_manager.filter(
            pk__in=entry["ids"], **{relation.field_name: survivor}
        )
        missing += len(entry["ids"]) - rows.update(**{relation.field_name: merged})
    for model, key in ((CustomerEmail, "emails"), (CustomerPhone, "phones")):
        for row in merge.moved.get(key, []):
            updated = model.objects.filter(pk=row["id"], customer=survivor).update(
                customer=merged, is_primary=row["is_primary"]
            )
            missing += 1 - updated
    survivor.tags.remove(*merge.moved.get("tags", []))
    return {"missing": missing}


def _restore_fields(customer: Customer, snapshot_values: dict[str, Any]) -> None:
    """Put back the concrete field values from an audited snapshot (merge fields only)."""
    for field in Customer._meta.concrete_fields:
        if field.attname in snapshot_values and field.attname not in (
            "id",
            "created_at",
            "created_by_id",
            "search_text",
        ):
            setattr(customer, field.attname, field.to_python(snapshot_values[field.attname]))


@transaction.atomic
def customer_merge_undo(*, merge: CustomerMerge, by: Any) -> CustomerMerge:
    """Restore the merged record, move back what moved, restore the survivor's values."""
    merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone:
        raise MergeUndoRefusedError(_("This merge was already undone."))
    survivor, merged = _lock_pair(
        merge.survivor, merge.merged, survivor_version=None, merged_version=None
    )
    require_write(by, survivor)
    require_write(by, merged)
    if refusal := merge_undo_refusal(merge, survivor, merged):
        raise MergeUndoRefusedError(refusal)
    survivor_before = audited_snapshot(survivor, **_related(survivor))

    result = _move_back(merge, survivor, merged)
    _restore_fields(survivor, merge.survivor_before)
    try:
        with transaction.atomic():
            _save(survivor, by)
            _restore_fields(merged, merge.merged_before)
            merged.deleted_at = None
            _save(merged, by)
    except IntegrityError as exc:
        raise MergeUndoRefusedError(
            _("The merge cannot be undone: a unique value now belongs to another record.")
        ) from exc
    customer_search_text_refresh([survivor.pk, merged.pk])
    survivor.refresh_from_db()

    merge.undone_at = timezone.now()
    merge.undone_by_id = getattr(by, "pk", None)
    merge.save(update_fields=["undone_at", "undone_by"])
    changes = diff(survivor_before, audited_snapshot(survivor, **_related(survivor)))
    changes["undo_of_merge"] = [merge.pk, None]
    changes["moved_back"] = [merge.moved, None]
    if result["missing"]:
        changes["moved_rows_no_longer_found"] = [None, result["missing"]]
    audit_record("merge", obj=survivor, changes=changes)
    audit_record(
        "restore",
        obj=merged,
        changes={
            "deleted_at": [merge.merged_before.get("deleted_at") or "merged", None],
            "undo_of_merge": [merge.pk, None],
        },
    )
    return merge
