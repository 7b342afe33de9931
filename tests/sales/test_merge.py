"""Merging customers moves their orders and deals to the survivor, and undo moves them back."""

from __future__ import annotations

from solocrm.customers.merge import customer_merge, customer_merge_undo
from solocrm.sales.models import Deal, Order
from solocrm.sales.selectors.orders import customer_purchase_summary


def test_merge_moves_orders_and_deals_and_undo_moves_them_back(
    owner, make_customer, make_order, make_deal
):
    survivor = make_customer("张伟", emails=["zw@example.com"])
    merged = make_customer("张伟 (old)", emails=["old@example.com"])
    make_order(survivor, number="S-1")
    make_order(merged, number="M-1")
    make_order(merged, number="M-2")
    deal = make_deal(data={"customer": merged})
    merge = customer_merge(survivor=survivor, merged=merged, by=owner)
    assert set(Order.objects.filter(customer=survivor).values_list("number", flat=True)) == {
        "S-1",
        "M-1",
        "M-2",
    }
    assert Deal.objects.get(pk=deal.pk).customer == survivor
    summary = customer_purchase_summary(owner, survivor)[0]
    assert (summary.orders, str(summary.total_spent)) == (3, "75.00")
    customer_merge_undo(merge=merge, by=owner)
    assert set(Order.objects.filter(customer=merged).values_list("number", flat=True)) == {
        "M-1",
        "M-2",
    }
    assert Deal.objects.get(pk=deal.pk).customer == merged
