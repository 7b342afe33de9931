"""Parsing the cells of sales files: money, quantities, currencies, order times, channels
and statuses (names in English or Chinese). Text, dates, yes/no and lists of emails and
phones are parsed by the customers' import (``values``)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solocrm.customers.importing.values import cell_text, choice_parse, date_parse
from solocrm.sales.models import Order
from solocrm.sales.services.currency import currency_clean
from solocrm.sales.services.totals import decimal_parse

# Plain amounts that ``decimal_parse`` would take as they are (digits, at most the
# allowed decimals, far from the size limit): read with ``Decimal`` directly.
PLAIN_MONEY = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,2})?")
PLAIN_QUANTITY = re.compile(r"[0-9]{1,8}(?:\.[0-9]{1,3})?")
TIME = re.compile(r"(?:^|[\sT])(\d{1,2}):(\d{2})(?::(\d{2}))?")
EXTRA_NAMES = {
    "order_status": {
        "已支付": "paid", "已付款": "paid", "支付": "paid", "completed": "paid", "complete": "paid",
        "已完成": "paid", "完成": "paid", "交易成功": "paid",
        "退款": "refunded", "已退款": "refunded", "全额退款": "refunded",
        "部分退款": "partially_refunded", "partial refund": "partially_refunded",
        "partially refunded": "partially_refunded",
        "取消": "cancelled", "已取消": "cancelled", "canceled": "cancelled",
        "交易关闭": "cancelled",
    },
    "channel": {
        "网店": "online", "线上": "online", "官网": "online", "web": "online", "website": "online",
        "shop": "online", "淘宝": "marketplace", "天猫": "marketplace", "京东": "marketplace",
        "拼多多": "marketplace", "门店": "store", "店铺": "store", "线下": "store",
        "电话": "phone", "微信": "wechat", "小程序": "wechat", "销售": "sales", "其他": "other",
    },
}  # fmt: skip
CHOICES: dict[str, type[models.TextChoices]] = {
    "order_status": Order.Status,
    "channel": Order.Channel,
}


@functools.cache
def choice_names(kind: str) -> dict[str, str]:
    """Every name a cell may use for the choice: values, labels in both languages, extras."""
    choices = CHOICES[kind]
    names: dict[str, str] = {}
    for value, label in zip(choices.values, choices.labels, strict=True):
        names[str(value).casefold()] = value
        names[str(value).replace("_", " ").casefold()] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                names[str(label).casefold()] = value
    names.update({k.casefold(): v for k, v in EXTRA_NAMES.get(kind, {}).items()})
    return names


def datetime_parse(value: Any, *, date_order: str, tz: dt.tzinfo | None = None) -> dt.datetime:
    """An order time: a spreadsheet date-time, ISO 8601, or any date form the customers'
    import reads followed by an optional ``HH:MM[:SS]``; naive times are local (``tz``,
    default the current time zone)."""
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        text = cell_text(value)
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            day = date_parse(value, date_order=date_order)
            match = TIME.search(text)
            hour, minute, second = (int(g or 0) for g in match.groups()) if match else (0, 0, 0)
            try:
                parsed = dt.datetime.combine(day, dt.time(hour, minute, second))
            except ValueError:
                raise ValueError(_("“%s” is not a real time of day.") % text) from None
    if parsed.tzinfo is None:
        parsed = timezone.make_aware(parsed, tz or timezone.get_current_timezone())
    return parsed


def cell_parse(
    kind: str,
    raw: Any,
    *,
    date_order: str,
    what: str,
    text: str | None = None,
    tz: dt.tzinfo | None = None,
) -> Any:
    """The value of one non-empty cell, or ValueError saying what is wrong with it.
    ``text`` is the cell as text when the caller has it already."""
    text = cell_text(raw) if text is None else text
    if kind == "money":
        if type(raw) is str and PLAIN_MONEY.fullmatch(text):
            return Decimal(text)
        number = decimal_parse(raw if not isinstance(raw, str) else text, what=what)
        if number < 0:
            raise ValueError(_("%s cannot be negative.") % what)
        return number
    if kind == "quantity":
        if type(raw) is str and PLAIN_QUANTITY.fullmatch(text):
            number = Decimal(text)
            if not number:
                raise ValueError(_("The quantity must be more than zero."))
            return number
        number = decimal_parse(raw if not isinstance(raw, str) else text, what=what, places=3)
        if number <= 0:
            raise ValueError(_("The quantity must be more than zero."))
        return number
    if kind == "currency":
        try:
            return currency_clean(text)
        except ValidationError as exc:
            raise ValueError(exc.message_dict["currency"][0]) from None
    if kind == "datetime":
        return datetime_parse(
            raw if not isinstance(raw, str) else text, date_order=date_order, tz=tz
        )
    if kind in CHOICES:
        names = choice_names(kind)
        folded = text.casefold()
        if folded in names:
            return names[folded]
        return choice_parse(text, choices=names, what=what)
    return text
