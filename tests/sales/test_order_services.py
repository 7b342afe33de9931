"""Orders: totals computed from the lines, refunds, optimistic locking, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from solocrm.core.exceptions import StaleVersionError
from solocrm.core.models import AuditEntry
from solocrm.sales import services
from solocrm.sales.models import Order, OrderLine

D = Decimal


def test_order_totals_come_from_the_lines(make_customer, make_product, make_order):
    customer = make_customer()
    tea = make_product("12.50", name="Longjing tea", sku="TEA-1")
    order = make_order(
        customer,
        {"product": tea, "quantity": D(3)},
        {
            "description": "Gift wrap",
            "quantity": D("2.5"),
            "unit_price": D("0.99"),
            "discount": D("0.47"),
        },
        {"product": tea, "quantity": D(1), "unit_price": D("10.00"), "discount": D("10.00")},
        number="A-1",
    )
    order.refresh_from_db()
    assert (order.subtotal, order.discount_total, order.total) == (
        D("49.98"),
        D("10.47"),
        D("39.51"),
    )
    lines = list(order.lines.values_list("position", "description", "line_total"))
    assert lines == [
        (1, "Longjing tea", D("37.50")),
        (2, "Gift wrap", D("2.01")),
        (3, "Longjing tea", D("0.00")),
    ]
    assert order.currency == "CNY"
    assert order.status == Order.Status.PAID
    assert order.version == 1


def test_a_bad_line_is_named_and_nothing_is_written(make_customer, make_order):
    customer = make_customer()
    with pytest.raises(ValidationError) as caught:
        make_order(
            customer,
            {
                "description": "Tea",
                "quantity": D(1),
                "unit_price": D("5.00"),
                "discount": D("6.00"),
            },
            {"description": "", "quantity": D(0), "unit_price": D("1.00")},
        )
    errors = caught.value.message_dict
    assert sorted(errors) == ["lines.0", "lines.1", "lines.1.description"]
    assert errors["lines.0"] == ["The discount (6.00) is more than the line's amount (5.00)."]
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0


def test_an_order_needs_lines(make_customer):
    with pytest.raises(ValidationError) as caught:
        services.order_create(by=make_customer().owner, customer=make_customer("李娜"), lines=[])
    assert caught.value.message_dict["lines"] == ["An order needs at least one line."]


def test_a_product_in_another_currency_needs_a_price(make_customer, make_product, make_order):
    dollar = make_product("3.00", currency="usd")
    assert dollar.currency == "USD"
    with pytest.raises(ValidationError) as caught:
        make_order(make_customer(), {"product": dollar, "quantity": D(1)})
    assert list(caught.value.message_dict) == ["lines.0.unit_price"]


def test_refund_status_sets_or_checks_the_refunded_amount(make_customer, make_order):
    customer = make_customer()
    refunded = make_order(customer, status=Order.Status.REFUNDED)
    assert refunded.refunded_amount == D("25.00")
    assert refunded.net_total == D("0.00")
    partial = make_order(customer, status=Order.Status.PARTIALLY_REFUNDED, refunded_amount=D("5"))
    assert partial.net_total == D("20.00")
    with pytest.raises(ValidationError) as caught:
        make_order(customer, status=Order.Status.PARTIALLY_REFUNDED, refunded_amount=D("25"))
    assert list(caught.value.message_dict) == ["refunded_amount"]
    assert make_order(customer, status=Order.Status.CANCELLED).net_total == D(0)


def test_order_numbers_are_unique(make_customer, make_order):
    customer = make_customer()
    make_order(customer, number="N-1")
    with pytest.raises(ValidationError) as caught:
        make_order(customer, number="N-1")
    assert list(caught.value.message_dict) == ["number"]
    assert Order.objects.count() == 1


def test_update_replaces_lines_and_recomputes(owner, make_customer, make_order):
    order = make_order(make_customer(), number="U-1")
    updated = services.order_update(
        order=order,
        by=owner,
        data={"notes": "rush"},
        lines=[
            {"description": "Cups", "quantity": D(4), "unit_price": D("7.25"), "discount": D(1)}
        ],
        expected_version=1,
    )
    updated.refresh_from_db()
    assert (updated.subtotal, updated.discount_total, updated.total) == (
        D("29.00"),
        D("1.00"),
        D("28.00"),
    )
    assert updated.version == 2
    assert list(updated.lines.values_list("description", flat=True)) == ["Cups"]
    entry = AuditEntry.objects.filter(object_type="sales.order", action="update").get()
    assert sorted(entry.changes) == [
        "discount_total",
        "lines",
        "notes",
        "subtotal",
        "total",
    ]


def test_stale_order_edit_is_refused_and_changes_nothing(owner, make_customer, make_order):
    order = make_order(make_customer(), number="S-1")
    services.order_update(order=order, by=owner, data={"notes": "first"}, expected_version=1)
    with pytest.raises(StaleVersionError):
        services.order_update(order=order, by=owner, data={"notes": "second"}, expected_version=1)
    order.refresh_from_db()
    assert (order.notes, order.version) == ("first", 2)


def test_the_database_refuses_inconsistent_sums(make_customer, make_order):
    order = make_order(make_customer())
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(total=D("99.00"))
    order.refresh_from_db()
    assert order.total == D("25.00")


def test_viewer_cannot_create_and_limited_member_only_for_own_customers(
    viewer, member, owner, limit_members, make_customer, make_order
):
    theirs = make_customer("王芳")
    mine = make_customer("刘洋", by=member)
    with pytest.raises(PermissionDenied):
        make_order(theirs, by=viewer)
    with pytest.raises(PermissionDenied):
        make_order(theirs, by=member)
    order = make_order(mine, by=member)
    assert order.owner == member
    assert Order.objects.count() == 1


def test_delete_is_audited_with_the_lines(owner, make_customer, make_order):
    order = make_order(make_customer(), number="D-1")
    services.order_delete(order=order, by=owner, expected_version=1)
    entry = AuditEntry.objects.get(object_type="sales.order", action="delete")
    assert entry.changes["lines"][0] == [[None, "Tea", "1.000", "25.00", "0.00", "25.00"]]
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0
