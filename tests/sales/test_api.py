"""The sales API: products, orders with lines, pipelines, deals, moves, board and figures."""

from __future__ import annotations

from decimal import Decimal

from solocrm.sales import services
from solocrm.sales.models import Deal, DealStageChange, Order, Product


def test_products_create_list_filter_and_patch(api, owner):
    created = api(
        "post",
        "/products",
        owner,
        {"sku": "TEA-1", "name": "Longjing", "unit_price": "88.50", "category": "tea"},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["unit_price"], body["currency"], body["version"]) == ("88.50", "CNY", 1)
    api(
        "post",
        "/products",
        owner,
        {"sku": "CUP-1", "name": "Cup", "unit_price": "12", "active": False},
    )
    listed = api("get", "/products?active=true&sort=-price", owner).json()
    assert [p["sku"] for p in listed["items"]] == ["TEA-1"]
    patched = api("patch", f"/products/{body['id']}", owner, {"version": 1, "unit_price": "90.00"})
    assert (patched.status_code, patched.json()["unit_price"], patched.json()["version"]) == (
        200,
        "90.00",
        2,
    )
    stale = api("patch", f"/products/{body['id']}", owner, {"version": 1, "name": "x"})
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    duplicate = api(
        "post", "/products", owner, {"sku": "tea-1", "name": "Again", "unit_price": "1"}
    )
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"][0]["field"] == "sku"


def test_unknown_sort_is_refused(api, owner):
    response = api("get", "/deals?sort=secret_field", owner)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "sort"


