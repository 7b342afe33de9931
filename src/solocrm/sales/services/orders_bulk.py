"""Creating many orders at once (imports): each draft is checked like ``order_create``
(the same line arithmetic, refund rules and permissions); the valid ones are inserted
together — orders, then their lines, then one audit entry each — in a few statements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.core.audit import json_value, snapshot
from solocrm.core.context import current_actor
from solocrm.core.models import AuditEntry
from solocrm.core.permissions import require_write
from solocrm.customers.models import Customer
from solocrm.sales.models import Order, OrderLine
from solocrm.sales.services._base import stamp
from solocrm.sales.services.currency import currency_clean, default_currency
from solocrm.sales.services.orders import (
    LineInput,
    _lines_build,
    _lines_snapshot,
    _refund_settle,
    _set_amounts,
    as_utc,
    order_number_new,
)
from solocrm.sales.services.totals import ZERO

BATCH = 500


@dataclass
class OrderDraft:
    customer: Customer | None
    number: str
    ordered_at: dt.datetime
    lines: Sequence[LineInput] = field(default_factory=list)
    currency: str | None = None
    channel: str = Order.Channel.OTHER
    status: str = Order.Status.PAID
    refunded_amount: Decimal | None = None
    notes: str = ""


def _built(draft: OrderDraft, by: Any, currency: str) -> tuple[Order, list[OrderLine]]:
    """The unsaved order and lines, or ValidationError/PermissionDenied."""
    customer = draft.customer
    if customer is not None:
        require_write(by, customer)
        if customer.deleted_at is not None:
            raise ValidationError({"customer": [_("This customer is in the trash.")]})
    order = Order(
        customer=customer,
        number=" ".join(draft.number.split()) or order_number_new(draft.ordered_at),
        ordered_at=as_utc(draft.ordered_at),
        currency=currency_clean(draft.currency) if draft.currency else currency,
        channel=draft.channel,
        status=draft.status,
        refunded_amount=draft.refunded_amount or ZERO,
        notes=draft.notes,
        owner=by,
    )
    lines, amounts, errors = _lines_build(draft.lines, currency=order.currency)
    _set_amounts(order, amounts)
    errors.update(_refund_settle(order, given=draft.refunded_amount is not None))
    stamp(order, by, creating=True)
    try:  # links were resolved by the caller; uniqueness is checked for all drafts at once
        order.full_clean(exclude=["customer", "owner", "created_by", "updated_by"],
                         validate_unique=False, validate_constraints=False)  # fmt: skip
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return order, lines


@transaction.atomic
def orders_create_many(
    *, by: Any, drafts: Sequence[OrderDraft]
) -> list[Order | ValidationError | PermissionDenied]:
    """Create the valid drafts; answer, per draft, its order or why it was refused."""
    require_write(by)
    currency = default_currency()
    results: list[Order | ValidationError | PermissionDenied] = []
    valid: list[tuple[int, Order, list[OrderLine]]] = []
    for index, draft in enumerate(drafts):
        try:
            order, lines = _built(draft, by, currency)
        except (ValidationError, PermissionDenied) as exc:
            results.append(exc)
            continue
        results.append(order)
        valid.append((index, order, lines))
    numbers = [order.number for _i, order, _l in valid]
    taken = set(Order.objects.filter(number__in=numbers).values_list("number", flat=True))
    seen: set[str] = set()
    kept = []
    for index, order, lines in valid:
        if order.number in taken or order.number in seen:
            message = _("Order with this Order number already exists.")
            results[index] = ValidationError({"number": [message]})
            continue
        seen.add(order.number)
        kept.append((order, lines))
    Order.objects.bulk_create([order for order, _lines in kept], batch_size=BATCH)
    all_lines = []
    for order, lines in kept:
        for line in lines:
            line.order = order
            all_lines.append(line)
    OrderLine.objects.bulk_create(all_lines, batch_size=BATCH)
    _audit_created(kept)
    return results


def _audit_created(kept: list[tuple[Order, list[OrderLine]]]) -> None:
    actor = current_actor()
    now = timezone.now()
    entries = []
    for order, lines in kept:
        values = {**snapshot(order), "lines": _lines_snapshot(lines)}
        entries.append(
            AuditEntry(
                time=now,
                actor_id=actor.user_id,
                actor_label=actor.label[:254],
                channel=actor.channel,
                request_id=actor.request_id,
                action="create",
                object_type="sales.order",
                object_id=str(order.pk),
                object_repr=str(order)[:200],
                changes=json_value(
                    {k: [None, v] for k, v in values.items() if v not in (None, "", [], {})}
                ),
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=BATCH)
