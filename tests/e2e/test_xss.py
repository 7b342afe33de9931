"""Stored XSS in a real browser: a customer named with script and event-handler payloads
(and a timeline entry and a task carrying them) is shown as text on the list, the search
results, the customer's page and Today; nothing runs (no dialog), nothing is injected
into the DOM, and the Content Security Policy had nothing to block (so escaping, not the
policy, is what stopped it)."""

import datetime as dt

import pytest
from django.utils import timezone

from solocrm.agenda import services as agenda_services
from solocrm.customers import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NAME = "Xss<img src=x onerror=alert(1) data-xss>\"'><script data-xss>alert(2)</script>"
SUBJECT = "</textarea><svg onload=alert(3) data-xss>{{7*7}}"
BODY = "<img src=x onerror=alert(4) data-xss> [click](javascript:alert(5)) **bold**"


def test_payloads_in_a_customer_never_run(page, live_server, login):
    owner = login(page)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    customer = services.customer_create(by=owner, name=NAME, phones=["138 0013 8000"])
    services.interaction_create(by=owner, customer=customer, subject=SUBJECT, body=BODY)
    agenda_services.task_create(
        by=owner, title=SUBJECT, customer=customer, due_at=timezone.now() - dt.timedelta(hours=1)
    )
    pages = {
        "list": "/customers/",
        "search": "/customers/?q=Xss",
        "detail": f"/customers/{customer.pk}/",
        "today": "/",
    }
    for where, url in pages.items():
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("load")
        assert NAME in page.locator("main").inner_text(), where  # shown as text
        assert page.locator("[data-xss]").count() == 0, where
        assert page.locator("script:not([src])").count() == 0, where  # no inline script
    assert "{{7*7}}" in page.locator("main").inner_text()  # the task on Today
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    assert page.locator("h1").inner_text() == NAME
    entry = page.locator("#activity li.timeline-item").first
    assert SUBJECT in entry.inner_text()
    assert entry.locator(".markdown strong").inner_text() == "bold"  # Markdown still works
    assert entry.locator("a[href^='javascript']").count() == 0
    assert dialogs == []
    blocked = [e for e in page.console_errors if "Content Security Policy" in e]
    assert blocked == []  # nothing got far enough for the policy to block it
