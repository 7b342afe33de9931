"""Order arithmetic, in ``Decimal`` only: line totals and an order's sums.

A line's gross amount is ``quantity × unit_price`` rounded half-up to cents; its
discount is an amount (never more than the gross); its total is the difference. An
order's ``subtotal`` is the sum of gross amounts, ``discount_total`` the sum of the
discounts and ``total = subtotal − discount_total`` (so it is also the sum of the line
totals). Nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
SYMBOLS = ("¥", "￥", "$", "€", "£", "CNY", "RMB", "USD", "EUR", "元")
ZERO = Decimal("0")
THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
MAX_DIGITS = 12  # of the stored unit prices and quantities (``max_digits`` in the models)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _number(value: Any, what: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or value is None:
        raise ValueError(_("%s must be a number.") % what)
    text = str(value).strip()
    try:
        return Decimal(text)  # the usual case: a plain number
    except InvalidOperation:
        pass
    for symbol in SYMBOLS:
        text = text.replace(symbol, "")
    text = text.strip().replace("，", ",")
    if "," in text and not THOUSANDS.fullmatch(text):  # "12,50" is not twelve hundred
        text = "not a number"
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(
            _("“%(value)s” is not a number (%(what)s).") % {"value": value, "what": what}
        ) from None


def decimal_parse(value: Any, *, what: str, places: int = 2) -> Decimal:
    """``value`` as a finite Decimal with at most ``places`` decimals, or ValueError.
    Thousands separators (in groups of three digits: "1,250.00") and currency signs
    (¥ $ € £ 元 CNY …) are ignored."""
    number = _number(value, what)
    if not number.is_finite():
        raise ValueError(_("%s must be a number.") % what)
    if number and number.adjusted() >= MAX_DIGITS - places:  # 1e309 would pass as finite
        raise ValueError(_("%s is too large.") % what)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        exponent = number.normalize().as_tuple().exponent  # "1.500" has one decimal
        if isinstance(exponent, int) and -exponent > places:
            raise ValueError(
                _("%(what)s has more than %(places)d decimals.") % {"what": what, "places": places}
            )
    return number


@dataclass(frozen=True)
class LineAmounts:
    gross: Decimal
    discount: Decimal
    total: Decimal


def line_amounts(*, quantity: Decimal, unit_price: Decimal, discount: Decimal) -> LineAmounts:
    """The line's gross, discount and total; ValueError when they make no sense."""
    if quantity <= ZERO:
        raise ValueError(_("The quantity must be more than zero."))
    if unit_price < ZERO:
        raise ValueError(_("The unit price cannot be negative."))
    if discount < ZERO:
        raise ValueError(_("The discount cannot be negative."))
    gross = money(quantity * unit_price)
    discount = money(discount)
    if discount > gross:
        raise ValueError(
            _("The discount (%(discount)s) is more than the line's amount (%(gross)s).")
            % {"discount": discount, "gross": gross}
        )
    return LineAmounts(gross=gross, discount=discount, total=gross - discount)


@dataclass(frozen=True)
class OrderAmounts:
    subtotal: Decimal
    discount_total: Decimal
    total: Decimal


def order_amounts(lines: Iterable[LineAmounts]) -> OrderAmounts:
    subtotal = discount_total = ZERO
    for line in lines:
        subtotal += line.gross
        discount_total += line.discount
    return OrderAmounts(
        subtotal=money(subtotal),
        discount_total=money(discount_total),
        total=money(subtotal - discount_total),
    )
