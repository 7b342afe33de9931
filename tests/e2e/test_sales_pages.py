"""Sales settings and editing pages in a real browser at 375 px: moving a stage with the
up/down buttons, editing an order's lines (and a stale save refused), and the task
form's search-as-you-type picker under the strict CSP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from solocrm.agenda.models import Task
from solocrm.customers import services as customer_services
from solocrm.sales import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


def _overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def _stage_names(page) -> list[str]:
    return [
        name.strip()
        for name in page.locator("[data-testid=stage-row] .stage-name").all_inner_texts()
    ]


def test_stage_reorder_with_buttons_on_a_phone(phone, live_server, login):
    owner = login(phone)
    pipeline = services.pipeline_create(by=owner, name="Sales")
    phone.goto(f"{live_server.url}/sales/settings/pipelines/{pipeline.pk}/")
    assert _stage_names(phone)[:2] == ["Lead", "Qualified"]
    assert _overflow(phone) <= 0, "the pipeline page scrolls sideways at 375px"
    with phone.expect_navigation():
        phone.locator("[data-testid=stage-row]").nth(0).locator("[data-testid=stage-down]").tap()
    assert _stage_names(phone)[:2] == ["Qualified", "Lead"]
    names = list(pipeline.stages.order_by("position").values_list("name", flat=True))
    assert names[:2] == ["Qualified", "Lead"]
    assert not [e for e in phone.console_errors if "Content Security Policy" in e]


def test_order_edit_on_a_phone_and_a_stale_save(phone, live_server, login, make_user):
    owner = login(phone)
    customer = customer_services.customer_create(by=owner, name="张伟")
    order = services.order_create(
        by=owner,
        customer=customer,
        lines=[{"description": "Tea", "quantity": Decimal(1), "unit_price": Decimal("25.00")}],
    )
    phone.goto(f"{live_server.url}/sales/orders/{order.pk}/edit/")
    assert _overflow(phone) <= 0, "the order form scrolls sideways at 375px"
    phone.fill("#id_lines-0-quantity", "3")
    phone.fill("#id_lines-1-description", "Gift box")
    phone.fill("#id_lines-1-unit_price", "10.50")
    phone.locator("button[type=submit].primary").tap()
    phone.wait_for_url(f"{live_server.url}/sales/orders/{order.pk}/")
    assert "85.50" in phone.locator("table.lines tfoot").inner_text()
    order.refresh_from_db()
    assert (order.total, order.version) == (Decimal("85.50"), 2)

    phone.goto(f"{live_server.url}/sales/orders/{order.pk}/edit/")
    services.order_update(order=order, by=make_user("member"), data={"notes": "by a colleague"})
    phone.fill("#id_lines-0-quantity", "9")
    phone.locator("button[type=submit].primary").tap()
    alert = phone.get_by_text("Someone changed this order after you opened it")
    alert.wait_for()
    order.refresh_from_db()
    assert (order.total, order.notes) == (Decimal("85.50"), "by a colleague")


def test_task_picker_search_as_you_type(phone, live_server, login):
    owner = login(phone)
    customer = customer_services.customer_create(by=owner, name="王芳")
    customer_services.customer_create(by=owner, name="李娜")
    phone.goto(f"{live_server.url}/agenda/tasks/new/")
    phone.fill("#id_title", "Send the quote")
    with phone.expect_response(lambda r: "/agenda/tasks/links/customer/" in r.url):
        phone.locator("#id_customer").press_sequentially("王")
    match = phone.locator("#id_customer-results [data-testid=picker-match]")
    match.first.wait_for()
    assert match.count() == 1 and "王芳" in match.first.inner_text()
    match.first.tap()
    phone.locator("button[type=submit].primary").tap()
    phone.wait_for_url(f"{live_server.url}/agenda/tasks/")
    assert Task.objects.get().customer == customer
    assert not [e for e in phone.console_errors if "Content Security Policy" in e]
