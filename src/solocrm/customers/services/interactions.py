"""Writes for the interaction timeline (notes, calls, emails, meetings, messages, visits).

Permission follows the customer: whoever may change a customer may log on their timeline.
Logging an interaction does not bump the customer's version (it is not an edit of them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.core.permissions import require_write
from solocrm.core.services import model_create, model_delete, model_update
from solocrm.customers.models import Customer, Interaction
from solocrm.customers.services._base import customer_search_text_refresh

INTERACTION_FIELDS = ("kind", "direction", "occurred_at", "subject", "body", "company")


def _check_customer(customer: Customer) -> None:
    if customer.deleted_at is not None:
        raise ValidationError(
            {"customer": [_("%s is in the trash; restore them first.") % customer.name]}
        )


def interaction_build(
    *,
    by: Any,
    customer: Customer,
    kind: str = Interaction.Kind.NOTE,
    occurred_at: dt.datetime | None = None,
    subject: str = "",
    body: str = "",
    direction: str = Interaction.Direction.NONE,
    company: Any = None,
    new: Callable[[], Interaction] = Interaction,
) -> Interaction:
    """The unsaved interaction ``interaction_create`` (or an import's batch, with its
    own ``new``: see ``blank_instances``) saves."""
    interaction = new()
    interaction.customer = customer
    interaction.company = company if company is not None else customer.company
    interaction.kind = kind
    interaction.direction = direction
    interaction.occurred_at = occurred_at or timezone.now()
    interaction.subject = " ".join(subject.split())
    interaction.body = body.strip()
    interaction.author = by
    return interaction


@transaction.atomic
def interaction_create(
    *,
    by: Any,
    customer: Customer,
    kind: str = Interaction.Kind.NOTE,
    occurred_at: dt.datetime | None = None,
    subject: str = "",
    body: str = "",
    direction: str = Interaction.Direction.NONE,
    company: Any = None,
) -> Interaction:
    require_write(by, customer, owner_field="owner")
    _check_customer(customer)
    interaction = interaction_build(
        by=by,
        customer=customer,
        kind=kind,
        occurred_at=occurred_at,
        subject=subject,
        body=body,
        direction=direction,
        company=company,
    )
    model_create(interaction)
    customer_search_text_refresh([customer.pk])
    return interaction


@transaction.atomic
def interaction_update(
    *,
    interaction: Interaction,
    by: Any,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Interaction:
    require_write(by, interaction.customer)
    _check_customer(interaction.customer)
    unknown = set(data) - set(INTERACTION_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    interaction, changes = model_update(
        interaction, data=data, fields=INTERACTION_FIELDS, expected_version=expected_version
    )
    if {"subject", "body"} & set(changes):
        customer_search_text_refresh([interaction.customer_id])
    return interaction


@transaction.atomic
def interaction_delete(
    *, interaction: Interaction, by: Any, expected_version: int | None = None
) -> None:
    """Delete an interaction for good (its content stays in the audit log)."""
    require_write(by, interaction.customer)
    customer_id = interaction.customer_id
    model_delete(interaction, expected_version=expected_version)
    customer_search_text_refresh([customer_id])
