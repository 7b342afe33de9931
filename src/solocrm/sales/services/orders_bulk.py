"""Creating many orders at once (imports): each draft is checked like ``order_create``
— the same line arithmetic (``lines_compute``), refund rules, field rules and
permissions — and the valid ones are inserted together: orders, their lines and one
audit entry each, with one ``executemany`` per table instead of a statement per row."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.core.context import current_actor
from solocrm.core.permissions import require_write
from solocrm.sales.models import Order
from solocrm.sales.services.currency import CODE, currency_clean, default_currency
from solocrm.sales.services.orders import (
    BuiltLine,
    LineInput,
    _refund_settle,
    _set_amounts,
    as_utc,
    lines_compute,
    order_number_new,
)
from solocrm.sales.services.totals import ZERO

CHUNK = 500
LARGEST = Decimal(10) ** 12  # max_digits 14, decimal_places 2
NUMBER = re.compile(r"\S")
CHANNELS = frozenset(Order.Channel.values)
STATUSES = frozenset(Order.Status.values)


@dataclass(slots=True)
class NewOrder:
    """An order about to be inserted: the attributes of ``Order`` the checks and the
    insert read (a model instance costs more to build than everything else here)."""

    customer_id: int | None
    number: str
    ordered_at: dt.datetime
    currency: str
    channel: str
    status: str
    refunded_amount: Decimal
    notes: str
    owner_id: int | None
    subtotal: Decimal = ZERO
    discount_total: Decimal = ZERO
    total: Decimal = ZERO
    pk: int | None = None
    created_by_id: int | None = None
    updated_by_id: int | None = None
    created_at: dt.datetime | None = None

    def __str__(self) -> str:
        return self.number


@dataclass
class OrderDraft:
    """``customer``: a ``Customer`` or anything with its ``pk``, ``owner_id`` and
    ``deleted_at`` (imports pass light references, not model instances)."""

    customer: Any
    number: str
    ordered_at: dt.datetime
    lines: Sequence[LineInput] = field(default_factory=list)
    currency: str | None = None
    channel: str = Order.Channel.OTHER
    status: str = Order.Status.PAID
    refunded_amount: Decimal | None = None
    notes: str = ""


def _fields_check(order: NewOrder) -> dict[str, list[str]]:
    """The field rules ``full_clean`` applies to an order, written out (no per-field
    machinery): lengths, choices, currency code and the amounts' size."""
    errors: dict[str, list[str]] = {}
    if not NUMBER.search(order.number) or len(order.number) > 64:
        errors["number"] = [_("An order number has 1 to 64 characters.")]
    if order.channel not in CHANNELS:
        errors["channel"] = [_("“%s” is not a channel.") % order.channel]
    if order.status not in STATUSES:
        errors["status"] = [_("“%s” is not an order status.") % order.status]
    if not CODE.match(order.currency or ""):
        errors["currency"] = [_("Use a three-letter currency code like CNY.")]
    if max(order.subtotal, order.total, order.refunded_amount) >= LARGEST:
        errors["total"] = [_("The order's amount is too large.")]
    return errors


def _built(draft: OrderDraft, by: Any, currency: str) -> tuple[NewOrder, list[BuiltLine]]:
    """The unsaved order and its lines, or ValidationError/PermissionDenied."""
    customer = draft.customer
    if customer is not None:
        require_write(by, customer)
        if customer.deleted_at is not None:
            raise ValidationError({"customer": [_("This customer is in the trash.")]})
    order = NewOrder(
        customer_id=customer.pk if customer is not None else None,
        number=" ".join(draft.number.split()) or order_number_new(draft.ordered_at),
        ordered_at=as_utc(draft.ordered_at),
        currency=currency_clean(draft.currency) if draft.currency else currency,
        channel=draft.channel,
        status=draft.status,
        refunded_amount=draft.refunded_amount or ZERO,
        notes=draft.notes,
        owner_id=getattr(by, "pk", None),
    )
    lines, amounts, errors = lines_compute(draft.lines, currency=order.currency)
    _set_amounts(order, amounts)  # type: ignore[arg-type] - reads and sets the same names
    errors.update(_refund_settle(order, given=draft.refunded_amount is not None))  # type: ignore[arg-type]
    errors.update(_fields_check(order))
    if errors:
        raise ValidationError(errors)
    return order, lines


@transaction.atomic
def orders_create_many(
    *, by: Any, drafts: Sequence[OrderDraft]
) -> list[NewOrder | ValidationError | PermissionDenied]:
    """Create the valid drafts; answer, per draft, the created order (its ``pk`` set) or
    why it was refused."""
    require_write(by)
    currency = default_currency()
    results: list[NewOrder | ValidationError | PermissionDenied] = []
    valid: list[tuple[int, NewOrder, list[BuiltLine]]] = []
    for index, draft in enumerate(drafts):
        try:
            order, lines = _built(draft, by, currency)
        except (ValidationError, PermissionDenied) as exc:
            results.append(exc)
            continue
        results.append(order)
        valid.append((index, order, lines))
    taken = _numbers_taken([order.number for _i, order, _l in valid])
    kept: list[tuple[NewOrder, list[BuiltLine]]] = []
    for index, order, lines in valid:
        if order.number in taken:
            message = _("Order with this Order number already exists.")
            results[index] = ValidationError({"number": [message]})
            continue
        taken[order.number] = 0
        kept.append((order, lines))
    _insert(kept, by)
    return results


