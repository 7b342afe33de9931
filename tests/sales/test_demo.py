"""Demo sales data: deterministic, fast, repeat purchases with dropouts, deals in every stage."""

from __future__ import annotations

from collections import Counter

from solocrm.core.demo import demo_load
from solocrm.core.models import AuditEntry
from solocrm.customers.models import Customer
from solocrm.sales.models import Deal, DealStageChange, Order, OrderLine, Stage


def _fingerprint():
    return (
        list(
            Order.objects.order_by("ordered_at", "total").values_list(
                "ordered_at", "total", "status"
            )
        ),
        list(
            Deal.objects.order_by("title", "amount").values_list("title", "amount", "stage__name")
        ),
    )


def test_demo_sales_are_realistic_and_consistent(owner):
    counts = demo_load(customers=300, seed=7, owner=owner)
    assert counts["orders"] == Order.objects.count() > 500
    assert counts["order_lines"] == OrderLine.objects.count()
    per_customer = Counter(Order.objects.values_list("customer_id", flat=True))
    repeaters = sum(1 for n in per_customer.values() if n >= 3)
    one_timers = sum(1 for n in per_customer.values() if n == 1)
    assert repeaters > 30 and one_timers > 30
    assert len(per_customer) < 300  # some customers never buy
    for order in Order.objects.prefetch_related("lines")[:200]:
        assert order.total == sum(line.line_total for line in order.lines.all())
        assert order.total == order.subtotal - order.discount_total
    assert set(Order.objects.values_list("status", flat=True)) == {
        "paid", "refunded", "partially_refunded", "cancelled"
    }  # fmt: skip
    empty_stages = Stage.objects.exclude(pk__in=Deal.objects.values("stage"))
    assert not empty_stages.exists()
    for deal in Deal.objects.all()[:50]:
        path = list(deal.stage_changes.order_by("changed_at", "id"))
        assert path[0].from_stage is None and path[-1].to_stage_id == deal.stage_id
        assert (deal.closed_at is not None) == deal.stage.is_closed
    assert DealStageChange.objects.count() > Deal.objects.count()
    assert (
        AuditEntry.objects.get(object_repr="demo sales data").changes["orders"][1]
        == counts["orders"]
    )


def test_demo_sales_are_deterministic_for_a_seed(owner):
    demo_load(customers=60, seed=3, owner=owner)
    first = _fingerprint()
    Order.objects.all().delete()
    Deal.objects.all().delete()
    Customer.objects.all().delete()
    demo_load(customers=60, seed=3, owner=owner)  # products and pipelines are reused
    assert _fingerprint() == first
    assert first[0] and first[1]
