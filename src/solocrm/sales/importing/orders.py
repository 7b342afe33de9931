"""Grouping order rows into orders, and an order's values from its rows (no writes).

Rows with the same order number are one order: one row per line, or one row per order
(then the order total, when there is no line detail, becomes a single line). Order-level
cells (time, customer, channel, status …) may repeat on every row or be left empty after
the first, but rows of one order must not disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from solocrm.customers.importing.mapping import ColumnMap
from solocrm.customers.importing.prepare import PreparedRow
from solocrm.sales.importing.engine import Unit
from solocrm.sales.importing.fields import LINE_LEVEL, ORDER_LEVEL

ORDER_KEYS = frozenset(ORDER_LEVEL)
LINE_KEYS = frozenset(LINE_LEVEL)


@dataclass
class OrderPlan:
    """What the rows of one order say: its fields and its lines (with their rows)."""

    number: str
    values: dict[str, Any] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)
    line_rows: list[PreparedRow] = field(default_factory=list)


def order_units(rows: Sequence[PreparedRow]) -> list[Unit]:
    """Rows grouped by order number, in the order each number first appears."""
    units: dict[str, Unit] = {}
    ordered: list[Unit] = []
    for row in rows:
        number = " ".join(str(row.values.get("number", "")).split())
        if not number:
            row.reject(_("Order number"), "", _("An order number is required."))
            ordered.append(Unit(key=f"line {row.line}", rows=[row]))
            continue
        if number not in units:
            units[number] = Unit(key=number)
            ordered.append(units[number])
        units[number].rows.append(row)
    return ordered


def order_plan(unit: Unit, column_map: ColumnMap) -> OrderPlan | None:
    """The order's values and lines; None (with the problems on the rows) when the rows
    disagree or give no line."""
    plan = OrderPlan(number=unit.key)
    first_line: dict[str, int] = {}
    for row in unit.rows:
        if ORDER_KEYS.isdisjoint(row.values):  # a line's own row: nothing order-level
            keys: tuple[str, ...] = ()
        else:
            keys = ORDER_LEVEL
        for key in keys:
            if key not in row.values:
                continue
            value = row.values[key]
            if key not in plan.values:
                plan.values[key], first_line[key] = value, row.line
                if key == "customer_phone_e164":
                    plan.values["customer_phone"] = row.values["customer_phone"]
            elif plan.values[key] != value:
                row.reject(
                    column_map.header_for(key.removesuffix("_e164")),
                    row.cells.get(key.removesuffix("_e164"), ""),
                    _("Line %(line)d of this order says “%(first)s”; the rows of one order "
                      "must agree.") % {"line": first_line[key],
                                         "first": _shown(plan.values[key])},
                )  # fmt: skip
        if not LINE_KEYS.isdisjoint(row.values):
            plan.lines.append({key: row.values[key] for key in LINE_LEVEL if key in row.values})
            plan.line_rows.append(row)
    if not plan.lines and "total" in plan.values:
        row = unit.rows[0]
        plan.lines.append({"description": _("Order %s") % plan.number,
                           "unit_price": plan.values["total"]})  # fmt: skip
        plan.line_rows.append(row)
    if not plan.lines:
        unit.rows[0].reject(
            column_map.header_for("unit_price"), "",
            _("Give the line (a SKU or a unit price) or the order total."),
        )  # fmt: skip
    return None if unit.rejected else plan


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return f"{value}"
    return str(value)
