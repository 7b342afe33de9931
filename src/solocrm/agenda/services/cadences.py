"""Writes for keep-in-touch cadences (per customer, or per tag for everyone with it)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from solocrm.agenda.models import Cadence
from solocrm.core.permissions import MEMBER, members_limited_to_own_records, require_write, role_of
from solocrm.core.services import model_create, model_delete, model_update
from solocrm.customers.models import Customer

CADENCE_FIELDS = ("interval_days", "note", "active")


def _require_cadence_write(by: Any, cadence: Cadence) -> None:
    if cadence.customer_id is not None:
        require_write(by, cadence.customer)
        return
    require_write(by)
    if role_of(by) == MEMBER and members_limited_to_own_records():
        raise PermissionDenied(_("A tag cadence concerns everyone's customers; ask an owner."))


def _check_interval(value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3660:
        raise ValidationError({"interval_days": [_("Give a number of days from 1 to 3660.")]})


@transaction.atomic
def cadence_create(
    *,
    by: Any,
    interval_days: int,
    customer: Customer | None = None,
    tag: Any = None,
    note: str = "",
) -> Cadence:
    if (customer is None) == (tag is None):
        raise ValidationError({"customer": [_("Choose a customer or a tag (one of them).")]})
    cadence = Cadence(customer=customer, tag=tag, interval_days=interval_days, note=note.strip())
    _require_cadence_write(by, cadence)
    _check_interval(interval_days)
    if customer is not None:
        if customer.deleted_at is not None:
            raise ValidationError({"customer": [_("This customer is in the trash.")]})
        if Cadence.objects.filter(customer=customer).exists():
            raise ValidationError(
                {
                    "customer": [
                        _("%(name)s already has a cadence; change it instead.")
                        % {"name": customer.name}
                    ]
                }
            )
    elif Cadence.objects.filter(tag=tag).exists():
        raise ValidationError(
            {
                "tag": [
                    _("The tag “%(name)s” already has a cadence; change it instead.")
                    % {"name": tag.name}
                ]
            }
        )
    return model_create(cadence)


@transaction.atomic
def cadence_update(
    *, cadence: Cadence, by: Any, data: dict[str, Any], expected_version: int | None = None
) -> Cadence:
    _require_cadence_write(by, cadence)
    unknown = set(data) - set(CADENCE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    if "interval_days" in data:
        _check_interval(data["interval_days"])
    if "note" in data:
        data = {**data, "note": (data["note"] or "").strip()}
    cadence, _changes = model_update(
        cadence, data=data, fields=CADENCE_FIELDS, expected_version=expected_version
    )
    return cadence


@transaction.atomic
def cadence_delete(*, cadence: Cadence, by: Any, expected_version: int | None = None) -> None:
    _require_cadence_write(by, cadence)
    model_delete(cadence, expected_version=expected_version)
