"""Writes for companies: create, update (optimistic locking), trash and restore.

Trashing a company leaves its people alone (they keep the link until the trash is
emptied); renaming it refreshes their search text, since customers are found by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.core.audit import audit_record, diff
from solocrm.core.custom_fields import CustomFieldDefinition, custom_fields_validate
from solocrm.core.permissions import require_write
from solocrm.core.tags import Tag
from solocrm.customers.models import Company
from solocrm.customers.services._base import (
    audited_snapshot,
    clean_errors,
    customer_search_text_refresh,
    lock_current,
    raise_if,
    stamp,
)
from solocrm.customers.services.customer_checks import tags_resolve

COMPANY_FIELDS = ("name", "domain", "industry", "size", "address", "owner")


def _apply(company: Company, data: dict[str, Any]) -> None:
    unknown = set(data) - set(COMPANY_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    for name, value in data.items():
        if isinstance(value, str):
            value = " ".join(value.split())
        if name == "domain":
            value = value.lower().removeprefix("https://").removeprefix("http://").strip("/")
        if name == "owner" and isinstance(value, int):
            name = "owner_id"
        setattr(company, name, value)


def _validate(
    company: Company,
    custom_fields: dict[str, Any] | None,
    previous: dict[str, Any],
    *,
    new: bool,
    definitions: Sequence[CustomFieldDefinition] | None = None,
    known_users: Sequence[str] = (),
) -> None:
    """``definitions``: the company custom fields, when the caller loaded them already;
    ``known_users``: user links that hold the acting user (no need to look them up)."""
    errors = clean_errors(company, exclude=["custom_fields", *known_users])
    try:
        company.custom_fields = custom_fields_validate(
            target=CustomFieldDefinition.Target.COMPANY,
            values=custom_fields or {},
            previous=previous,
            require=new or custom_fields is not None,
            definitions=definitions,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    raise_if(errors)


def _tag_names(company: Company) -> list[str]:
    return sorted(company.tags.values_list("name", flat=True))


@transaction.atomic
def company_create(
    *,
    by: Any,
    name: str,
    data: dict[str, Any] | None = None,
    tags: Sequence[Tag | str] = (),
    custom_fields: dict[str, Any] | None = None,
) -> Company:
    require_write(by)
    company = Company()
    _apply(company, {"owner": by, **(data or {}), "name": name})
    require_write(by, company)
    stamp(company, by, creating=True)
    _validate(company, custom_fields, {}, new=True)
    company.save(force_insert=True)
    if tags:
        company.tags.set(tags_resolve(tags, by))
    after = audited_snapshot(company, tags=_tag_names(company))
    audit_record(
        "create",
        obj=company,
        changes={k: [None, v] for k, v in after.items() if v not in (None, "", [], {})},
    )
    return company


@transaction.atomic
def company_update(
    *,
    company: Company,
    by: Any,
    data: dict[str, Any] | None = None,
    tags: Sequence[Tag | str] | None = None,
    custom_fields: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Company:
    require_write(by, company)
    company = lock_current(company, expected_version=expected_version)
    require_write(by, company)
    if company.deleted_at is not None:
        raise ValidationError({"__all__": [_("This company is in the trash; restore it first.")]})
    before = audited_snapshot(company, tags=_tag_names(company))
    previous = dict(company.custom_fields)
    _apply(company, dict(data or {}))
    require_write(by, company)
    _validate(company, custom_fields, previous, new=False)
    if tags is not None:
        company.tags.set(tags_resolve(tags, by))
    changes = diff(before, audited_snapshot(company, tags=_tag_names(company)))
    if not changes:
        return company
    stamp(company, by, creating=False)
    company.version += 1
    company.save()
    if "name" in changes:
        customer_search_text_refresh(company.customers.values_list("pk", flat=True))
    audit_record("update", obj=company, changes=changes)
    return company


@transaction.atomic
def company_delete(*, company: Company, by: Any, expected_version: int | None = None) -> Company:
    """Move a company to the trash."""
    require_write(by, company)
    company = lock_current(company, expected_version=expected_version)
    require_write(by, company)
    if company.deleted_at is not None:
        return company
    company.deleted_at = timezone.now()
    company.version += 1
    stamp(company, by, creating=False)
    company.save(update_fields=["deleted_at", "version", "updated_by", "updated_at"])
    audit_record("delete", obj=company, changes={"deleted_at": [None, company.deleted_at]})
    return company


@transaction.atomic
def company_restore(*, company: Company, by: Any) -> Company:
    require_write(by, company)
    company = lock_current(company, expected_version=None)
    if company.deleted_at is None:
        return company
    trashed_at = company.deleted_at
    company.deleted_at = None
    company.version += 1
    stamp(company, by, creating=False)
    company.save(update_fields=["deleted_at", "version", "updated_by", "updated_at"])
    audit_record("restore", obj=company, changes={"deleted_at": [trashed_at, None]})
    return company
