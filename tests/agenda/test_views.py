import datetime as dt

import pytest
from django.utils import timezone

from solocrm.agenda import services
from solocrm.agenda.models import Cadence, Notification, Task, TodaySnooze
from solocrm.core.services import model_update
from solocrm.customers.models import Interaction
from solocrm.customers.services import interaction_create

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def overdue(make_task):
    return make_task("Call Wang", due_at=timezone.now() - dt.timedelta(hours=1), priority=2)


def test_home_is_the_today_page_for_owners_and_members(client, owner, overdue):
    client.force_login(owner)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert next(t.name for t in response.templates) == "agenda/today.html"
    assert "Call Wang" in html and "Overdue since" in html and "Priority: high" in html
    assert f'action="/agenda/today/tasks/{overdue.pk}/done/"' in html


def test_viewers_keep_the_welcome_page(client, viewer):
    client.force_login(viewer)
    response = client.get("/")
    assert next(t.name for t in response.templates) == "web/home.html"
    assert client.get("/agenda/").status_code == 403


def test_one_tap_done_over_htmx(client, owner, overdue):
    client.force_login(owner)
    response = client.post(f"/agenda/today/tasks/{overdue.pk}/done/", {"version": 1}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="today-task-{overdue.pk}"' in html and "Done: Call Wang." in html
    assert Task.objects.get(pk=overdue.pk).done_at is not None


def test_done_on_a_changed_task_says_so_and_changes_nothing(client, owner, overdue):
    services.task_update(task=overdue, by=owner, data={"title": "Call Wang today"})
    client.force_login(owner)
    response = client.post(f"/agenda/today/tasks/{overdue.pk}/done/", {"version": 1}, **HTMX)
    assert "changed by someone else" in response.content.decode()
    assert Task.objects.get(pk=overdue.pk).done_at is None


def test_done_without_htmx_redirects_home(client, owner, overdue):
    client.force_login(owner)
    response = client.post(f"/agenda/today/tasks/{overdue.pk}/done/", {"version": 1})
    assert (response.status_code, response["Location"]) == (303, "/")


def test_snooze_and_log(client, owner, make_customer):
    customer = make_customer("Li Na")
    services.cadence_create(by=owner, customer=customer, interval_days=1)
    interaction_create(
        by=owner, customer=customer, occurred_at=timezone.now() - dt.timedelta(days=2)
    )
    client.force_login(owner)
    key = f"contact:{customer.pk}"
    assert key in client.get("/").content.decode()
    response = client.post("/agenda/today/snooze/", {"key": key}, **HTMX)
    assert "Snoozed until tomorrow." in response.content.decode()
    assert TodaySnooze.objects.get().item_key == key
    response = client.post(
        f"/agenda/today/customers/{customer.pk}/log/",
        {"kind": "call", "subject": "Talked about spring", "key": key},
        **HTMX,
    )
    assert "Logged for Li Na." in response.content.decode()
    interaction = Interaction.objects.order_by("-id").first()
    assert (interaction.kind, interaction.subject, interaction.author) == (
        "call", "Talked about spring", owner,
    )  # fmt: skip


def test_log_for_an_invisible_customer_is_404(client, owner, member, limit_members, make_customer):
    customer = make_customer(by=owner)
    client.force_login(member)
    response = client.post(f"/agenda/today/customers/{customer.pk}/log/", {"kind": "call"})
    assert response.status_code == 404
    assert Interaction.objects.count() == 0


def test_task_form_reads_times_in_the_users_zone_across_dst(client, owner):
    owner, _c = model_update(owner, data={"time_zone": "America/New_York"}, fields=["time_zone"])
    client.force_login(owner)
    for title, local, utc_hour in (
        ("Before", "2025-03-07T09:00", 14),
        ("After", "2025-03-10T09:00", 13),
    ):
        form = {"title": title, "due_at": local, "priority": 1, "owner": owner.pk}
        response = client.post("/agenda/tasks/new/", {**form, "recurrence_interval": 1})
        assert response.status_code == 303, response.content.decode()[:2000]
        assert Task.objects.get(title=title).due_at.astimezone(dt.UTC).hour == utc_hour
    task = Task.objects.get(title="After")
    edit = client.get(f"/agenda/tasks/{task.pk}/").content.decode()
    assert 'value="2025-03-10T09:00"' in edit and "America/New_York" in edit


def test_task_edit_refuses_a_stale_version_and_keeps_the_input(client, owner, make_task):
    task = make_task("First")
    services.task_update(task=task, by=owner, data={"title": "Second"})
    client.force_login(owner)
    response = client.post(
        f"/agenda/tasks/{task.pk}/",
        {"title": "Mine", "priority": 1, "owner": owner.pk, "recurrence_interval": 1, "version": 1},
    )
    assert response.status_code == 200
    assert "Someone else saved this task" in response.content.decode()
    assert 'value="Mine"' in response.content.decode()
    assert Task.objects.get(pk=task.pk).title == "Second"


def test_task_form_errors_land_on_their_fields(client, owner):
    client.force_login(owner)
    form = {"title": "x", "recurrence": "weekly", "priority": 1, "recurrence_interval": 1}
    response = client.post("/agenda/tasks/new/", form)
    assert response.status_code == 200
    assert response.context["form"].errors == {"due_at": ["A repeating task needs a due time."]}
    assert Task.objects.count() == 0


def test_task_list_tabs(client, owner, make_task, overdue):
    make_task("Someday")
    done = make_task("Finished")
    services.task_complete(task=done, by=owner)
    client.force_login(owner)
    titles = lambda r: [t.title for t in r.context["page"].object_list]  # noqa: E731
    assert titles(client.get("/agenda/tasks/")) == ["Call Wang", "Someday"]
    assert titles(client.get("/agenda/tasks/?state=overdue")) == ["Call Wang"]
    assert titles(client.get("/agenda/tasks/?state=done")) == ["Finished"]
    client.post(f"/agenda/tasks/{done.pk}/reopen/", {"version": 2})
    assert Task.objects.get(pk=done.pk).done_at is None


def test_cadence_pages(client, owner, make_customer):
    customer = make_customer()
    client.force_login(owner)
    response = client.post("/agenda/keep-in-touch/", {"customer": customer.pk, "interval_days": 14})
    assert response.status_code == 303
    cadence = Cadence.objects.get()
    again = client.post("/agenda/keep-in-touch/", {"customer": customer.pk, "interval_days": 7})
    assert (
        again.context["form"]
        .errors["customer"][0]
        .endswith("already has a cadence; change it instead.")
    )
    client.post(
        f"/agenda/keep-in-touch/{cadence.pk}/",
        {"interval_days": 21, "note": "", "active": "on", "version": 1},
    )
    assert Cadence.objects.get().interval_days == 21
    client.post(f"/agenda/keep-in-touch/{cadence.pk}/delete/", {"version": 2})
    assert Cadence.objects.count() == 0


def test_notification_bell_and_list(client, owner, make_task):
    from solocrm.agenda.reminders import reminders_deliver_due

    task = make_task("Ring", remind_at=timezone.now() - dt.timedelta(minutes=1))
    reminders_deliver_due()
    client.force_login(owner)
    html = client.get("/agenda/tasks/").content.decode()
    assert 'id="notification-bell"' in html and 'aria-label="1 unread"' in html
    note = Notification.objects.get()
    response = client.post(f"/agenda/notifications/{note.pk}/open/")
    assert response["Location"] == f"/agenda/tasks/{task.pk}/"
    assert Notification.objects.get().read_at is not None
    assert (
        "aria-label"
        not in client.get("/agenda/notifications/")
        .content.decode()
        .split('id="notification-bell"')[1]
        .split("</a>")[0]
    )


def test_today_page_in_chinese(client, owner, overdue):
    client.force_login(owner)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "今天" in html and "完成" in html and "优先级：高" in html
