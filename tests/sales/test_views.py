"""The sales pages: board, moves (htmx and plain), stale moves, lists, forms, the
customer page's orders panel and the figures page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import translation

from solocrm.sales import services
from solocrm.sales.models import Deal, Order, Product


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_board_shows_columns_cards_and_totals(owner_client, make_deal, stages):
    make_deal("Tea shop fit-out", amount="1200.00")
    response = owner_client.get("/sales/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="board-column') == 6
    assert 'id="deal-' in html and "Tea shop fit-out" in html
    assert "1,200.00 CNY" in html
    assert 'hx-post="/sales/deals/' in html


def test_htmx_move_returns_the_board_with_the_card_moved(owner_client, make_deal, stages):
    deal = make_deal()
    response = owner_client.post(
        f"/sales/deals/{deal.pk}/move/",
        {"stage": stages["Proposal"].pk, "version": 1},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="board",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board"')
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == (stages["Proposal"], 2)
    assert '<input type="hidden" name="version" value="2">' in html


def test_stale_move_on_the_board_says_so_and_changes_nothing(
    owner_client, owner, make_deal, stages
):
    deal = make_deal()
    services.deal_move_to_stage(deal=deal, stage=stages["Qualified"], expected_version=1, by=owner)
    response = owner_client.post(
        f"/sales/deals/{deal.pk}/move/",
        {"stage": stages["Lost"].pk, "version": 1},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="board",
    )
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "was changed by someone else" in html
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == (stages["Qualified"], 2)


def test_plain_post_move_redirects_with_a_message(owner_client, make_deal, stages):
    deal = make_deal()
    response = owner_client.post(
        f"/sales/deals/{deal.pk}/move/",
        {"stage": stages["Won"].pk, "version": 1, "next": "/sales/"},
    )
    assert (response.status_code, response["Location"]) == (303, "/sales/")
    assert Deal.objects.get().stage == stages["Won"]


def test_viewer_sees_the_board_without_move_controls_and_cannot_move(
    client, viewer, make_deal, stages
):
    deal = make_deal()
    client.force_login(viewer)
    html = client.get("/sales/").content.decode()
    assert "move-form" not in html and 'draggable="true"' not in html
    response = client.post(
        f"/sales/deals/{deal.pk}/move/", {"stage": stages["Won"].pk, "version": 1}
    )
    assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.version == 1


def test_customer_page_shows_order_history_and_figures(owner_client, make_customer, make_order):
    customer = make_customer()
    make_order(customer, number="C-1")
    make_order(
        customer,
        {"description": "Teapot", "quantity": Decimal(1), "unit_price": Decimal("75.00")},
        number="C-2",
    )
    make_order(customer, number="C-3", status=Order.Status.CANCELLED)
    html = owner_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "<dd data-total-spent>100.00 CNY</dd>" in html
    assert "<dd data-average-order>50.00 CNY</dd>" in html
    assert "<dd data-last-purchase>2025-03-01</dd>" in html
    assert len(re.findall(r'href="/sales/orders/\d+/"', html)) == 3


def test_deal_and_order_lists_filter(owner_client, make_deal, make_customer, make_order, stages):
    make_deal("Alpha")
    make_deal("Beta")
    html = owner_client.get("/sales/deals/?q=alp").content.decode()
    assert "Alpha" in html and "Beta" not in html
    make_order(make_customer(), number="FIND-ME")
    assert "FIND-ME" in owner_client.get("/sales/orders/?q=find").content.decode()
    assert owner_client.get("/sales/deals/?sort=nope").status_code == 200


def test_order_form_creates_an_order_with_computed_totals(
    owner_client, make_customer, make_product
):
    customer = make_customer()
    cup = make_product("12.00", name="Cup")
    response = owner_client.post(
        "/sales/orders/new/",
        {
            "customer": customer.pk, "number": "WEB-1", "ordered_at": "2025-06-01T10:00",
            "channel": "store", "status": "paid", "currency": "CNY",
            "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0",
            "lines-0-product": cup.pk, "lines-0-quantity": "3", "lines-0-discount": "1",
            "lines-1-description": "Box", "lines-1-unit_price": "4.50",
        },
    )  # fmt: skip
    assert response.status_code == 303, response.content.decode()[:2000]
    order = Order.objects.get()
    assert (order.number, order.subtotal, order.discount_total, order.total) == (
        "WEB-1", Decimal("40.50"), Decimal("1.00"), Decimal("39.50")
    )  # fmt: skip


def test_product_pages(owner_client):
    response = owner_client.post(
        "/sales/products/new/",
        {"sku": "P-1", "name": "Pu'er", "unit_price": "99.00", "currency": "CNY", "active": "on"},
    )
    assert response.status_code == 303
    product = Product.objects.get()
    stale = owner_client.post(
        f"/sales/products/{product.pk}/edit/",
        {
            "sku": "P-1",
            "name": "Pu'er cake",
            "unit_price": "99.00",
            "currency": "CNY",
            "version": 0,
        },
    )
    assert stale.status_code == 409
    product.refresh_from_db()
    assert product.name == "Pu'er"
    assert "Pu&#x27;er" in owner_client.get("/sales/products/").content.decode()


def test_figures_page(owner_client, owner, make_deal, stages):
    deal = make_deal(amount="300")
    services.deal_move_to_stage(
        deal=deal, stage=stages["Lost"], expected_version=1, by=owner, lost_reason="timing"
    )
    make_deal(amount="1000")
    html = owner_client.get("/sales/figures/").content.decode()
    assert "timing" in html
    assert "Conversion between stages" in html
    assert "100.00" in html  # weighted: 1000 × 10 %


def test_plain_post_from_a_card_goes_back_to_its_board(owner_client, make_deal, pipeline, stages):
    deal = make_deal()
    response = owner_client.post(
        f"/sales/deals/{deal.pk}/move/", {"stage": stages["Lost"].pk, "version": 1}
    )
    assert (response.status_code, response["Location"]) == (303, f"/sales/pipelines/{pipeline.pk}/")
    assert (
        owner_client.post(
            f"/sales/deals/{deal.pk}/move/",
            {"stage": stages["Won"].pk, "version": 2, "next": "https://evil.example/"},
        )["Location"]
        == f"/sales/pipelines/{pipeline.pk}/"
    )


def test_board_shows_twenty_cards_per_stage_and_counts_the_rest(owner_client, owner, pipeline):
    from solocrm.sales.selectors.deals import deal_board

    for n in range(23):
        services.deal_create(by=owner, title=f"Deal {n:02d}", pipeline=pipeline)
    lead = deal_board(owner, pipeline)[0]
    assert (lead.count, len(lead.deals), lead.hidden) == (23, 20, 3)
    html = owner_client.get("/sales/").content.decode()
    assert "3 more deals" in html


def test_board_and_figures_render_in_chinese(owner_client, make_deal, stages):
    make_deal()
    html = owner_client.get("/sales/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "添加商机" in html and "移动" in html
    figures = owner_client.get("/sales/figures/", HTTP_ACCEPT_LANGUAGE="zh-hans").content
    assert "赢单率" in figures.decode()


def test_board_cards_in_order_soonest_close_first_undated_last_recently_closed_first(
    owner_client, owner, make_deal, pipeline, stages
):
    import datetime as dt

    from django.utils import timezone

    from solocrm.sales.selectors.deals import deal_board

    lead = pipeline.stages.order_by("position").first()
    won = next(s for s in stages.values() if s.is_won)
    today = timezone.localdate()
    undated = make_deal("Undated", stage=lead)
    later = make_deal(
        "Later", stage=lead, data={"expected_close_date": today + dt.timedelta(days=9)}
    )
    sooner = make_deal(
        "Sooner", stage=lead, data={"expected_close_date": today + dt.timedelta(days=2)}
    )
    tie = make_deal("Tie", stage=lead, data={"expected_close_date": today + dt.timedelta(days=2)})
    old_win, new_win = make_deal("Old win", stage=won), make_deal("New win", stage=won)
    now = timezone.now()
    Deal.objects.filter(pk=old_win.pk).update(closed_at=now - dt.timedelta(days=5))
    Deal.objects.filter(pk=new_win.pk).update(closed_at=now - dt.timedelta(days=1))
    expected = {
        lead.pk: [sooner.pk, tie.pk, later.pk, undated.pk],
        won.pk: [new_win.pk, old_win.pk],
    }
    for light in (False, True):
        columns = {
            c.stage.pk: [d.pk for d in c.deals] for c in deal_board(owner, pipeline, light=light)
        }
        assert {pk: columns[pk] for pk in expected} == expected
    html = owner_client.get("/sales/").content.decode()
    positions = [html.index(f'id="deal-{pk}"') for pk in expected[lead.pk]]
    assert positions == sorted(positions)
    assert (
        deal_board(owner, pipeline, light=True, per_stage=3)[0].deals[-1].pk == later.pk
    )  # the undated band is cut first
