"""Writes for customers: create, update (optimistic locking), trash and restore."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.core.audit import audit_record, diff
from solocrm.core.permissions import require_write
from solocrm.core.tags import Tag
from solocrm.customers.models import Customer
from solocrm.customers.services._base import (
    audited_snapshot,
    customer_search_text_refresh,
    lock_current,
    stamp,
)
from solocrm.customers.services.contacts import contacts_replace, related_snapshot
from solocrm.customers.services.customer_checks import (
    customer_apply,
    customer_validate,
    tags_resolve,
)


@transaction.atomic
def customer_create(
    *,
    by: Any,
    name: str,
    data: dict[str, Any] | None = None,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    tags: Sequence[Tag | str] = (),
    custom_fields: dict[str, Any] | None = None,
    phone_region: str | None = None,
) -> Customer:
    """Create a customer with contact details; the first email and phone are primary.

    ``data`` holds any other of ``CUSTOMER_FIELDS``; the owner defaults to ``by``.
    """
    require_write(by)
    customer = Customer()
    customer_apply(customer, {"owner": by, **(data or {}), "name": name})
    require_write(by, customer)  # a limited member may only create records they own
    stamp(customer, by, creating=True)
    clean_emails, clean_phones = customer_validate(
        customer,
        by=by,
        emails=emails,
        phones=phones,
        custom_fields=custom_fields,
        previous_custom_fields={},
        phone_region=phone_region,
        creating=True,
    )
    customer.save(force_insert=True)
    contacts_replace(customer, clean_emails, clean_phones)
    if tags:
        customer.tags.set(tags_resolve(tags, by))
    customer_search_text_refresh([customer.pk])
    after = audited_snapshot(customer, **related_snapshot(customer))
    audit_record(
        "create",
        obj=customer,
        changes={k: [None, v] for k, v in after.items() if v not in (None, "", [], {})},
    )
    customer.refresh_from_db()
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    by: Any,
    data: dict[str, Any] | None = None,
    emails: Sequence[str] | None = None,
    phones: Sequence[str] | None = None,
    tags: Sequence[Tag | str] | None = None,
    custom_fields: dict[str, Any] | None = None,
    expected_version: int | None = None,
    phone_region: str | None = None,
) -> Customer:
    """Change a customer. ``None`` leaves a part alone; lists replace the stored ones;
    ``custom_fields`` are laid over the stored values (``None``/``""`` removes one).

    Refused with ``StaleVersionError`` if the record changed since ``expected_version``.
    """
    require_write(by, customer)
    customer = lock_current(customer, expected_version=expected_version)
    require_write(by, customer)
    if customer.deleted_at is not None:
        raise ValidationError({"__all__": [_("This customer is in the trash; restore it first.")]})
    before = audited_snapshot(customer, **related_snapshot(customer))
    previous_custom_fields = dict(customer.custom_fields)
    customer_apply(customer, dict(data or {}))
    require_write(by, customer)  # a limited member cannot hand the record to someone else
    clean_emails, clean_phones = customer_validate(
        customer,
        by=by,
        emails=emails,
        phones=phones,
        custom_fields=custom_fields,
        previous_custom_fields=previous_custom_fields,
        phone_region=phone_region,
        creating=False,
    )
    if clean_emails == before["emails"]:
        clean_emails = None
    stored_phones = list(customer.phones.values_list("raw", "e164"))
    if clean_phones is not None and [(p.raw, p.e164) for p in clean_phones] == stored_phones:
        clean_phones = None
    contacts_replace(customer, clean_emails, clean_phones)
    if tags is not None:
        customer.tags.set(tags_resolve(tags, by))
    changes = diff(before, audited_snapshot(customer, **related_snapshot(customer)))
    if not changes:
        return customer
    stamp(customer, by, creating=False)
    customer.version += 1
    customer.save()
    customer_search_text_refresh([customer.pk])
    audit_record("update", obj=customer, changes=changes)
    customer.refresh_from_db()
    return customer


@transaction.atomic
def customer_delete(
    *, customer: Customer, by: Any, expected_version: int | None = None
) -> Customer:
    """Move a customer and their interactions to the trash."""
    require_write(by, customer)
    customer = lock_current(customer, expected_version=expected_version)
    require_write(by, customer)
    if customer.deleted_at is not None:
        return customer
    now = timezone.now()
    moved = customer.interactions.filter(deleted_at__isnull=True).update(deleted_at=now)
    customer.deleted_at = now
    customer.version += 1
    stamp(customer, by, creating=False)
    customer.save(update_fields=["deleted_at", "version", "updated_by", "updated_at"])
    audit_record(
        "delete",
        obj=customer,
        changes={"deleted_at": [None, now], "interactions_moved_to_trash": [0, moved]},
    )
    return customer


@transaction.atomic
def customer_restore(*, customer: Customer, by: Any) -> Customer:
    """Bring a customer back from the trash with the interactions trashed along with them."""
    require_write(by, customer)
    customer = lock_current(customer, expected_version=None)
    if customer.deleted_at is None:
        return customer
    trashed_at = customer.deleted_at
    restored = customer.interactions.filter(deleted_at=trashed_at).update(deleted_at=None)
    customer.deleted_at = None
    customer.version += 1
    stamp(customer, by, creating=False)
    customer.save(update_fields=["deleted_at", "version", "updated_by", "updated_at"])
    audit_record(
        "restore",
        obj=customer,
        changes={"deleted_at": [trashed_at, None], "interactions_restored": [0, restored]},
    )
    return customer