def rows_where_in(
    model: type[models.Model], key: str, fields: Sequence[str], values: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """``model``'s rows (the raw column values of ``fields``) whose ``key`` is one of
    ``values``, in chunks; plain SQL because the ORM prepares each value of a long IN
    list one by one. No conversion: datetimes come back as the driver gives them."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(f).column) for f in fields)
    where = quote(meta.get_field(key).column)
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), CHUNK):
            chunk = list(values[start : start + CHUNK])
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {where} IN ({marks})",  # noqa: S608 - the model's own names
                chunk,
            )
            found.extend(cursor.fetchall())
    return found


def _numbers_taken(numbers: list[str]) -> dict[str, int]:
    return dict(rows_where_in(Order, "number", ("number", "id"), numbers))  # type: ignore[arg-type]


def _executemany(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)  # noqa: S608


def _insert(kept: list[tuple[NewOrder, list[BuiltLine]]], by: Any) -> None:
    """Orders, then (with their new ids) lines and audit entries: three executemany."""
    if not kept:
        return
    ops = connection.ops
    moment = timezone.now()
    now = ops.adapt_datetimefield_value(moment)
    user_id = getattr(by, "pk", None)
    _executemany(
        "sales_order",
        ("customer_id", "number", "ordered_at", "channel", "status", "currency", "subtotal",
         "discount_total", "total", "refunded_amount", "notes", "owner_id", "created_at",
         "updated_at", "created_by_id", "updated_by_id", "version"),
        [
            (o.customer_id, o.number, ops.adapt_datetimefield_value(o.ordered_at), o.channel,
             o.status, o.currency, o.subtotal, o.discount_total, o.total, o.refunded_amount,
             o.notes, user_id, now, now, user_id, user_id, 1)
            for o, _lines in kept
        ],
    )  # fmt: skip
    ids = _numbers_taken([order.number for order, _lines in kept])
    for order, _lines in kept:
        order.pk = ids[order.number]
        order.created_at = moment
        order.created_by_id = order.updated_by_id = user_id
    _executemany(
        "sales_orderline",
        ("order_id", "position", "product_id", "description", "quantity", "unit_price",
         "discount", "line_total"),
        [
            (order.pk, line.position, line.product_id, line.description, line.quantity,
             line.unit_price, line.discount, line.line_total)
            for order, lines in kept
            for line in lines
        ],
    )  # fmt: skip
    _audit_created(kept, now)


_quoted = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) uses


def _json(value: Any) -> str:
    if type(value) is str:
        return _quoted(value)
    if value is None:
        return "null"
    if type(value) is int:
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _optional(key: str, value: Any) -> str:
    return "" if value is None or value == "" else f'"{key}": [null, {_json(value)}], '


def _audit_json(order: NewOrder, lines: list[BuiltLine], created_at: str | None = None) -> str:
    """What ``order_create`` audits — every non-empty field as [None, value], and the
    lines — as the JSON text ``json.dumps(changes, ensure_ascii=False)`` would give,
    written out from the few value types an order has (the generic encoder and the
    generic snapshot were most of the audit's cost). ``created_at``: the order's
    ``created_at.isoformat()`` when the caller has it already (a batch shares it)."""
    if created_at is None and order.created_at is not None:
        created_at = order.created_at.isoformat()
    q = _quoted
    text = (
        "{" + _optional("customer_id", order.customer_id)
        + f'"number": [null, {q(order.number)}], '
        f'"ordered_at": [null, {q(order.ordered_at.isoformat())}], '
        f'"channel": [null, {q(order.channel)}], "status": [null, {q(order.status)}], '
        f'"currency": [null, {q(order.currency)}], "subtotal": [null, "{order.subtotal}"], '
        f'"discount_total": [null, "{order.discount_total}"], '
        f'"total": [null, "{order.total}"], '
        f'"refunded_amount": [null, "{order.refunded_amount}"], '
        + _optional("notes", order.notes) + _optional("owner_id", order.owner_id)
        + _optional("created_by_id", order.created_by_id)
        + _optional("updated_by_id", order.updated_by_id) + _optional("id", order.pk)
        + _optional("created_at", created_at)
    )  # fmt: skip
    if lines:
        snapshot = ", ".join(
            f'[{_json(line.product_id)}, {q(line.description)}, "{line.quantity}", '
            f'"{line.unit_price}", "{line.discount}", "{line.line_total}"]'
            for line in lines
        )
        text += f'"lines": [null, [{snapshot}]], '
    return text[:-2] + "}"


def _audit_created(kept: list[tuple[NewOrder, list[BuiltLine]]], now: Any) -> None:
    actor = current_actor()
    moment = kept[0][0].created_at
    created_at = moment.isoformat() if moment is not None else None
    rows = [
        (now, actor.user_id, actor.label[:254], actor.channel, actor.request_id, "create",
         "sales.order", str(order.pk), str(order)[:200],
         _audit_json(order, lines, created_at))
        for order, lines in kept
    ]  # fmt: skip
    _executemany(
        "core_auditentry",
        ("time", "actor_id", "actor_label", "channel", "request_id", "action", "object_type",
         "object_id", "object_repr", "changes"),
        rows,
    )  # fmt: skip
