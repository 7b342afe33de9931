import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import localtime

from solocrm.core.demo import demo_load
from solocrm.core.models import AuditEntry
from solocrm.customers import services
from solocrm.customers.models import Customer, Interaction


@pytest.fixture
def demo(owner):
    demo_load(customers=30, seed=5, owner=owner)


PAGES = [
    "customers:customer_list",
    "customers:customer_create",
    "customers:company_list",
    "customers:company_create",
    "customers:trash",
    "customers:custom_fields",
    "customers:tags",
]


@pytest.mark.parametrize("name", PAGES)
def test_pages_render_for_the_owner(owner_client, demo, name):
    response = owner_client.get(reverse(name))
    assert response.status_code == 200
    assert b"<script>" not in response.content  # nothing inline
    assert b" style=" not in response.content


def test_detail_pages_render(owner_client, demo):
    customer = Customer.objects.filter(interactions__isnull=False).first()
    response = owner_client.get(reverse("customers:customer_detail", args=[customer.pk]))
    assert response.status_code == 200
    assert customer.name in response.content.decode()
    company = customer.company or Customer.objects.exclude(company=None).first().company
    for name, pk in [
        ("customers:company_detail", company.pk),
        ("customers:customer_edit", customer.pk),
        ("customers:company_edit", company.pk),
    ]:
        assert owner_client.get(reverse(name, args=[pk])).status_code == 200


def test_list_shows_search_box_and_nav(owner_client, demo):
    page = owner_client.get(reverse("customers:customer_list")).content.decode()
    assert 'id="global-search"' in page
    assert reverse("customers:trash") in page


def test_interaction_body_is_rendered_as_sanitised_markdown(owner_client, owner):
    customer = services.customer_create(by=owner, name="张伟")
    services.interaction_create(
        by=owner,
        customer=customer,
        subject="<b>subject</b>",
        body=(
            "**bold** <script>alert(1)</script> [x](javascript:alert(2)) "
            "<img src=x onerror=alert(3)>"
        ),
    )
    page = owner_client.get(reverse("customers:customer_detail", args=[customer.pk])).content
    page = page.decode()
    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)" not in page
    assert "javascript:" not in page
    assert "onerror" not in page
    assert "&lt;b&gt;subject&lt;/b&gt;" in page


def test_create_customer_through_the_form(owner_client, owner):
    response = owner_client.post(
        reverse("customers:customer_create"),
        {
            "name": "王芳",
            "emails": "wang.fang@example.com\nwf@qq.com",
            "phones": "13800138000",
            "lifecycle_stage": "lead",
            "tier": "regular",
            "source": "wechat",
            "consent_status": "unknown",
            "owner": owner.pk,
            "new_tags": "VIP, 华东",
        },
    )
    customer = Customer.objects.get(name="王芳")
    assert response.status_code == 303
    assert response["Location"] == reverse("customers:customer_detail", args=[customer.pk])
    assert customer.primary_email == "wang.fang@example.com"
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "华东"]