def test_orders_with_lines_totals_from_the_server(api, owner, make_customer, make_product):
    customer = make_customer()
    tea = make_product("30.00", sku="TEA")
    response = api(
        "post",
        "/orders",
        owner,
        {
            "customer_id": customer.pk,
            "number": "API-1",
            "ordered_at": "2025-05-01T10:00:00Z",
            "channel": "online",
            "lines": [
                {"product_id": tea.pk, "quantity": "2", "discount": "5"},
                {"description": "Shipping", "unit_price": "8.00"},
            ],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["subtotal"], body["discount_total"], body["total"]) == ("68.00", "5.00", "63.00")
    assert [(line["description"], line["line_total"]) for line in body["lines"]] == [
        ("Product 1", "55.00"),
        ("Shipping", "8.00"),
    ]
    assert body["customer_name"] == "张伟"
    patched = api("patch", f"/orders/{body['id']}", owner, {"version": 1, "status": "refunded"})
    assert (
        patched.json()["status"],
        patched.json()["refunded_amount"],
        patched.json()["version"],
    ) == ("refunded", "63.00", 2)
    listed = api("get", f"/orders?customer={customer.pk}&status=refunded", owner).json()
    assert [o["number"] for o in listed["items"]] == ["API-1"]


def test_order_line_errors_name_the_line(api, owner):
    response = api(
        "post",
        "/orders",
        owner,
        {"lines": [{"description": "x", "unit_price": "1", "discount": "2"}]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines.0"
    assert Order.objects.count() == 0


def test_pipelines_and_stages(api, owner, member):
    stages = [
        {"name": "Brief", "probability": 20},
        {"name": "Signed", "probability": 100, "is_won": True},
        {"name": "Dropped", "is_lost": True},
    ]
    created = api("post", "/pipelines", owner, {"name": "Projects", "stages": stages})
    assert created.status_code == 201, created.json()
    pipeline = created.json()
    assert [(s["name"], s["position"]) for s in pipeline["stages"]] == [
        ("Brief", 1),
        ("Signed", 2),
        ("Dropped", 3),
    ]
    assert pipeline["is_default"] is True
    refused = api("post", f"/pipelines/{pipeline['id']}/stages", member, {"name": "Review"})
    assert refused.status_code == 403
    added = api(
        "post", f"/pipelines/{pipeline['id']}/stages", owner, {"name": "Review", "probability": 60}
    )
    assert (added.status_code, added.json()["position"]) == (201, 4)
    stages = api("get", f"/pipelines/{pipeline['id']}/stages", member).json()
    assert [s["name"] for s in stages] == ["Brief", "Signed", "Dropped", "Review"]


def test_deal_move_through_the_api_and_stale_move_is_409(api, owner, member, make_deal, stages):
    deal = make_deal()
    moved = api(
        "post", f"/deals/{deal.pk}/move", owner, {"stage_id": stages["Proposal"].pk, "version": 1}
    )
    assert moved.status_code == 200, moved.json()
    assert (moved.json()["stage_name"], moved.json()["version"]) == ("Proposal", 2)
    stale = api(
        "post",
        f"/deals/{deal.pk}/move",
        member,
        {"stage_id": stages["Lost"].pk, "version": 1, "lost_reason": "price"},
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert "your version 1, now 2" in stale.json()["detail"]
    deal.refresh_from_db()
    assert (deal.stage, deal.version, deal.lost_reason) == (stages["Proposal"], 2, "")
    history = api("get", f"/deals/{deal.pk}/stage-changes", owner).json()
    assert [(h["from_stage_id"], h["to_stage_id"]) for h in history] == [
        (None, stages["Lead"].pk), (stages["Lead"].pk, stages["Proposal"].pk)
    ]  # fmt: skip


def test_winning_through_the_api_creates_the_order(api, owner, make_deal, make_customer, stages):
    deal = make_deal(amount="500.00", data={"customer": make_customer()})
    won = api(
        "post",
        f"/deals/{deal.pk}/move",
        owner,
        {"stage_id": stages["Won"].pk, "version": 1, "create_order": True},
    )
    assert won.status_code == 200, won.json()
    order = Order.objects.get()
    assert (won.json()["order_id"], order.total) == (order.pk, Decimal("500.00"))
    assert won.json()["closed_at"] is not None


def test_deals_create_list_filters_and_board(api, owner, pipeline, stages, make_customer):
    customer = make_customer()
    for title, amount, close in (
        ("A", "100", "2025-07-10"),
        ("B", "300", "2025-08-01"),
        ("C", "50", None),
    ):
        body = {
            "title": title,
            "amount": amount,
            "expected_close_date": close,
            "customer_id": customer.pk,
        }
        assert api("post", "/deals", owner, body).status_code == 201
    deal_b = Deal.objects.get(title="B")
    services.deal_move_to_stage(
        deal=deal_b, stage=stages["Negotiation"], expected_version=1, by=owner
    )
    listed = api("get", f"/deals?stage={stages['Lead'].pk}&sort=amount", owner).json()
    assert [d["title"] for d in listed["items"]] == ["C", "A"]
    assert [d["title"] for d in api("get", "/deals?q=b&status=open", owner).json()["items"]] == [
        "B"
    ]
    board = api("get", f"/pipelines/{pipeline.pk}/board", owner).json()
    lead = board[0]
    assert (lead["stage"]["name"], lead["count"], [d["title"] for d in lead["deals"]]) == (
        "Lead",
        2,
        ["A", "C"],
    )
    assert lead["amounts"] == [{"currency": "CNY", "amount": "150.00"}]
    assert lead["weighted"] == [{"currency": "CNY", "amount": "15.00"}]
    negotiation = board[3]
    assert negotiation["weighted"] == [{"currency": "CNY", "amount": "225.00"}]


def test_figures_endpoint(api, owner, pipeline, stages, make_deal):
    deal = make_deal(amount="200")
    services.deal_move_to_stage(deal=deal, stage=stages["Won"], expected_version=1, by=owner)
    lost = make_deal(amount="80")
    services.deal_move_to_stage(
        deal=lost, stage=stages["Lost"], expected_version=1, by=owner, lost_reason="price"
    )
    body = api("get", f"/sales-figures?pipeline={pipeline.pk}", owner).json()
    assert (body["won"], body["lost"], body["win_rate"], body["average_deal_size"]) == (
        1,
        1,
        0.5,
        "200.00",
    )
    assert body["lost_reasons"] == [{"reason": "price", "deals": 1, "amount": "80.00"}]
    assert [(c["stage_name"], c["reached"]) for c in body["conversion"]] == [
        ("Lead", 2), ("Qualified", 1), ("Proposal", 1), ("Negotiation", 1), ("Won", 1)
    ]  # fmt: skip


def test_viewer_reads_but_cannot_write(api, viewer, owner, make_deal, stages):
    deal = make_deal()
    assert api("get", "/deals", viewer).status_code == 200
    refused = api(
        "post", f"/deals/{deal.pk}/move", viewer, {"stage_id": stages["Won"].pk, "version": 1}
    )
    assert refused.status_code == 403
    assert (
        api("post", "/products", viewer, {"sku": "X", "name": "X", "unit_price": "1"}).status_code
        == 403
    )
    assert api("post", "/deals", viewer, {"title": "mine"}).status_code == 403
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == (stages["Lead"], 1)
    assert Product.objects.count() == 0
    assert DealStageChange.objects.count() == 1


def test_limited_member_sees_and_moves_only_own_deals(
    api, member, owner, limit_members, make_deal, stages, make_customer, make_order
):
    theirs = make_deal("Owner's deal")
    mine = make_deal("Member's deal", by=member)
    listed = api("get", "/deals", member).json()
    assert [d["title"] for d in listed["items"]] == ["Member's deal"]
    assert api("get", f"/deals/{theirs.pk}", member).status_code == 404
    hidden = api(
        "post", f"/deals/{theirs.pk}/move", member, {"stage_id": stages["Won"].pk, "version": 1}
    )
    assert hidden.status_code == 404
    moved = api(
        "post", f"/deals/{mine.pk}/move", member, {"stage_id": stages["Won"].pk, "version": 1}
    )
    assert moved.status_code == 200
    make_order(make_customer("王芳"), number="OWNER-1")
    make_order(make_customer("刘洋", by=member), number="MEMBER-1", by=member)
    assert [o["number"] for o in api("get", "/orders", member).json()["items"]] == ["MEMBER-1"]


def test_keyset_pagination_over_deals(api, owner, make_deal):
    for n in range(5):
        make_deal(f"Deal {n}")
    first = api("get", "/deals?limit=2&sort=title", owner).json()
    second = api("get", f"/deals?limit=2&sort=title&cursor={first['next_cursor']}", owner).json()
    third = api("get", f"/deals?limit=2&sort=title&cursor={second['next_cursor']}", owner).json()
    titles = [d["title"] for page in (first, second, third) for d in page["items"]]
    assert titles == [f"Deal {n}" for n in range(5)]
    assert third["next_cursor"] is None
