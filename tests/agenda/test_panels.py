"""Tasks on the customer and deal pages: open tasks (overdue marked), "add task" with the
link filled in, "done" that comes back to the page, permissions and no N+1 queries."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from solocrm.agenda.models import Task


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_customer_page_lists_open_tasks_with_overdue_marked(owner_client, make_customer, make_task):
    customer = make_customer()
    now = timezone.now()
    make_task("Send the quote", customer=customer, due_at=now - dt.timedelta(days=2))
    make_task("Call next week", customer=customer, due_at=now + dt.timedelta(days=7))
    done = make_task("Already done", customer=customer)
    done.done_at = now
    Task.objects.filter(pk=done.pk).update(done_at=now)
    make_task("Someone else's customer task")
    html = _html(owner_client, f"/customers/{customer.pk}/")
    panel = html.split('data-testid="tasks-panel"')[1].split("</section>")[0]
    assert panel.index("Send the quote") < panel.index("Call next week")
    assert "Already done" not in panel and "Someone else" not in panel
    overdue_item = panel.split("Send the quote")[0].rsplit("<li", 1)[1]
    assert "task-overdue" in overdue_item
    assert panel.count("task-overdue") == 1 and panel.count(">Overdue<") == 1
    add = f"/agenda/tasks/new/?customer={customer.pk}&amp;next=/customers/{customer.pk}/"
    assert f'href="{add}"' in panel


def test_done_from_the_customer_page_comes_back_to_it(owner_client, make_customer, make_task):
    customer = make_customer()
    task = make_task("Send the quote", customer=customer)
    response = owner_client.post(
        f"/agenda/tasks/{task.pk}/done/",
        {"version": task.version, "next": f"/customers/{customer.pk}/"},
    )
    assert (response.status_code, response["Location"]) == (303, f"/customers/{customer.pk}/")
    task.refresh_from_db()
    assert task.done_at is not None
    response = owner_client.post(
        f"/agenda/tasks/{make_task('x').pk}/done/",
        {"version": 1, "next": "https://evil.example.com/"},
    )
    assert response["Location"] == "/agenda/tasks/"  # not another site


def test_add_task_from_the_page_links_it_and_returns(owner_client, make_customer):
    customer = make_customer()
    url = f"/agenda/tasks/new/?customer={customer.pk}&next=/customers/{customer.pk}/"
    form = owner_client.get(url).content.decode()
    assert customer.name in form  # the picker shows the linked customer by name
    response = owner_client.post(
        url,
        {"title": "Follow up", "priority": 2, "recurrence_interval": 1, "customer": customer.pk},
    )
    assert (response.status_code, response["Location"]) == (303, f"/customers/{customer.pk}/")
    assert Task.objects.get().customer == customer


def test_deal_page_shows_the_deals_tasks(owner_client, make_deal, make_task):
    deal = make_deal()
    make_task("Prepare the demo", deal=deal, due_at=timezone.now() - dt.timedelta(hours=1))
    make_task("Other deal's task")
    html = _html(owner_client, f"/sales/deals/{deal.pk}/")
    panel = html.split('data-testid="tasks-panel"')[1].split("</section>")[0]
    assert "Prepare the demo" in panel and "Other deal" not in panel
    assert "task-overdue" in panel
    assert f"/agenda/tasks/new/?deal={deal.pk}&amp;next=/sales/deals/{deal.pk}/" in panel


def test_viewers_see_tasks_without_buttons_and_limited_members_only_theirs(
    client, owner, member, viewer, limit_members, make_customer, make_task
):
    customer = make_customer("Shared", by=member)
    make_task("Task of the owner", customer=customer, by=owner)
    make_task("Task of the member", customer=customer, by=member)
    client.force_login(member)
    panel = _html(client, f"/customers/{customer.pk}/").split('data-testid="tasks-panel"')[1]
    assert "Task of the member" in panel and "Task of the owner" not in panel
    client.force_login(viewer)
    panel = _html(client, f"/customers/{customer.pk}/").split('data-testid="tasks-panel"')[1]
    panel = panel.split("</section>")[0]
    assert "Add task" not in panel and "/done/" not in panel


def _query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_panel_queries_do_not_grow_with_the_tasks(
    owner_client, owner, make_user, make_customer, make_deal, make_task
):
    customer = make_customer()
    deal = make_deal()
    make_task("First", customer=customer, deal=deal)
    one = _query_count(owner_client, f"/customers/{customer.pk}/")
    one_deal = _query_count(owner_client, f"/sales/deals/{deal.pk}/")
    for index in range(5):
        other = make_user("member")
        make_task(f"Task {index}", customer=customer, deal=deal, owner=other)
    assert _query_count(owner_client, f"/customers/{customer.pk}/") == one
    assert _query_count(owner_client, f"/sales/deals/{deal.pk}/") == one_deal
