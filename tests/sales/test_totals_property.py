"""Order totals as a property: whatever the lines, the stored sums agree with them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solocrm.sales import services
from solocrm.sales.services.totals import line_amounts, money, order_amounts

quantities = st.decimals(min_value="0.001", max_value="9999", places=3)
prices = st.decimals(min_value="0", max_value="99999", places=2)
fractions = st.decimals(min_value="0", max_value="1", places=2)
lines = st.lists(st.tuples(quantities, prices, fractions), min_size=1, max_size=6)


@given(lines)
def test_sums_agree_with_the_lines(raw):
    amounts = []
    for quantity, price, share in raw:
        gross = money(quantity * price)
        amount = line_amounts(quantity=quantity, unit_price=price, discount=money(gross * share))
        assert amount.total == amount.gross - amount.discount >= 0
        amounts.append(amount)
    totals = order_amounts(amounts)
    assert totals.total == totals.subtotal - totals.discount_total
    assert totals.total == sum((a.total for a in amounts), Decimal(0))
    assert totals.subtotal == sum((money(q * p) for q, p, _s in raw), Decimal(0))


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines)
def test_stored_orders_agree_with_their_lines(owner, raw):
    order = services.order_create(
        by=owner,
        customer=None,
        lines=[
            {
                "description": "Item",
                "quantity": quantity,
                "unit_price": price,
                "discount": money(money(quantity * price) * share),
            }
            for quantity, price, share in raw
        ],
    )
    order.refresh_from_db()
    stored = list(order.lines.values_list("line_total", flat=True))
    assert order.total == sum(stored, Decimal(0))
    assert order.total == order.subtotal - order.discount_total
    assert order.subtotal == sum((money(q * p) for q, p, _s in raw), Decimal(0))
