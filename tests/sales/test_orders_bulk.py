"""``orders_create_many``: the import's bulk path checks each draft like ``order_create``."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from solocrm.core.context import acting_as
from solocrm.core.models import AuditEntry
from solocrm.sales.models import Order, OrderLine
from solocrm.sales.services import LineInput
from solocrm.sales.services.orders_bulk import OrderDraft, orders_create_many

T = dt.datetime(2025, 5, 1, 8, 0, tzinfo=dt.UTC)
TEA = [LineInput(description="Tea", quantity=Decimal(2), unit_price=Decimal("9.99"))]


def test_valid_drafts_are_inserted_with_lines_and_one_audit_entry_each(owner, make_customer):
    customer = make_customer()
    with acting_as(owner, "cli"):
        results = orders_create_many(
            by=owner,
            drafts=[
                OrderDraft(customer=customer, number="B-1", ordered_at=T, lines=TEA),
                OrderDraft(
                    customer=customer, number="B-2", ordered_at=T, lines=TEA, status="shipped"
                ),
                OrderDraft(customer=customer, number="B-1", ordered_at=T, lines=TEA),
                OrderDraft(customer=customer, number="B-3", ordered_at=T, lines=[]),
            ],
        )
    assert results[0].pk == Order.objects.get().pk
    assert [sorted(r.message_dict) for r in results[1:]] == [["status"], ["number"], ["lines"]]
    order = Order.objects.get()
    assert (order.number, order.total, order.customer, order.owner, order.version) == (
        "B-1", Decimal("19.98"), customer, owner, 1)  # fmt: skip
    assert OrderLine.objects.get().line_total == Decimal("19.98")
    entry = AuditEntry.objects.get(object_type="sales.order", action="create")
    assert (entry.object_id, entry.actor_id, entry.channel) == (str(order.pk), owner.pk, "cli")
    assert entry.changes["total"] == [None, "19.98"]
    assert entry.changes["lines"] == [None, [[None, "Tea", "2.000", "9.99", "0.00", "19.98"]]]


def test_limited_member_drafts_for_others_are_refused(member, owner, limit_members, make_customer):
    theirs = make_customer("王芳")
    mine = make_customer("刘洋", by=member)
    results = orders_create_many(
        by=member,
        drafts=[
            OrderDraft(customer=theirs, number="X-1", ordered_at=T, lines=TEA),
            OrderDraft(customer=mine, number="X-2", ordered_at=T, lines=TEA),
        ],
    )
    assert isinstance(results[0], PermissionDenied)
    assert list(Order.objects.values_list("number", flat=True)) == ["X-2"]


def test_a_viewer_creates_nothing(viewer, make_customer):
    customer = make_customer()
    with pytest.raises(PermissionDenied):
        orders_create_many(
            by=viewer, drafts=[OrderDraft(customer=customer, number="V", ordered_at=T, lines=TEA)]
        )
    assert Order.objects.count() == 0


def test_the_audit_text_is_what_the_generic_json_encoder_gives():
    """The hand-written audit JSON equals ``json.dumps`` of the generic snapshot, for text
    with quotes, backslashes, control characters and Chinese."""
    from types import SimpleNamespace

    from solocrm.sales.services.orders import BuiltLine, _lines_snapshot
    from solocrm.sales.services.orders_bulk import NewOrder, _audit_json

    tricky = 'Tea "green"\\ 绿茶\n\t\x01 ✓'
    order = NewOrder(
        customer_id=12, number='N"1\\', ordered_at=T, currency="CNY", channel="online",
        status="paid", refunded_amount=Decimal("0.00"), notes=tricky, owner_id=None,
        subtotal=Decimal("19.98"), discount_total=Decimal("0.00"), total=Decimal("19.98"),
        pk=99, created_by_id=3, updated_by_id=3, created_at=T,
    )  # fmt: skip
    lines = [
        BuiltLine(1, SimpleNamespace(pk=7), tricky, Decimal("2.000"), Decimal("9.99"),
                  Decimal("0.00"), Decimal("19.98")),
        BuiltLine(2, None, "x", Decimal("1.000"), Decimal("0.00"), Decimal("0.00"),
                  Decimal("0.00")),
    ]  # fmt: skip
    values = {
        "customer_id": 12, "number": 'N"1\\', "ordered_at": T.isoformat(), "channel": "online",
        "status": "paid", "currency": "CNY", "subtotal": "19.98", "discount_total": "0.00",
        "total": "19.98", "refunded_amount": "0.00", "notes": tricky, "owner_id": None,
        "created_by_id": 3, "updated_by_id": 3, "id": 99, "created_at": T.isoformat(),
        "lines": _lines_snapshot(lines),
    }  # fmt: skip
    expected = {k: [None, v] for k, v in values.items() if v not in (None, "", [], {})}
    assert _audit_json(order, lines) == json.dumps(expected, ensure_ascii=False)
    order.notes, order.customer_id = "", None
    del expected["notes"], expected["customer_id"], expected["lines"]
    assert _audit_json(order, []) == json.dumps(expected, ensure_ascii=False)