def test_form_shows_service_errors_next_to_the_field_and_keeps_input(owner_client, owner):
    response = owner_client.post(
        reverse("customers:customer_create"),
        {
            "name": "李娜",
            "phones": "12",
            "lifecycle_stage": "lead",
            "tier": "regular",
            "source": "other",
            "consent_status": "unknown",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["phones"] == [
        "“12” is not a valid phone number for region CN; write numbers from elsewhere "
        "with + and the country code."
    ]
    assert 'value="李娜"' in response.content.decode()
    assert not Customer.objects.exists()


def test_stale_edit_shows_a_clear_message_and_keeps_the_users_input(owner_client, owner):
    customer = services.customer_create(by=owner, name="张伟", emails=["zw@example.com"])
    form = owner_client.get(reverse("customers:customer_edit", args=[customer.pk]))
    assert 'name="version" value="1"' in form.content.decode()
    services.customer_update(customer=customer, by=owner, data={"city": "北京"})
    response = owner_client.post(
        reverse("customers:customer_edit", args=[customer.pk]),
        {
            "name": "张伟明",
            "emails": "zw@example.com",
            "lifecycle_stage": "lead",
            "tier": "regular",
            "source": "other",
            "consent_status": "unknown",
            "city": "上海",
            "version": "1",
        },
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this customer" in page
    assert 'value="张伟明"' in page
    assert 'value="上海"' in page
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.city, stored.version) == ("张伟", "北京", 2)


def test_log_interaction_with_htmx_returns_the_timeline(owner_client, owner):
    customer = services.customer_create(by=owner, name="张伟")
    response = owner_client.post(
        reverse("customers:interaction_create", args=[customer.pk]),
        {"kind": "call", "direction": "outbound", "subject": "回访", "body": "满意"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="activity",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="activity"')
    assert "回访" in page
    assert Interaction.objects.get().kind == "call"


def test_the_customer_page_says_when_they_were_last_contacted(owner_client, owner):
    customer = services.customer_create(by=owner, name="李娜")
    url = reverse("customers:customer_detail", args=[customer.pk])
    page = owner_client.get(url).content.decode()
    assert "Last contacted</dt><dd>never</dd>" in page
    owner_client.post(
        reverse("customers:interaction_create", args=[customer.pk]),
        {"kind": "call", "direction": "outbound", "subject": "回访", "body": ""},
    )
    customer.refresh_from_db()
    stamp = timezone.localtime(customer.last_contacted_at).strftime("%Y-%m-%d %H:%M")
    page = owner_client.get(url).content.decode()
    assert f"Last contacted</dt><dd>{stamp} (0\xa0minutes ago)</dd>" in page


def test_list_filters_sort_columns_and_htmx_fragment(owner_client, owner):
    services.customer_create(by=owner, name="Zed", data={"lifecycle_stage": "customer"})
    services.customer_create(by=owner, name="Amy", data={"lifecycle_stage": "customer"})
    services.customer_create(by=owner, name="Bob", data={"lifecycle_stage": "lead"})
    response = owner_client.get(
        reverse("customers:customer_list"),
        {"stage": "customer", "sort": "-name", "columns": ["city", "owner"]},
    )
    assert [c.name for c in response.context["page"]["items"]] == ["Zed", "Amy"]
    assert [k for k, _label in response.context["columns"]] == ["name", "city", "owner"]
    fragment = owner_client.get(
        reverse("customers:customer_list"),
        {"q": "amy"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
    )
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert ">Amy</a>" in html
    assert ">Zed</a>" not in html
    assert "<html" not in html


def test_bad_filter_is_reported_not_crashing(owner_client, owner):
    response = owner_client.get(reverse("customers:customer_list"), {"sort": "password"})
    assert response.status_code == 200
    assert "sort" in response.context["form"].errors


def test_bulk_change_stage_from_the_list(owner_client, owner):
    a = services.customer_create(by=owner, name="A")
    b = services.customer_create(by=owner, name="B")
    response = owner_client.post(
        reverse("customers:customer_bulk"),
        {"action": "change_stage", "stage": "customer", "ids": [a.pk, b.pk], "query": "q=x"},
    )
    assert response.status_code == 303
    assert response["Location"] == reverse("customers:customer_list") + "?q=x"
    assert set(Customer.objects.values_list("lifecycle_stage", "version")) == {("customer", 2)}
    assert AuditEntry.objects.filter(action="update", object_type="customers.customer").count() == 2


def test_saved_view_round_trip(owner_client, owner):
    response = owner_client.post(
        reverse("customers:saved_view_create"),
        {"name": "VIPs", "query": "tier=vip&cursor=abc&sort=-created"},
    )
    assert response["Location"] == reverse("customers:customer_list") + "?tier=vip&sort=-created"
    page = owner_client.get(reverse("customers:customer_list")).content.decode()
    assert "?tier=vip&amp;sort=-created" in page


def test_trash_restore_and_empty_through_pages(owner_client, owner):
    customer = services.customer_create(by=owner, name="张伟")
    owner_client.post(reverse("customers:customer_delete", args=[customer.pk]))
    assert Customer.objects.get().deleted_at is not None
    assert "张伟" in owner_client.get(reverse("customers:trash")).content.decode()
    owner_client.post(reverse("customers:customer_restore", args=[customer.pk]))
    assert Customer.objects.get().deleted_at is None
    owner_client.post(reverse("customers:customer_delete", args=[customer.pk]))
    owner_client.post(reverse("customers:trash_empty"))
    assert not Customer.objects.exists()


def test_list_page_query_count_does_not_grow_with_rows(owner_client, owner, make_customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    columns = {"columns": "email,phone,company,tags,owner,stage"}

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(reverse("customers:customer_list"), columns).status_code == 200
        return len(queries)

    make_customer("A", emails=["a@example.com"], phones=["13800138000"], tags=["x"])
    few = count()
    for n in range(8):
        make_customer(f"B{n}", emails=[f"b{n}@example.com"], phones=["13800138001"], tags=["y"])
    assert count() == few


def test_add_a_person_from_a_company_page_prefills_the_company(owner_client, make_company):
    company = make_company("Acme")
    response = owner_client.get(reverse("customers:customer_create"), {"company": company.pk})
    assert response.context["form"].initial["company"] == company


def _entry(owner, **kwargs):
    customer = services.customer_create(by=owner, name="张伟")
    note = services.interaction_create(
        by=owner, customer=customer, subject="First call", body="Wants a quote", **kwargs
    )
    return customer, note


def _edit_url(note) -> str:
    return reverse("customers:interaction_edit", args=[note.customer_id, note.pk])


def test_an_interaction_is_edited_from_the_timeline(owner_client, owner):
    customer, note = _entry(owner)
    detail = owner_client.get(reverse("customers:customer_detail", args=[customer.pk]))
    assert f'href="{_edit_url(note)}"' in detail.content.decode()
    form = owner_client.get(_edit_url(note))
    html = form.content.decode()
    assert 'name="version" value="1"' in html
    assert 'value="First call"' in html and "Wants a quote" in html
    assert f'value="{localtime(note.occurred_at):%Y-%m-%dT%H:%M}"' in html
    response = owner_client.post(
        _edit_url(note),
        {
            "kind": "call",
            "direction": "outbound",
            "occurred_at": "2024-03-05T10:30",
            "subject": "Quote sent",
            "body": "Sent the quote **today**",
            "version": "1",
        },
    )
    assert response.status_code == 303
    assert response.url == reverse("customers:customer_detail", args=[customer.pk]) + "#activity"
    note.refresh_from_db()
    assert (note.kind, note.direction, note.subject, note.version) == (
        "call",
        "outbound",
        "Quote sent",
        2,
    )
    assert f"{localtime(note.occurred_at):%Y-%m-%d %H:%M}" == "2024-03-05 10:30"
    customer.refresh_from_db()
    assert "quote sent" in customer.search_text and "first call" not in customer.search_text
    entry = AuditEntry.objects.filter(action="update", object_type="customers.interaction").get()
    assert entry.changes["subject"] == ["First call", "Quote sent"]


def test_a_stale_interaction_edit_is_refused_and_keeps_the_input(owner_client, owner):
    _customer, note = _entry(owner)
    services.interaction_update(interaction=note, by=owner, data={"subject": "Changed elsewhere"})
    response = owner_client.post(
        _edit_url(note),
        {"kind": "note", "direction": "none", "occurred_at": "2024-03-05T10:30",
         "subject": "Mine", "body": "", "version": "1"},
    )  # fmt: skip
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this entry" in page and 'value="Mine"' in page
    note.refresh_from_db()
    assert (note.subject, note.version) == ("Changed elsewhere", 2)


def test_an_invalid_interaction_edit_names_the_field_and_changes_nothing(owner_client, owner):
    _customer, note = _entry(owner)
    response = owner_client.post(
        _edit_url(note),
        {"kind": "note", "direction": "none", "occurred_at": "", "subject": "x" * 201,
         "body": "", "version": "1"},
    )  # fmt: skip
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"occurred_at", "subject"}
    note.refresh_from_db()
    assert (note.subject, note.version) == ("First call", 1)


def test_interaction_edit_needs_write_access_to_the_customer(
    client, owner, viewer, member, limit_members
):
    _customer, note = _entry(owner)
    client.force_login(viewer)
    assert client.get(_edit_url(note)).status_code == 403
    client.force_login(member)  # limited to their own customers: this one is hidden
    assert client.get(_edit_url(note)).status_code == 404
    assert client.post(_edit_url(note), {"subject": "x"}).status_code == 404
