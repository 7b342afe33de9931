"""The Today page on a phone: ranked items with their reasons, one tap to finish a task."""

import datetime as dt

import pytest
from django.utils import timezone

from solocrm.agenda import services
from solocrm.agenda.models import Task, TodaySnooze

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


def test_one_tap_done_on_a_phone(phone, live_server, login):
    owner = login(phone)
    now = timezone.now()
    overdue = services.task_create(
        by=owner, title="Call Zhang about the quote", due_at=now - dt.timedelta(days=2), priority=2
    )
    later = services.task_create(by=owner, title="Send samples", due_at=now - dt.timedelta(hours=1))
    phone.goto(f"{live_server.url}/")

    items = phone.locator(".today-item")
    assert items.count() == 2
    first = items.nth(0)
    assert "Call Zhang about the quote" in first.inner_text()
    assert "Overdue by 2 days" in first.inner_text()
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the Today page scrolls sideways by {overflow}px at 375px"
    done = first.locator("[data-action=done]")
    box = done.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44  # a thumb can hit it

    done.tap()
    result = phone.locator(f"#today-task-{overdue.pk}")
    result.get_by_text("Done: Call Zhang about the quote.").wait_for()
    assert Task.objects.get(pk=overdue.pk).done_at is not None

    phone.locator(f"#today-task-{later.pk} [data-action=snooze]").tap()
    phone.locator(f"#today-task-{later.pk}").get_by_text("Snoozed until tomorrow.").wait_for()
    assert TodaySnooze.objects.get().item_key == f"task:{later.pk}"

    phone.reload()
    assert phone.locator(".today-item").count() == 0
    assert phone.locator(".empty-state").is_visible()
    assert not [e for e in phone.console_errors if "Content Security Policy" in e]
