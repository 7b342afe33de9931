import datetime as dt
import json

import pytest
from django.utils import timezone

from solocrm.accounts.services import api_token_create
from solocrm.agenda import services
from solocrm.agenda.models import Cadence, Notification, Task, TodaySnooze
from solocrm.core.services import model_update
from solocrm.core.tags import tag_create

from .conftest import SHANGHAI


def call(client, method, url, user, body=None, read_only=False):
    _token, secret = api_token_create(user=user, name="t", read_only=read_only)
    kwargs = {"content_type": "application/json", "HTTP_AUTHORIZATION": f"Bearer {secret}"}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(url, **kwargs)


def test_create_read_patch_complete_a_task(client, owner, make_customer):
    customer = make_customer()
    response = call(
        client, "post", "/api/v1/tasks", owner,
        {"title": "Quote", "due_at": "2025-03-10T09:00:00+08:00", "customer_id": customer.pk,
         "recurrence": "weekly", "priority": 2},
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["due_at"] == "2025-03-10T01:00:00Z"
    assert (body["owner_id"], body["customer_id"], body["version"]) == (owner.pk, customer.pk, 1)
    task_id = body["id"]
    patched = call(
        client, "patch", f"/api/v1/tasks/{task_id}", owner, {"version": 1, "priority": 3}
    )
    assert (patched.status_code, patched.json()["priority"], patched.json()["version"]) == (
        200,
        3,
        2,
    )
    stale = call(client, "patch", f"/api/v1/tasks/{task_id}", owner, {"version": 1, "title": "x"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert Task.objects.get(pk=task_id).title == "Quote"
    done = call(client, "post", f"/api/v1/tasks/{task_id}/complete", owner, {"version": 2})
    assert done.status_code == 200
    following = done.json()["next_occurrence"]
    # Weekly from Monday 10 March 2025 09:00 in Shanghai: the first such Monday after now.
    next_due = dt.datetime.fromisoformat(following["due_at"])
    assert timezone.now() < next_due <= timezone.now() + dt.timedelta(days=7)
    local = next_due.astimezone(SHANGHAI)
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
    assert following["previous_id"] == task_id
    again = call(client, "post", f"/api/v1/tasks/{task_id}/complete", owner, {"version": 3})
    assert again.json()["next_occurrence"]["id"] == following["id"]
    assert Task.objects.count() == 2


def test_a_time_without_offset_is_read_in_the_callers_zone(client, owner):
    owner, _c = model_update(owner, data={"time_zone": "America/New_York"}, fields=["time_zone"])
    response = call(
        client, "post", "/api/v1/tasks", owner, {"title": "x", "due_at": "2025-03-10T09:00"}
    )
    assert response.json()["due_at"] == "2025-03-10T13:00:00Z"  # EDT, the day after the change
    response = call(
        client, "post", "/api/v1/tasks", owner, {"title": "y", "due_at": "2025-03-07T09:00"}
    )
    assert response.json()["due_at"] == "2025-03-07T14:00:00Z"  # EST


def test_validation_names_the_field(client, owner):
    response = call(client, "post", "/api/v1/tasks", owner, {"title": "", "recurrence": "weekly"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"title", "due_at"}
    response = call(client, "post", "/api/v1/tasks", owner, {"title": "x", "recurrence": "hourly"})
    assert response.status_code == 422
    assert Task.objects.count() == 0


def test_list_filters_and_pages(client, owner, make_task):
    past = timezone.now() - dt.timedelta(days=1)
    overdue = make_task("Overdue", due_at=past)
    make_task("Later", due_at=timezone.now() + dt.timedelta(days=1))
    done = make_task("Done")
    services.task_complete(task=done, by=owner)
    titles = lambda r: [t["title"] for t in r.json()["items"]]  # noqa: E731
    assert titles(call(client, "get", "/api/v1/tasks", owner)) == ["Overdue", "Later"]
    assert titles(call(client, "get", "/api/v1/tasks?state=overdue", owner)) == ["Overdue"]
    assert titles(call(client, "get", "/api/v1/tasks?state=done", owner)) == ["Done"]
    first = call(client, "get", "/api/v1/tasks?state=all&limit=2", owner).json()
    assert [t["id"] for t in first["items"]] == [overdue.pk, overdue.pk + 1]
    rest = call(
        client, "get", f"/api/v1/tasks?state=all&limit=2&cursor={first['next_cursor']}", owner
    )
    assert titles(rest) == ["Done"] and rest.json()["next_cursor"] is None
    assert call(client, "get", "/api/v1/tasks?sort=title", owner).status_code == 422


def test_permissions(client, owner, member, viewer, limit_members, make_task):
    task = make_task("Owner's")
    assert call(client, "get", f"/api/v1/tasks/{task.pk}", member).status_code == 404
    assert call(client, "get", "/api/v1/tasks", member).json()["items"] == []
    assert call(client, "get", f"/api/v1/tasks/{task.pk}", viewer).status_code == 200
    response = call(client, "post", "/api/v1/tasks", viewer, {"title": "x"})
    assert response.status_code == 403
    response = call(client, "delete", f"/api/v1/tasks/{task.pk}", viewer)
    assert response.status_code == 403
    response = call(client, "post", "/api/v1/tasks", owner, {"title": "x"}, read_only=True)
    assert response.status_code == 403 and response.json()["code"] == "read_only_token"
    assert Task.objects.count() == 1


def test_delete_with_version(client, owner, make_task):
    task = make_task()
    assert call(client, "delete", f"/api/v1/tasks/{task.pk}?version=5", owner).status_code == 409
    assert call(client, "delete", f"/api/v1/tasks/{task.pk}?version=1", owner).status_code == 204
    assert Task.objects.count() == 0


def test_cadences(client, owner, make_customer):
    customer = make_customer()
    tag_create(by=owner, name="VIP")
    created = call(
        client, "post", "/api/v1/cadences", owner, {"customer_id": customer.pk, "interval_days": 30}
    )
    assert created.status_code == 201
    assert created.json() == {
        "id": created.json()["id"], "customer_id": customer.pk, "tag": None,
        "interval_days": 30, "note": "", "active": True, "version": 1,
    }  # fmt: skip
    by_tag = call(client, "post", "/api/v1/cadences", owner, {"tag": "vip", "interval_days": 90})
    assert (by_tag.status_code, by_tag.json()["tag"]) == (201, "VIP")
    unknown = call(client, "post", "/api/v1/cadences", owner, {"tag": "Nope", "interval_days": 9})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "tag"
    listed = call(client, "get", "/api/v1/cadences", owner).json()["items"]
    assert [c["interval_days"] for c in listed] == [30, 90]
    cadence_id = created.json()["id"]
    patched = call(
        client, "patch", f"/api/v1/cadences/{cadence_id}", owner, {"version": 1, "active": False}
    )
    assert patched.json()["active"] is False
    assert (
        call(client, "delete", f"/api/v1/cadences/{cadence_id}?version=2", owner).status_code == 204
    )
    assert Cadence.objects.count() == 1


def test_contacts_due(client, owner, make_customer):
    from solocrm.customers.services import interaction_create

    customer = make_customer("Slipping")
    services.cadence_create(by=owner, customer=customer, interval_days=7)
    interaction_create(
        by=owner, customer=customer, occurred_at=timezone.now() - dt.timedelta(days=9)
    )
    [item] = call(client, "get", "/api/v1/cadences/due", owner).json()
    assert (item["customer_id"], item["customer_name"], item["interval_days"]) == (
        customer.pk,
        "Slipping",
        7,
    )


def test_today_and_snooze(client, owner, make_task):
    task = make_task("Now", due_at=timezone.now() - dt.timedelta(minutes=5), priority=3)
    body = call(client, "get", "/api/v1/today", owner).json()
    assert body["time_zone"] == "Asia/Shanghai"
    [item] = body["items"]
    assert (item["key"], item["kind"], item["score"]) == (f"task:{task.pk}", "task", 80.0)
    assert item["reasons"][0].startswith("Overdue since ")
    assert (item["task_id"], item["task_version"], item["url"]) == (
        task.pk,
        1,
        f"/agenda/tasks/{task.pk}/",
    )
    snoozed = call(client, "post", "/api/v1/today/snooze", owner, {"key": item["key"]})
    assert snoozed.status_code == 200
    assert call(client, "get", "/api/v1/today", owner).json()["items"] == []
    bad = call(client, "post", "/api/v1/today/snooze", owner, {"key": "customer:1"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "item_key"
    assert TodaySnooze.objects.count() == 1


def test_viewers_have_no_today(client, viewer):
    assert call(client, "get", "/api/v1/today", viewer).status_code == 403


def test_notifications(client, owner, member, make_task):
    from solocrm.agenda.reminders import reminders_deliver_due

    make_task("Remind me", remind_at=timezone.now() - dt.timedelta(minutes=1))
    reminders_deliver_due()
    assert call(client, "get", "/api/v1/notifications/unread-count", owner).json() == {"unread": 1}
    [note] = call(client, "get", "/api/v1/notifications?unread=true", owner).json()["items"]
    assert note["title"] == "Reminder: Remind me"
    assert (
        call(client, "post", f"/api/v1/notifications/{note['id']}/read", member).status_code == 404
    )
    read = call(client, "post", f"/api/v1/notifications/{note['id']}/read", owner)
    assert read.json()["read_at"] is not None
    assert call(client, "get", "/api/v1/notifications/unread-count", owner).json() == {"unread": 0}
    assert call(client, "post", "/api/v1/notifications/read-all", owner).json() == {"unread": 0}
    assert Notification.objects.count() == 1


def test_calendar_feed_api(client, owner):
    response = call(client, "post", "/api/v1/calendar-feed", owner)
    assert response.status_code == 201
    url = response.json()["url"]
    assert url.startswith("http://testserver/agenda/calendar/cal_")
    assert client.get(url.removeprefix("http://testserver")).status_code == 200
    assert call(client, "delete", "/api/v1/calendar-feed", owner).status_code == 204
    assert client.get(url.removeprefix("http://testserver")).status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/tasks", "/api/v1/today", "/api/v1/cadences"])
def test_anonymous_gets_401(client, path):
    assert client.get(path).status_code == 401


def test_tasks_link_to_deals(client, owner, make_deal):
    deal = make_deal()
    response = call(
        client,
        "post",
        "/api/v1/tasks",
        owner,
        {"title": "Send contract", "deal_id": deal.pk, "due_at": "2025-03-10T09:00:00Z"},
    )
    assert response.json()["deal_id"] == deal.pk
    listed = call(client, "get", f"/api/v1/tasks?deal={deal.pk}", owner).json()["items"]
    assert [t["title"] for t in listed] == ["Send contract"]
    missing = call(client, "post", "/api/v1/tasks", owner, {"title": "x", "deal_id": 999999})
    assert missing.status_code == 404
