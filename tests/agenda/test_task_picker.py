"""The task form's record picker: the search endpoint (only records the user may see),
the radio a match becomes, and the no-JavaScript path (a typed name or number resolved,
with errors naming the field)."""

from __future__ import annotations

import pytest

from solocrm.agenda.models import Task
from solocrm.customers import services as customer_services

FORM = {"title": "Follow up", "priority": 2, "recurrence_interval": 1}


@pytest.fixture
def company(owner):
    return customer_services.company_create(by=owner, name="Longjing Tea Co")


def test_search_lists_matching_customers_as_radios(owner_client, make_customer):
    wang = make_customer("王芳")
    make_customer("李娜")
    response = owner_client.get("/agenda/tasks/links/customer/", {"customer_search": "王"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<input type="radio" name="customer" value="{wang.pk}" checked>' in html
    assert "李娜" not in html
    by_number = owner_client.get("/agenda/tasks/links/customer/", {"customer_search": wang.pk})
    assert "王芳" in by_number.content.decode()
    none = owner_client.get("/agenda/tasks/links/customer/", {"customer_search": "nobody"})
    assert "Nothing you can see matches “nobody”." in none.content.decode()


def test_search_companies_and_deals(owner_client, company, make_deal):
    deal = make_deal("Tea shop fit-out")
    html = owner_client.get("/agenda/tasks/links/company/", {"company_search": "tea co"})
    assert f'name="company" value="{company.pk}"' in html.content.decode()
    html = owner_client.get("/agenda/tasks/links/deal/", {"deal_search": "fit"})
    assert f'name="deal" value="{deal.pk}"' in html.content.decode()
    assert owner_client.get("/agenda/tasks/links/order/").status_code == 404


def test_limited_members_find_only_their_records(
    client, owner, member, limit_members, make_customer, make_deal
):
    mine = make_customer("Zhang Mine", by=member)
    theirs = make_customer("Zhang Theirs", by=owner)
    owner_deal = make_deal("Zhang deal")
    client.force_login(member)
    html = client.get("/agenda/tasks/links/customer/", {"customer_search": "zhang"})
    html = html.content.decode()
    assert f'value="{mine.pk}"' in html and f'value="{theirs.pk}"' not in html
    html = client.get("/agenda/tasks/links/customer/", {"customer_search": theirs.pk})
    assert "Zhang Theirs" not in html.content.decode()
    html = client.get("/agenda/tasks/links/deal/", {"deal_search": "zhang"}).content.decode()
    assert f'value="{owner_deal.pk}"' not in html
    # and the form refuses a number typed or posted for someone else's customer
    response = client.post("/agenda/tasks/new/", {**FORM, "customer": theirs.pk})
    assert response.context["form"].errors["customer"] == [
        f"There is no customer number {theirs.pk} that you can see."
    ]
    assert not Task.objects.exists()


def test_the_form_shows_the_picker_with_htmx_and_the_chosen_record(owner_client, make_customer):
    customer = make_customer("王芳")
    html = owner_client.get(f"/agenda/tasks/new/?customer={customer.pk}").content.decode()
    assert 'name="customer_search"' in html
    assert 'hx-get="/agenda/tasks/links/customer/"' in html
    assert f'<input type="radio" name="customer" value="{customer.pk}" checked> 王芳' in html
    assert "<script" not in html.split('data-testid="picker-customer"')[1].split("</form>")[0]


def test_without_javascript_a_typed_name_or_number_is_used(owner_client, make_customer, company):
    customer = make_customer("王芳")
    response = owner_client.post(
        "/agenda/tasks/new/", {**FORM, "customer_search": "王芳", "company_search": company.pk}
    )
    assert response.status_code == 303
    task = Task.objects.get()
    assert (task.customer, task.company) == (customer, company)


def test_typed_text_errors_name_the_field(owner_client, make_customer):
    make_customer("Zhang Wei")
    make_customer("Zhang Min")
    response = owner_client.post("/agenda/tasks/new/", {**FORM, "customer_search": "zhang"})
    assert response.context["form"].errors["customer"] == [
        "Several customer records match “zhang”; type more of the name or its number."
    ]
    response = owner_client.post("/agenda/tasks/new/", {**FORM, "deal_search": "nothing"})
    assert response.context["form"].errors["deal"] == ["No deal you can see matches “nothing”."]
    response = owner_client.post("/agenda/tasks/new/", {**FORM, "customer": "abc"})
    assert response.context["form"].errors["customer"] == ["Choose a customer from the list."]
    assert not Task.objects.exists()


def test_editing_keeps_and_changes_links(owner_client, owner, make_customer, make_task):
    first, second = make_customer("First"), make_customer("Second")
    task = make_task("Call", customer=first)
    html = owner_client.get(f"/agenda/tasks/{task.pk}/").content.decode()
    assert f'name="customer" value="{first.pk}" checked' in html
    data = {**FORM, "title": "Call", "owner": owner.pk, "version": task.version}
    response = owner_client.post(f"/agenda/tasks/{task.pk}/", {**data, "customer": second.pk})
    assert response.status_code == 303
    task.refresh_from_db()
    assert task.customer == second
    response = owner_client.post(
        f"/agenda/tasks/{task.pk}/", {**data, "customer": "", "version": task.version}
    )
    task.refresh_from_db()
    assert task.customer is None


def test_the_first_matches_by_name_whichever_way_the_search_sorts_them(
    owner, member, limit_members, make_customer, monkeypatch
):
    """Candidates go through the customers' name index on SQLite (``customers_first``),
    more matches walk the name order: the same first customers either way."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from solocrm.agenda.link_search import link_matches
    from solocrm.customers import search_index

    for name in ["赵六", "Bob Tea", "amy tea", "Tea Zed", "茶叶王"]:
        make_customer(name, emails=[f"{len(name)}{ord(name[0])}@tea.example"])
    make_customer("Mine Tea", by=member, emails=["mine@tea.example"])
    monkeypatch.setattr(search_index, "CANDIDATES", 1)
    walked = [c.name for c in link_matches(owner, "customer", "tea.example", limit=4)]
    walked_member = [c.name for c in link_matches(member, "customer", "tea.example", limit=4)]
    monkeypatch.setattr(search_index, "CANDIDATES", 5000)
    with CaptureQueriesContext(connection) as queries:
        found = [c.name for c in link_matches(owner, "customer", "tea.example", limit=4)]
    assert found == walked == ["Bob Tea", "Mine Tea", "Tea Zed", "amy tea"]
    indexed = any(search_index.NAME_INDEX in q["sql"] for q in queries.captured_queries)
    assert indexed == (connection.vendor == "sqlite")
    assert (
        [c.name for c in link_matches(member, "customer", "tea.example", limit=4)]
        == (walked_member)
        == ["Mine Tea"]
    )
