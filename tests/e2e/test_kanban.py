"""The deals board in a real browser: drag and drop at desktop width, the move menu on a
375 px phone, and a stale move that says so instead of overwriting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from solocrm.sales import services
from solocrm.sales.models import Deal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _board(owner):
    pipeline = services.pipeline_create(by=owner, name="Sales")
    stages = {stage.name: stage for stage in pipeline.stages.all()}
    deal = services.deal_create(
        by=owner, title="Tea shop fit-out", amount=Decimal("1200.00"), pipeline=pipeline
    )
    return stages, deal


def _drag(page, deal, stage):
    with page.expect_response(lambda r: r.url.endswith(f"/sales/deals/{deal.pk}/move/")) as info:
        page.drag_and_drop(f"#deal-{deal.pk}", f'.board-column[data-stage-id="{stage.pk}"]')
    return info.value


def test_drag_and_drop_moves_the_deal(page, live_server, login):
    owner = login(page)
    stages, deal = _board(owner)
    page.goto(f"{live_server.url}/sales/")
    response = _drag(page, deal, stages["Proposal"])
    assert response.status == 200
    target = page.locator(f'.board-column[data-stage-id="{stages["Proposal"].pk}"]')
    target.locator(f"#deal-{deal.pk}").wait_for()
    assert target.locator("[data-count]").inner_text() == "1"
    assert page.locator(f'#deal-{deal.pk} input[name="version"]').get_attribute("value") == "2"
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == (stages["Proposal"], 2)
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_a_stale_drag_is_refused_with_a_message(page, live_server, login, make_user):
    owner = login(page)
    stages, deal = _board(owner)
    page.goto(f"{live_server.url}/sales/")
    colleague = make_user("member")
    services.deal_move_to_stage(
        deal=deal, stage=stages["Qualified"], expected_version=1, by=colleague
    )
    _drag(page, deal, stages["Lost"])
    alert = page.locator("#board [role=alert]")
    alert.wait_for()
    assert "changed by someone else" in alert.inner_text()
    qualified = page.locator(f'.board-column[data-stage-id="{stages["Qualified"].pk}"]')
    qualified.locator(f"#deal-{deal.pk}").wait_for()
    deal.refresh_from_db()
    assert (deal.stage, deal.version, deal.closed_at) == (stages["Qualified"], 2, None)


def test_phone_move_menu_at_375px(browser, live_server, login):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    owner = login(page)
    stages, deal = _board(owner)
    page.goto(f"{live_server.url}/sales/")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the board page scrolls sideways by {overflow}px"
    menu = page.locator(f"#move-{deal.pk}")
    assert menu.is_visible()
    menu.select_option(str(stages["Won"].pk))
    with page.expect_response(lambda r: r.url.endswith(f"/sales/deals/{deal.pk}/move/")):
        page.locator(f"#deal-{deal.pk} button[type=submit]").tap()
    won = page.locator(f'.board-column[data-stage-id="{stages["Won"].pk}"]')
    won.locator(f"#deal-{deal.pk}").wait_for()
    deal = Deal.objects.get(pk=deal.pk)
    assert (deal.stage, deal.version) == (stages["Won"], 2)
    assert deal.closed_at is not None
    context.close()
