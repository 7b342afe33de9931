"""Deals: creation, stage moves kept in history, optimistic locking, winning creates the order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from solocrm.core.exceptions import StaleVersionError
from solocrm.core.models import AuditEntry
from solocrm.sales import services
from solocrm.sales.models import Deal, DealStageChange, Order

T1 = dt.datetime(2025, 4, 1, 12, 0, tzinfo=dt.UTC)


def test_a_new_deal_starts_in_the_first_open_stage(owner, make_deal, stages):
    deal = make_deal()
    assert deal.stage == stages["Lead"]
    assert deal.owner == owner
    assert deal.closed_at is None
    changes = list(DealStageChange.objects.values_list("from_stage", "to_stage"))
    assert changes == [(None, stages["Lead"].pk)]


def test_moving_keeps_every_change_and_closes_on_won(owner, make_deal, stages):
    deal = make_deal()
    deal = services.deal_move_to_stage(
        deal=deal, stage=stages["Proposal"], expected_version=1, by=owner
    )
    deal = services.deal_move_to_stage(
        deal=deal, stage=stages["Won"], expected_version=2, by=owner, at=T1
    )
    assert deal.version == 3
    assert deal.closed_at == T1
    history = list(
        DealStageChange.objects.order_by("id").values_list(
            "from_stage__name", "to_stage__name", "changed_by"
        )
    )
    assert history == [
        (None, "Lead", owner.pk),
        ("Lead", "Proposal", owner.pk),
        ("Proposal", "Won", owner.pk),
    ]
    entry = (
        AuditEntry.objects.filter(object_type="sales.deal", action="update").order_by("id").last()
    )
    assert entry.changes["stage_id"] == [stages["Proposal"].pk, stages["Won"].pk]


def test_reopening_clears_closed_time_and_lost_reason(owner, make_deal, stages):
    deal = make_deal()
    deal = services.deal_move_to_stage(
        deal=deal,
        stage=stages["Lost"],
        expected_version=1,
        by=owner,
        lost_reason="  too   expensive ",
    )
    assert (deal.lost_reason, deal.closed_at is not None) == ("too expensive", True)
    deal = services.deal_move_to_stage(
        deal=deal, stage=stages["Qualified"], expected_version=2, by=owner
    )
    assert (deal.lost_reason, deal.closed_at) == ("", None)


def test_a_stale_move_is_refused_and_nothing_changes(owner, member, make_deal, stages):
    deal = make_deal()
    first_look = Deal.objects.get(pk=deal.pk)
    second_look = Deal.objects.get(pk=deal.pk)
    services.deal_move_to_stage(
        deal=first_look, stage=stages["Proposal"], expected_version=1, by=owner
    )
    with pytest.raises(StaleVersionError) as caught:
        services.deal_move_to_stage(
            deal=second_look, stage=stages["Lost"], expected_version=1, by=member
        )
    assert "your version 1, now 2" in str(caught.value)
    deal.refresh_from_db()
    assert (deal.stage, deal.version, deal.closed_at) == (stages["Proposal"], 2, None)
    assert DealStageChange.objects.count() == 2


def test_moving_to_the_same_stage_changes_nothing(owner, make_deal, stages):
    deal = make_deal()
    same = services.deal_move_to_stage(
        deal=deal, stage=stages["Lead"], expected_version=1, by=owner
    )
    assert same.version == 1
    assert DealStageChange.objects.count() == 1


def test_winning_can_create_the_order(owner, make_deal, make_customer, stages):
    customer = make_customer()
    deal = make_deal(amount="1234.50", data={"customer": customer})
    won = services.deal_move_to_stage(
        deal=deal, stage=stages["Won"], expected_version=1, by=owner, create_order=True,
        order_number="WON-1", at=T1,
    )  # fmt: skip
    order = Order.objects.get()
    assert won.order == order
    assert (order.number, order.customer, order.total, order.ordered_at) == (
        "WON-1",
        customer,
        Decimal("1234.50"),
        T1,
    )
    assert (order.channel, order.status) == (Order.Channel.SALES, Order.Status.PAID)
    assert list(order.lines.values_list("description", "quantity", "unit_price")) == [
        ("Website redesign", Decimal("1.000"), Decimal("1234.50"))
    ]


def test_winning_without_a_customer_cannot_create_the_order(owner, make_deal, stages):
    deal = make_deal()
    with pytest.raises(ValidationError) as caught:
        services.deal_move_to_stage(
            deal=deal, stage=stages["Won"], expected_version=1, by=owner, create_order=True
        )
    assert caught.value.message_dict == {"create_order": ["Link the deal to a customer first."]}
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == (stages["Lead"], 1)
    assert Order.objects.count() == 0


def test_moving_to_another_pipeline_follows_the_stage(owner, make_deal):
    other = services.pipeline_create(by=owner, name="Partnerships")
    target = other.stages.get(name="Proposal")
    deal = services.deal_move_to_stage(deal=make_deal(), stage=target, expected_version=1, by=owner)
    assert (deal.pipeline, deal.stage) == (other, target)


def test_update_does_not_touch_the_stage(owner, make_deal, stages):
    deal = make_deal()
    with pytest.raises(ValidationError):
        services.deal_update(deal=deal, by=owner, data={"stage": stages["Won"]}, expected_version=1)
    deal = services.deal_update(
        deal=deal, by=owner, data={"next_step": "Call on Monday"}, expected_version=1
    )
    assert (deal.next_step, deal.version, deal.stage) == ("Call on Monday", 2, stages["Lead"])


def test_permissions_viewer_and_limited_member(
    owner, member, viewer, limit_members, make_deal, stages
):
    owners_deal = make_deal()
    with pytest.raises(PermissionDenied):
        make_deal(by=viewer)
    with pytest.raises(PermissionDenied):
        services.deal_move_to_stage(
            deal=owners_deal, stage=stages["Won"], expected_version=1, by=member
        )
    with pytest.raises(PermissionDenied):
        make_deal(by=member, data={"owner": owner})
    mine = make_deal(by=member)
    moved = services.deal_move_to_stage(
        deal=mine, stage=stages["Won"], expected_version=1, by=member
    )
    assert moved.stage == stages["Won"]
    owners_deal.refresh_from_db()
    assert owners_deal.version == 1


def test_pipelines_are_owner_configuration(member, owner):
    with pytest.raises(PermissionDenied):
        services.pipeline_create(by=member, name="Mine")
    pipeline = services.pipeline_create(by=owner, name="Main")
    assert pipeline.is_default is True
    names = list(pipeline.stages.values_list("name", "probability", "is_won", "is_lost"))
    assert names == [
        ("Lead", 10, False, False), ("Qualified", 25, False, False), ("Proposal", 50, False, False),
        ("Negotiation", 75, False, False), ("Won", 100, True, False), ("Lost", 0, False, True),
    ]  # fmt: skip
    second = services.pipeline_create(by=owner, name="Second", is_default=True)
    pipeline.refresh_from_db()
    assert (pipeline.is_default, second.is_default) == (False, True)


def test_stage_rules(owner, pipeline, stages, make_deal):
    with pytest.raises(ValidationError) as caught:
        services.stage_create(
            by=owner, pipeline=pipeline, name="Signed", is_won=True, probability=90
        )
    assert list(caught.value.message_dict) == ["probability"]
    with pytest.raises(ValidationError):
        services.stage_create(by=owner, pipeline=pipeline, name="lead")
    make_deal()
    with pytest.raises(ValidationError):
        services.stage_delete(stage=stages["Lead"], by=owner)
    services.stage_delete(stage=stages["Negotiation"], by=owner)
    order = [stages[n].pk for n in ("Won", "Lost", "Proposal", "Qualified", "Lead")]
    reordered = services.stages_reorder(pipeline=pipeline, by=owner, stage_ids=order)
    assert [s.name for s in reordered] == ["Won", "Lost", "Proposal", "Qualified", "Lead"]
