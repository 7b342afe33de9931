"""Writes for orders. Lines and the order's sums are written together, in one
transaction, from ``totals`` — the stored sums can never disagree with the lines (the
database re-checks ``total = subtotal − discount_total`` too)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from solocrm.core.audit import audit_record, diff, snapshot
from solocrm.core.permissions import require_write
from solocrm.customers.models import Customer
from solocrm.customers.selectors import customers_visible
from solocrm.sales.models import Order, OrderLine, Product
from solocrm.sales.services._base import full_clean_or_raise, is_working_user, lock_current, stamp
from solocrm.sales.services.currency import currency_clean, default_currency
from solocrm.sales.services.totals import ZERO, LineAmounts, line_amounts, money, order_amounts

ORDER_FIELDS = (
    "customer",
    "number",
    "ordered_at",
    "channel",
    "status",
    "currency",
    "refunded_amount",
    "notes",
    "owner",
)
QUANTITY_PLACES = Decimal("0.001")
LINE_FIELDS = ("product", "description", "quantity", "unit_price", "discount")


@dataclass(frozen=True)
class LineInput:
    """One line as a caller describes it. Without a unit price a product line takes the
    product's price; without a description it takes the product's name."""

    product: Product | None = None
    description: str = ""
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None
    discount: Decimal = ZERO


def _line_input(raw: LineInput | Mapping[str, Any]) -> LineInput:
    if isinstance(raw, LineInput):
        return raw
    unknown = set(raw) - set(LINE_FIELDS)
    if unknown:
        raise ValidationError({f"lines.{k}": [_("This field cannot be set.")] for k in unknown})
    return LineInput(**raw)


@dataclass(frozen=True, slots=True)
class BuiltLine:
    """A checked line with its amounts, before it becomes a row."""

    position: int
    product: Product | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    line_total: Decimal

    @property
    def product_id(self) -> int | None:
        return self.product.pk if self.product is not None else None


def _price_of(line: LineInput, currency: str, key: str, errors: dict) -> Decimal | None:
    if line.unit_price is not None or line.product is None:
        return line.unit_price
    if line.product.currency != currency:
        errors[f"{key}.unit_price"] = [
            _("%(product)s is priced in %(theirs)s, the order in %(ours)s; give a price.")
            % {"product": line.product.sku, "theirs": line.product.currency, "ours": currency}
        ]
        return None
    return line.product.unit_price


def lines_compute(
    raw_lines: Sequence[LineInput | Mapping[str, Any]], *, currency: str
) -> tuple[list[BuiltLine], list[LineAmounts], dict[str, list[str]]]:
    """Each line checked, priced and summed with ``totals``; the errors by ``lines.N``."""
    lines: list[BuiltLine] = []
    amounts: list[LineAmounts] = []
    errors: dict[str, list[str]] = {}
    if not raw_lines:
        errors["lines"] = [_("An order needs at least one line.")]
    for index, raw in enumerate(raw_lines):
        line = _line_input(raw)
        key = f"lines.{index}"
        description = " ".join((line.description or "").split())
        if line.product is not None:
            description = description or line.product.name
        known = len(errors)
        unit_price = _price_of(line, currency, key, errors)
        if len(errors) > known:  # a product priced in another currency
            continue
        if not description:
            errors[f"{key}.description"] = [_("Name a product or describe the line.")]
        if unit_price is None:
            errors[f"{key}.unit_price"] = [_("A line without a product needs a unit price.")]
            continue
        try:
            amount = line_amounts(
                quantity=Decimal(line.quantity),
                unit_price=Decimal(unit_price),
                discount=Decimal(line.discount or 0),
            )
        except ValueError as exc:
            errors[key] = [str(exc)]
            continue
        amounts.append(amount)
        lines.append(
            BuiltLine(
                position=index + 1,
                product=line.product,
                description=description[:300],
                quantity=Decimal(line.quantity).quantize(QUANTITY_PLACES),
                unit_price=money(Decimal(unit_price)),
                discount=amount.discount,
                line_total=amount.total,
            )
        )
    return lines, amounts, errors


def _lines_build(
    raw_lines: Sequence[LineInput | Mapping[str, Any]], *, currency: str
) -> tuple[list[OrderLine], list[LineAmounts], dict[str, list[str]]]:
    built, amounts, errors = lines_compute(raw_lines, currency=currency)
    lines = [
        OrderLine(
            position=line.position,
            product=line.product,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            line_total=line.line_total,
        )
        for line in built
    ]
    return lines, amounts, errors


def _refund_settle(order: Order, *, given: bool) -> dict[str, list[str]]:
    """Make ``refunded_amount`` agree with ``status``; the errors when it cannot."""
    status, refunded = order.status, money(Decimal(order.refunded_amount or ZERO))
    order.refunded_amount = refunded
    if status == Order.Status.REFUNDED:
        if not given or refunded == ZERO:
            order.refunded_amount = order.total
        elif refunded != order.total:
            return {"refunded_amount": [_("A refunded order is refunded in full.")]}
    elif status == Order.Status.PARTIALLY_REFUNDED:
        if not (ZERO < refunded < order.total):
            return {
                "refunded_amount": [
                    _("A partial refund is more than zero and less than the total (%s).")
                    % order.total
                ]
            }
    elif given and refunded != ZERO:
        return {"refunded_amount": [_("Only a refunded order has a refunded amount.")]}
    else:
        order.refunded_amount = money(ZERO)
    return {}


def _check_links(order: Order, by: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if order.customer_id is not None:
        customer = customers_visible(by).filter(pk=order.customer_id).first()
        if customer is None:
            errors["customer"] = [_("This customer does not exist or is in the trash.")]
    if order.owner_id is not None and not is_working_user(order.owner):
        errors["owner"] = [_("Choose an active owner or member.")]
    return errors


def _lines_snapshot(lines: Sequence[OrderLine | BuiltLine]) -> list[list[Any]]:
    return [
        [line.product_id, line.description, str(line.quantity), str(line.unit_price),
         str(line.discount), str(line.line_total)]
        for line in lines
    ]  # fmt: skip


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Times are stored in UTC; comparing them in UTC keeps "unchanged" unchanged."""
    return moment.astimezone(dt.UTC) if timezone.is_aware(moment) else moment


