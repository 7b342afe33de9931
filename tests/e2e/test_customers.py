"""Customers in a real browser: add one, find them from the header, log a call with htmx,
and the list on a phone."""

import pytest

from solocrm.customers import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIDEWAYS_SCROLL = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def header_search(page, live_server, query: str) -> list[str]:
    """Search from the header box; the names in the result list."""
    page.fill("#global-search", query)
    page.press("#global-search", "Enter")
    page.wait_for_url(f"{live_server.url}/customers/?q=*")
    return page.locator("table.customers tbody td[data-label] a").all_inner_texts()


def test_add_a_chinese_customer_find_them_and_log_a_call(page, live_server, login):
    owner = login(page)
    services.customer_create(by=owner, name="张伟明", phones=["139 0013 9000"])
    services.customer_create(by=owner, name="李娜", phones=["137 0013 7000"])

    page.goto(f"{live_server.url}/customers/new/")
    page.fill("#id_name", "张伟")
    page.fill("#id_phones", "138 0013 8000")
    page.click("form[novalidate] button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/customers/*/")
    assert page.locator("h1").inner_text() == "张伟"
    assert "138 0013 8000" in page.locator("dl.facts").first.inner_text()
    detail_url = page.url

    # Two characters (under the trigram index's three) and a fragment of the digits.
    assert sorted(header_search(page, live_server, "张伟")) == ["张伟", "张伟明"]
    assert header_search(page, live_server, "0013 8000") == ["张伟"]
    assert header_search(page, live_server, "13800") == ["张伟"]

    page.goto(detail_url)
    page.evaluate("window.notReloaded = true")  # gone if the page reloads
    form = page.locator("#activity form.log-form")
    form.locator("select[name=kind]").select_option("call")
    form.locator("input[name=subject]").fill("询价电话")
    form.locator("textarea[name=body]").fill("想要**三份**报价")
    with page.expect_response(lambda r: "/interactions/" in r.url and r.request.method == "POST"):
        form.locator("button[type=submit]").click()
    timeline = page.locator("#activity ol.timeline")
    timeline.locator("text=询价电话").wait_for()
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the timeline in place
    assert page.url == detail_url
    entry = timeline.locator("li.timeline-item").first
    assert "询价电话" in entry.inner_text()
    assert entry.locator(".markdown strong").inner_text() == "三份"  # Markdown rendered
    assert form.locator("input[name=subject]").input_value() == ""  # a fresh form
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_customer_list_and_page_at_375px_scroll_only_inside_tables(browser, live_server, login):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    owner = login(page)
    for number in range(12):
        services.customer_create(
            by=owner,
            name=f"欧阳娜娜 Alexandra-Konstantinopoulou {number}",
            emails=[f"alexandra.konstantinopoulou.{number}@a-very-long-domain-name.example"],
            phones=[f"138 0013 80{number:02d}"],
            tags=["VIP", "老客户", "newsletter-subscriber"],
        )
    wide = ("name", "email", "phone", "tags", "city", "wechat_id", "created")
    columns = "&".join(f"columns={key}" for key in wide)
    for url in ("/customers/", f"/customers/?{columns}", "/customers/?q=欧阳"):
        page.goto(f"{live_server.url}{url}")
        rows = page.locator("table.customers tbody tr")
        assert rows.count() == 12
        assert "a-very-long-domain-name.example" in rows.first.inner_text()
        overflow = page.evaluate(SIDEWAYS_SCROLL)
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375px"
        wrapper = page.locator(".table-wrap").first.bounding_box()
        assert wrapper is not None and wrapper["x"] >= 0 and wrapper["width"] <= 375
    page.click("table.customers tbody td[data-label] a >> nth=0")  # the customer's page
    page.wait_for_url(f"{live_server.url}/customers/*/")
    page.locator("#activity form.log-form").wait_for()
    overflow = page.evaluate(SIDEWAYS_SCROLL)
    assert overflow <= 0, f"the customer page scrolls sideways by {overflow}px at 375px"
    context.close()
