"""Roles in the customer pages: viewers read, limited members see only their own records."""

import pytest
from django.test import Client
from django.urls import reverse

from solocrm.core.models import Tag
from solocrm.customers import services
from solocrm.customers.models import Company, Customer


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def records(owner, make_customer, make_company):
    company = make_company("Acme")
    customer = make_customer("张伟", data={"company": company}, tags=["VIP"])
    return customer, company


def test_viewer_reads_pages_but_every_write_is_refused(viewer, records):
    customer, company = records
    client = client_for(viewer)
    for url in [
        reverse("customers:customer_list"),
        reverse("customers:customer_detail", args=[customer.pk]),
        reverse("customers:company_detail", args=[company.pk]),
        reverse("customers:trash"),
        reverse("customers:tags"),
    ]:
        assert client.get(url).status_code == 200, url
    list_page = client.get(reverse("customers:customer_list")).content.decode()
    assert 'name="ids"' not in list_page  # no bulk selection for readers
    refused = [
        ("get", reverse("customers:customer_create"), {}),
        ("get", reverse("customers:customer_edit", args=[customer.pk]), {}),
        ("post", reverse("customers:customer_edit", args=[customer.pk]), {"name": "X"}),
        ("post", reverse("customers:customer_delete", args=[customer.pk]), {}),
        ("post", reverse("customers:interaction_create", args=[customer.pk]), {"body": "x"}),
        ("post", reverse("customers:customer_bulk"), {"action": "delete", "ids": [customer.pk]}),
        ("post", reverse("customers:company_delete", args=[company.pk]), {}),
        ("post", reverse("customers:tags"), {"name": "New", "color": "#000000"}),
        ("get", reverse("customers:custom_fields"), {}),
        ("post", reverse("customers:trash_empty"), {}),
    ]
    for method, url, data in refused:
        assert getattr(client, method)(url, data).status_code == 403, url
    stored = Customer.objects.get()
    assert (stored.name, stored.version, stored.deleted_at) == ("张伟", 1, None)
    assert not stored.interactions.exists()
    assert Company.objects.get().deleted_at is None
    assert list(Tag.objects.values_list("name", flat=True)) == ["VIP"]


def test_limited_member_pages_hide_others_records(member, limit_members, records, make_customer):
    customer, company = records
    mine = make_customer("My own", by=member)
    client = client_for(member)
    page = client.get(reverse("customers:customer_list")).content.decode()
    assert "My own" in page
    assert "张伟" not in page
    assert (
        client.get(reverse("customers:customer_list"), {"q": "张伟"}).context["page"]["items"] == []
    )
    for url in [
        reverse("customers:customer_detail", args=[customer.pk]),
        reverse("customers:customer_edit", args=[customer.pk]),
        reverse("customers:company_detail", args=[company.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("customers:customer_delete", args=[customer.pk])).status_code == 404
    response = client.post(
        reverse("customers:customer_bulk"),
        {"action": "change_stage", "stage": "customer", "ids": [mine.pk, customer.pk]},
    )
    assert response.status_code == 303
    assert set(Customer.objects.values_list("lifecycle_stage", flat=True)) == {"lead"}
    assert client.get(reverse("customers:customer_detail", args=[mine.pk])).status_code == 200


def test_member_may_not_empty_the_trash_or_define_fields(member, records):
    customer, _company = records
    services.customer_delete(customer=customer, by=member)
    client = client_for(member)
    assert client.post(reverse("customers:trash_empty")).status_code == 403
    assert client.get(reverse("customers:custom_fields")).status_code == 403
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert client.post(reverse("customers:customer_restore", args=[customer.pk])).status_code == 303
    assert Customer.objects.get(pk=customer.pk).deleted_at is None


def test_anonymous_is_sent_to_login(records):
    customer, _company = records
    client = Client()
    for url in [
        reverse("customers:customer_list"),
        reverse("customers:customer_detail", args=[customer.pk]),
        reverse("customers:trash"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_custom_fields_nav_item_is_for_owners_only(owner_client, member):
    assert reverse("customers:custom_fields") in owner_client.get("/customers/").content.decode()
    member_page = client_for(member).get("/customers/").content.decode()
    assert reverse("customers:custom_fields") not in member_page