def order_number_new(at: dt.datetime | None = None) -> str:
    """A fresh order number like ``SO-20250630-3FA2C1``."""
    return f"SO-{(at or timezone.now()):%Y%m%d}-{secrets.token_hex(3).upper()}"


def _write_lines(order: Order, lines: list[OrderLine]) -> None:
    order.lines.all().delete()
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)


def _set_amounts(order: Order, amounts: list[LineAmounts]) -> None:
    totals = order_amounts(amounts)
    order.subtotal, order.discount_total, order.total = (
        totals.subtotal,
        totals.discount_total,
        totals.total,
    )


def require_order_write(by: Any, order: Order) -> None:
    """Viewers never write; a limited member writes the orders of customers they own (and
    orders without a customer that they own)."""
    require_write(by)
    customer = Customer.objects.filter(pk=order.customer_id).first() if order.customer_id else None
    if customer is not None:
        require_write(by, customer)
    else:
        require_write(by, order)


@transaction.atomic
def order_create(
    *,
    by: Any,
    customer: Customer | None,
    lines: Sequence[LineInput | Mapping[str, Any]],
    number: str = "",
    ordered_at: dt.datetime | None = None,
    currency: str | None = None,
    channel: str = Order.Channel.OTHER,
    status: str = Order.Status.PAID,
    refunded_amount: Decimal | None = None,
    notes: str = "",
    owner: Any = None,
) -> Order:
    """Create an order with its lines; the sums are computed here from the lines."""
    require_write(by)
    ordered_at = as_utc(ordered_at or timezone.now())
    order = Order(
        customer=customer,
        number=" ".join((number or "").split()) or order_number_new(ordered_at),
        ordered_at=ordered_at,
        currency=currency_clean(currency or default_currency()),
        channel=channel,
        status=status,
        refunded_amount=refunded_amount or ZERO,
        notes=notes,
        owner=owner if owner is not None else by,
    )
    require_order_write(by, order)
    built, amounts, errors = _lines_build(lines, currency=order.currency)
    _set_amounts(order, amounts)
    errors.update(_refund_settle(order, given=refunded_amount is not None))
    errors.update(_check_links(order, by))
    stamp(order, by, creating=True)
    full_clean_or_raise(order, errors)
    order.save(force_insert=True)
    _write_lines(order, built)
    values = {**snapshot(order), "lines": _lines_snapshot(built)}
    audit_record(
        "create",
        obj=order,
        changes={k: [None, v] for k, v in values.items() if v not in (None, "", [], {})},
    )
    return order


def _apply(order: Order, data: dict[str, Any]) -> None:
    unknown = set(data) - set(ORDER_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in sorted(unknown)})
    for name, value in data.items():
        if name == "number":
            value = " ".join(str(value or "").split())
        if name == "currency":
            value = currency_clean(value)
        if name == "ordered_at":
            value = as_utc(value)
        setattr(order, name, value)


@transaction.atomic
def order_update(
    *,
    order: Order,
    by: Any,
    data: dict[str, Any] | None = None,
    lines: Sequence[LineInput | Mapping[str, Any]] | None = None,
    expected_version: int | None = None,
) -> Order:
    """Change an order; ``lines`` (when given) replace its lines. Refused with
    ``StaleVersionError`` if the order changed since ``expected_version``."""
    require_order_write(by, order)
    order = lock_current(order, expected_version=expected_version)
    require_order_write(by, order)
    data = dict(data or {})
    before = {**snapshot(order), "lines": _lines_snapshot(list(order.lines.all()))}
    _apply(order, data)
    require_order_write(by, order)  # a limited member cannot move it to someone else's customer
    if lines is None:
        lines = [
            LineInput(
                product=line.product,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
            )
            for line in order.lines.select_related("product")
        ]
    built, amounts, errors = _lines_build(lines, currency=order.currency)
    _set_amounts(order, amounts)
    errors.update(_refund_settle(order, given="refunded_amount" in data))
    errors.update(_check_links(order, by))
    full_clean_or_raise(order, errors)
    after = {**snapshot(order), "lines": _lines_snapshot(built)}
    changes = diff(before, after)
    if not changes:
        return order
    stamp(order, by, creating=False)
    order.version += 1
    order.save()
    if "lines" in changes:
        _write_lines(order, built)
    audit_record("update", obj=order, changes=changes)
    return order


@transaction.atomic
def order_delete(*, order: Order, by: Any, expected_version: int | None = None) -> None:
    require_order_write(by, order)
    order = lock_current(order, expected_version=expected_version)
    values = {**snapshot(order), "lines": _lines_snapshot(list(order.lines.all()))}
    audit_record(
        "delete",
        obj=order,
        changes={k: [v, None] for k, v in values.items() if v not in (None, "", [], {})},
    )
    order.delete()
