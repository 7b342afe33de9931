"""Stored XSS in the agenda: payloads in every text field of tasks, keep-in-touch cadences
and notifications, in the customers and tags they point at, and in the user's own name,
are shown as text on the Today page, the task and cadence pages, the notifications and
the customer's page, and returned verbatim by the API.

See ``tests/customers/test_xss.py`` for the payloads and the HTML checks.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from solocrm.accounts.models import User
from solocrm.agenda import services as agenda_services
from solocrm.agenda.models import Cadence, Notification, Task
from solocrm.agenda.reminders import reminders_deliver_due
from solocrm.core.demo import demo_load
from solocrm.core.tags import Tag
from solocrm.customers.models import Customer
from tests.customers.test_xss import (
    PAYLOADS,
    assert_no_injection,
    get_page,
    poison_rows,
    text_fields,
)

USER_MACHINE_FIELDS = frozenset(
    {"password", "email", "language", "time_zone", "first_name", "last_name"}
)
CUSTOMER_SKIP = frozenset({"consent_source"})  # not shown by the agenda; kept short


@pytest.fixture
def poisoned(owner, mailoutbox) -> None:
    """Demo data, and a reminder delivered for a task whose title is a payload (so the
    notification and the email are made the real way); then payloads everywhere."""
    demo_load(customers=15, seed=5, owner=owner)
    now = timezone.now()
    agenda_services.task_create(
        by=owner,
        title=PAYLOADS[0],
        notes=PAYLOADS[1],
        customer=Customer.objects.first(),
        due_at=now + dt.timedelta(hours=1),
        remind_at=now + dt.timedelta(minutes=1),
    )
    for model, skip in (
        (Task, frozenset()),
        (Cadence, frozenset()),
        (Customer, CUSTOMER_SKIP),
        (Tag, frozenset({"color"})),
        (User, USER_MACHINE_FIELDS),
    ):
        assert poison_rows(model, skip=skip) > 0, model
    assert reminders_deliver_due(now=now + dt.timedelta(minutes=2)).created >= 1
    assert poison_rows(Notification, skip=frozenset({"key"})) >= 1


def test_reminder_email_is_plain_text(poisoned, mailoutbox):
    message = next(m for m in mailoutbox if PAYLOADS[0] in m.subject)
    assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])
    assert message.body.count(PAYLOADS[0]) == 2  # title and notes, verbatim


def test_every_agenda_text_field_is_covered(poisoned, owner):
    names = {(m.__name__, f.name) for m in (Task, Cadence, Notification) for f in text_fields(m)}
    assert {("Task", "title"), ("Task", "notes"), ("Cadence", "note")} <= names
    owner.refresh_from_db()
    assert owner.name.startswith("Xss")


def test_agenda_pages_show_payloads_as_text(client, owner, poisoned):
    client.force_login(owner)
    task = Task.objects.filter(customer__isnull=False, done_at__isnull=True).first()
    cadence = Cadence.objects.first()
    pages = {
        "home": reverse("web:home"),
        "today": reverse("agenda:today"),
        "tasks": reverse("agenda:task_list"),
        "task edit": reverse("agenda:task_edit", args=[task.pk]),
        "new task": reverse("agenda:task_create"),
        "keep in touch": reverse("agenda:cadence_list"),
        "cadence edit": reverse("agenda:cadence_edit", args=[cadence.pk]),
        "notifications": reverse("agenda:notifications"),
        "calendar": reverse("agenda:calendar"),
        "customer": reverse("customers:customer_detail", args=[task.customer_id]),
        "customers": reverse("customers:customer_list"),
    }
    texts = {name: assert_no_injection(get_page(client, url), name) for name, url in pages.items()}
    today_titles = [t.title for t in Task.objects.filter(done_at__isnull=True)]
    shown_as_text = {
        "today": [today_titles[0], Customer.objects.get(pk=task.customer_id).name],
        "tasks": [task.title],
        "task edit": [task.title, task.notes],
        "keep in touch": [cadence.note],
        "cadence edit": [cadence.note],
        "notifications": [Notification.objects.first().title],
        "customer": [task.title],
        "home": [User.objects.get(pk=owner.pk).name],  # the header's user menu
    }
    for page, values in shown_as_text.items():
        for value in values:
            assert value in texts[page], f"{page} does not show {value[:30]!r} as text"


def test_agenda_api_returns_payloads_as_json(client, owner, poisoned):
    client.force_login(owner)
    for url in ("/api/v1/tasks", "/api/v1/cadences", "/api/v1/today", "/api/v1/notifications"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/json"), url
        assert "<script data-xss>alert(1)</script>" in response.content.decode(), url
