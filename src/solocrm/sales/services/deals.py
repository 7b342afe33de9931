"""Writes for deals: create, update, move between stages (optimistic locking), delete.

Every stage change is kept as a ``DealStageChange`` (the first one, from no stage, is
the deal's creation). Entering a won or lost stage sets ``closed_at``; leaving it for an
open stage clears ``closed_at`` (and the lost reason).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.core.audit import audit_record, diff, snapshot
from solocrm.core.permissions import require_write
from solocrm.core.services import model_delete
from solocrm.customers.selectors import companies_visible, customers_visible
from solocrm.sales.models import Deal, DealStageChange, Order, Pipeline, Stage
from solocrm.sales.services._base import full_clean_or_raise, is_working_user, lock_current, stamp
from solocrm.sales.services.currency import currency_clean, default_currency
from solocrm.sales.services.orders import LineInput, order_create

DEAL_FIELDS = (
    "title",
    "customer",
    "company",
    "amount",
    "currency",
    "expected_close_date",
    "owner",
    "source",
    "next_step",
    "lost_reason",
    "notes",
)


def _apply(deal: Deal, data: dict[str, Any]) -> None:
    unknown = set(data) - set(DEAL_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in sorted(unknown)})
    for name, value in data.items():
        if name in ("title", "source", "next_step", "lost_reason") and isinstance(value, str):
            value = " ".join(value.split())
        if name == "currency":
            value = currency_clean(value)
        setattr(deal, name, value)


def _check_links(deal: Deal, by: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if deal.customer_id is not None and not customers_visible(by).filter(pk=deal.customer_id):
        errors["customer"] = [_("This customer does not exist or is in the trash.")]
    if deal.company_id is not None and not companies_visible(by).filter(pk=deal.company_id):
        errors["company"] = [_("This company does not exist or is in the trash.")]
    if deal.owner_id is not None and not is_working_user(deal.owner):
        errors["owner"] = [_("Choose an active owner or member.")]
    if deal.stage_id is not None and deal.stage.pipeline_id != deal.pipeline_id:
        errors["stage"] = [_("The stage belongs to another pipeline.")]
    return errors


def _default_pipeline() -> Pipeline:
    pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()
    if pipeline is None:
        raise ValidationError({"pipeline": [_("Make a pipeline first.")]})
    return pipeline


def _first_open_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(is_won=False, is_lost=False).order_by("position", "id").first()
    if stage is None:
        raise ValidationError({"stage": [_("This pipeline has no open stage.")]})
    return stage


@transaction.atomic
def deal_create(
    *,
    by: Any,
    title: str,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    amount: Decimal = Decimal(0),
    currency: str | None = None,
    data: dict[str, Any] | None = None,
) -> Deal:
    """Create a deal in ``stage`` (default: the first open stage of ``pipeline``, default:
    the default pipeline). ``data`` holds other ``DEAL_FIELDS``; the owner defaults to ``by``."""
    require_write(by)
    if stage is not None:
        pipeline = stage.pipeline
    pipeline = pipeline or _default_pipeline()
    stage = stage or _first_open_stage(pipeline)
    now = timezone.now()
    deal = Deal(pipeline=pipeline, stage=stage, stage_changed_at=now)
    _apply(
        deal,
        {
            "owner": by,
            **(data or {}),
            "title": title,
            "amount": amount,
            "currency": currency or default_currency(),
        },
    )
    require_write(by, deal)  # a limited member creates deals they own
    if stage.is_closed:
        deal.closed_at = now
    stamp(deal, by, creating=True)
    full_clean_or_raise(deal, _check_links(deal, by))
    deal.save(force_insert=True)
    DealStageChange.objects.create(deal=deal, from_stage=None, to_stage=stage, changed_at=now,
                                   changed_by=by if getattr(by, "pk", None) else None)  # fmt: skip
    audit_record(
        "create",
        obj=deal,
        changes={k: [None, v] for k, v in snapshot(deal).items() if v not in (None, "", [], {})},
    )
    return deal


@transaction.atomic
def deal_update(
    *, deal: Deal, by: Any, data: dict[str, Any], expected_version: int | None = None
) -> Deal:
    """Change a deal's fields (not its stage: see ``deal_move_to_stage``)."""
    require_write(by, deal)
    deal = lock_current(deal, expected_version=expected_version)
    require_write(by, deal)
    before = snapshot(deal)
    _apply(deal, data)
    require_write(by, deal)  # a limited member cannot hand the deal to someone else
    full_clean_or_raise(deal, _check_links(deal, by))
    changes = diff(before, snapshot(deal))
    if not changes:
        return deal
    stamp(deal, by, creating=False)
    deal.version += 1
    deal.save()
    audit_record("update", obj=deal, changes=changes)
    return deal


