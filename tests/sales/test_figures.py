"""Sales figures on a constructed pipeline: every formula checked with exact numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from solocrm.sales import services
from solocrm.sales.selectors.figures import figures_default_period, sales_figures

DAY0 = dt.datetime(2025, 1, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    """Deals are created at a chosen time (``clock.now = …``)."""

    class Clock:
        now = DAY0

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


def _deal(owner, pipeline, title, amount, close=None, currency="CNY"):
    return services.deal_create(
        by=owner, title=title, amount=Decimal(amount), pipeline=pipeline, currency=currency,
        data={"expected_close_date": close},
    )  # fmt: skip


def test_every_figure(owner, pipeline, stages, clock):
    won_a = _deal(owner, pipeline, "A", "1000")
    won_b = _deal(owner, pipeline, "B", "3000", currency="USD")
    lost = _deal(owner, pipeline, "C", "500")
    _deal(owner, pipeline, "D", "200", dt.date(2025, 3, 5))  # Lead 10 %
    open_2 = _deal(owner, pipeline, "E", "400", dt.date(2025, 3, 20))
    _deal(owner, pipeline, "F", "100")  # no close date
    services.deal_move_to_stage(
        deal=open_2, stage=stages["Negotiation"], expected_version=1, by=owner
    )
    move = services.deal_move_to_stage
    move(deal=won_a, stage=stages["Proposal"], expected_version=1, by=owner)
    move(
        deal=won_a,
        stage=stages["Won"],
        expected_version=2,
        by=owner,
        at=DAY0 + dt.timedelta(days=10),
    )
    move(
        deal=won_b,
        stage=stages["Won"],
        expected_version=1,
        by=owner,
        at=DAY0 + dt.timedelta(days=20),
    )
    move(deal=lost, stage=stages["Qualified"], expected_version=1, by=owner)
    move(deal=lost, stage=stages["Lost"], expected_version=2, by=owner, lost_reason="price",
         at=DAY0 + dt.timedelta(days=5))  # fmt: skip
    figures = sales_figures(
        owner,
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 2, 28),
        currency="CNY",
        pipeline=pipeline,
    )
    assert [(m.month, m.deals, m.amount, m.weighted) for m in figures.weighted_pipeline] == [
        (dt.date(2025, 3, 1), 2, Decimal("600.00"), Decimal("320.00")),  # 200×10 % + 400×75 %
        (None, 1, Decimal("100.00"), Decimal("10.00")),
    ]
    assert figures.weighted_total == Decimal("330.00")
    assert (figures.won, figures.lost, figures.win_rate) == (2, 1, 2 / 3)
    assert figures.average_deal_size == Decimal("1000.00")  # the USD deal is left out
    assert figures.average_sales_cycle_days == 15.0  # (10 + 20) / 2
    assert [(c.stage.name, c.reached, c.to_next) for c in figures.conversion] == [
        ("Lead", 6, 4 / 6), ("Qualified", 4, 3 / 4), ("Proposal", 3, 1.0),
        ("Negotiation", 3, 2 / 3), ("Won", 2, None),
    ]  # fmt: skip
    assert [(r.reason, r.deals, r.amount) for r in figures.lost_reasons] == [
        ("price", 1, Decimal("500.00"))
    ]


def test_default_period_follows_the_last_close_when_nothing_closed_this_year(
    owner, pipeline, stages, clock
):
    deal = _deal(owner, pipeline, "Old", "10")
    services.deal_move_to_stage(deal=deal, stage=stages["Won"], expected_version=1, by=owner)
    assert figures_default_period(owner, today=dt.date(2027, 6, 1)) == (
        dt.date(2024, 1, 11), dt.date(2025, 1, 10))  # fmt: skip
    assert figures_default_period(owner, today=dt.date(2025, 6, 1)) == (
        dt.date(2024, 6, 1), dt.date(2025, 6, 1))  # fmt: skip