def _won_order(deal: Deal, by: Any, at: dt.datetime, number: str) -> Order:
    if deal.customer_id is None:
        raise ValidationError({"create_order": [_("Link the deal to a customer first.")]})
    if deal.amount <= 0:
        raise ValidationError({"create_order": [_("The deal has no amount to order.")]})
    return order_create(
        by=by,
        customer=deal.customer,
        number=number,
        ordered_at=at,
        currency=deal.currency,
        channel=Order.Channel.SALES,
        status=Order.Status.PAID,
        lines=[LineInput(description=deal.title, quantity=Decimal(1), unit_price=deal.amount)],
        notes=_("From the won deal “%s”.") % deal.title,
        owner=deal.owner,
    )


@transaction.atomic
def deal_move_to_stage(
    *,
    deal: Deal,
    stage: Stage,
    expected_version: int,
    by: Any,
    lost_reason: str | None = None,
    create_order: bool = False,
    order_number: str = "",
    at: dt.datetime | None = None,
) -> Deal:
    """Move ``deal`` to ``stage`` (in its pipeline or another one) and keep the change.

    Refused with ``StaleVersionError`` when someone changed the deal since
    ``expected_version``: two people moving the same deal cannot overwrite each other.
    ``create_order`` on a move into a won stage also creates the order (one line, the
    deal's title and amount) and links it to the deal.
    """
    require_write(by, deal)
    deal = lock_current(deal, expected_version=expected_version)
    require_write(by, deal)
    stage = Stage.objects.select_related("pipeline").get(pk=stage.pk)
    if stage.pipeline.archived:
        raise ValidationError({"stage": [_("This pipeline is archived.")]})
    if create_order and not stage.is_won:
        raise ValidationError({"create_order": [_("Only winning a deal creates an order.")]})
    if stage.pk == deal.stage_id and lost_reason is None and not create_order:
        return deal
    now = at or timezone.now()
    before = snapshot(deal)
    from_stage_id = deal.stage_id
    deal.stage, deal.pipeline = stage, stage.pipeline
    if stage.pk != from_stage_id:
        deal.stage_changed_at = now
    if stage.is_closed and (deal.closed_at is None or stage.pk != from_stage_id):
        deal.closed_at = now
    if not stage.is_closed:
        deal.closed_at = None
    if stage.is_lost:
        deal.lost_reason = " ".join((lost_reason or deal.lost_reason or "").split())[:200]
    else:
        deal.lost_reason = ""
    if create_order and deal.order_id is None:
        deal.order = _won_order(deal, by, now, order_number)
    full_clean_or_raise(deal)
    changes = diff(before, snapshot(deal))
    if not changes:
        return deal
    stamp(deal, by, creating=False)
    deal.version += 1
    deal.save()
    if stage.pk != from_stage_id:
        DealStageChange.objects.create(deal=deal, from_stage_id=from_stage_id, to_stage=stage,
                                       changed_at=now, changed_by=by)  # fmt: skip
    audit_record("update", obj=deal, changes=changes)
    return deal


@transaction.atomic
def deal_delete(*, deal: Deal, by: Any, expected_version: int | None = None) -> None:
    require_write(by, deal)
    model_delete(deal, expected_version=expected_version)
