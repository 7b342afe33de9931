import datetime as dt

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from solocrm.core.custom_fields import custom_field_definition_create, definitions_for
from solocrm.core.tags import Tag, tag_create
from solocrm.customers.filters import (
    CustomerFilterForm,
    column_value,
    customers_filter,
    list_page_choices,
    sort_terms,
)
from solocrm.customers.models import Customer, SavedView
from solocrm.customers.selectors import assignable_owners, customers_visible
from solocrm.customers.services import saved_view_create
from solocrm.customers.services.saved_views import saved_view_query
from solocrm.customers.templatetags.customer_list import page_labels
from tests.customers.test_api import bearer


def listed(user, query):
    form = CustomerFilterForm(QueryDict(query))
    assert form.is_valid(), form.errors
    return list(customers_filter(customers_visible(user), form).values_list("name", flat=True))


@pytest.fixture
def crowd(owner, member, make_customer, make_company):
    acme = make_company("Acme")
    custom_field_definition_create(
        by=owner, target="customer", key="level", label="Level", field_type="choice",
        choices=["gold", "silver"],
    )  # fmt: skip
    custom_field_definition_create(
        by=owner, target="customer", key="hobbies", label="Hobbies",
        field_type="multiple_choice", choices=["tea", "golf"],
    )  # fmt: skip
    make_customer(
        "Ann", tags=["VIP"],
        data={"lifecycle_stage": "customer", "tier": "vip", "source": "wechat"},
        custom_fields={"level": "gold", "hobbies": ["tea"]},
    )  # fmt: skip
    make_customer(
        "Ben", tags=["VIP", "华东"], data={"company": acme, "source": "event"},
        custom_fields={"level": "silver", "hobbies": ["golf", "tea"]},
    )  # fmt: skip
    make_customer("Cai", by=member, data={"lifecycle_stage": "customer"})
    Customer.objects.filter(name="Cai").update(
        created_at=dt.datetime(2024, 1, 15, 12, tzinfo=dt.UTC)
    )
    return acme


def test_filters(owner, member, crowd):
    assert listed(owner, "") == ["Ann", "Ben", "Cai"]
    assert listed(owner, "tag=VIP") == ["Ann", "Ben"]
    assert listed(owner, "tag=VIP&tag=华东") == ["Ben"]
    assert listed(owner, "stage=customer") == ["Ann", "Cai"]
    assert listed(owner, "stage=customer&stage=lead") == ["Ann", "Ben", "Cai"]
    assert listed(owner, "tier=vip") == ["Ann"]
    assert listed(owner, "source=event") == ["Ben"]
    assert listed(owner, f"owner={member.pk}") == ["Cai"]
    assert listed(owner, f"company={crowd.pk}") == ["Ben"]
    assert listed(owner, "created_to=2024-12-31") == ["Cai"]
    assert listed(owner, "created_from=2025-01-01") == ["Ann", "Ben"]
    assert listed(owner, "cf_level=gold") == ["Ann"]
    assert listed(owner, "cf_hobbies=golf") == ["Ben"]
    assert listed(owner, "cf_hobbies=tea&stage=lead") == ["Ben"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=secret", "sort"),
        ("stage=ghost", "stage"),
        ("tag=nope", "tag"),
        ("created_from=yesterday", "created_from"),
        ("created_from=2025-02-01&created_to=2025-01-01", "created_to"),
        ("columns=password", "columns"),
        ("owner=abc", "owner"),
    ],
)
def test_bad_filters_name_the_parameter(owner, crowd, query, field):
    form = CustomerFilterForm(QueryDict(query))
    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_sorting_goes_through_the_allow_list(owner, crowd):
    assert listed(owner, "sort=-name") == ["Cai", "Ben", "Ann"]
    assert listed(owner, "sort=created") == ["Cai", "Ann", "Ben"]
    assert listed(owner, "sort=tier") == ["Ben", "Cai", "Ann"]  # potential, potential, vip


def test_columns_include_custom_fields(owner, crowd):
    form = CustomerFilterForm(QueryDict("columns=cf_level,tags&columns=company"))
    assert form.is_valid()
    assert form.cleaned_data["columns"] == ["name", "cf_level", "tags", "company"]
    ben = Customer.objects.get(name="Ben")
    assert column_value(ben, "cf_level") == "silver"
    assert column_value(ben, "cf_hobbies") == "tea, golf"
    assert column_value(ben, "tags") == ["VIP", "华东"]
    assert column_value(ben, "company") == "Acme"


def test_the_page_reads_custom_fields_and_owners_only_for_their_columns(owner, owner_client, crowd):
    """The page query reads only the shown columns; a custom-field or owner column still
    shows its values, without a query per row."""
    url = "/customers/?columns=cf_level,owner&sort=-created"
    owner_client.get(url)  # sessions and caches settle
    queries, html = list_queries(owner_client, url)
    assert queries == list_queries(owner_client, "/customers/?sort=-created")[0]
    assert ">silver</td>" in html and ">gold</td>" in html
    assert html.count(f">{owner}</td>") >= 2
    plain = owner_client.get("/customers/?sort=tier").content.decode()
    assert ">silver</td>" not in plain and ">Ben</a>" in plain


def test_saved_view_keeps_filters_but_not_the_page(owner):
    assert saved_view_query("?tier=vip&cursor=xyz&limit=5&q=") == "tier=vip"
    view = saved_view_create(user=owner, name=" VIPs ", query_string="tier=vip&sort=-created")
    again = saved_view_create(user=owner, name="VIPs", query_string="tier=regular")
    assert (view.pk, again.name, again.query_string) == (again.pk, "VIPs", "tier=regular")


def fill(make_customer, company, count, start=0):
    for n in range(start, start + count):
        make_customer(
            f"客户{n:03d}",
            emails=[f"c{n}@example.com", f"other{n}@example.com"],
            phones=[f"+86 138 0000 {n:04d}"],
            tags=["VIP", "华东"],
            data={"company": company, "wechat_id": f"wx{n}"},
        )


def list_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


URLS = [
    "/customers/",
    "/customers/?sort=-created&stage=lead&tag=VIP",
    "/customers/?q=example",
    "/customers/?columns=owner,email,source,city,wechat_id,created,updated&sort=-updated",
]


@pytest.mark.parametrize("url", URLS)
def test_the_list_page_runs_the_same_few_queries_for_5_or_50_customers(
    owner_client, make_customer, make_company, url
):
    acme = make_company("Acme")
    fill(make_customer, acme, 5)
    owner_client.get(url)  # sessions and caches settle
    few, html = list_queries(owner_client, url)
    assert html.count("@example.com") == 5
    fill(make_customer, acme, 45, start=5)
    many, html = list_queries(owner_client, url)
    assert html.count("@example.com") == 50  # one primary email per row
    assert few == many
    assert many <= 10


def test_a_limited_member_lists_in_the_same_few_queries(
    client, member, limit_members, make_customer, make_company
):
    client.force_login(member)
    fill(make_customer, make_company("Acme"), 3)  # the owner's: never shown
    make_customer("Mine", by=member, emails=["me@example.com"])
    client.get("/customers/")
    queries, html = list_queries(client, "/customers/")
    assert queries <= 10
    assert "Mine" in html and "me@example.com" in html and "客户000" not in html


def test_list_rows_show_the_primary_email_and_phone_company_and_tags(owner_client, make_customer):
    make_customer(
        "Ann", emails=["ann@example.com", "ann2@example.com"],
        phones=["+86 138 0013 8000", "+86 139 0000 0000"], tags=["VIP"],
    )  # fmt: skip
    make_customer("Bob")
    html = owner_client.get("/customers/?columns=email,phone,tags").content.decode()
    assert "ann@example.com" in html and "ann2@example.com" not in html
    assert "+8613800138000" in html and "+8613900000000" not in html
    assert '<span class="chip">VIP</span>' in html


@pytest.mark.parametrize("sort", ["stage", "-tier", "source", "-created", "name", "-updated"])
def test_keyset_pages_walk_every_sort_without_gaps_or_repeats(client, owner, make_customer, sort):
    stages = ["lead", "customer", "lead", "prospect", "customer", "lead", "lead"]
    for n, stage in enumerate(stages):
        make_customer(
            f"P{n % 3}", data={"lifecycle_stage": stage, "tier": "vip" if n % 2 else "regular"}
        )
    form = CustomerFilterForm(QueryDict(f"sort={sort}"))
    assert form.is_valid()
    expected = list(customers_filter(customers_visible(owner), form).values_list("pk", flat=True))
    seen, cursor = [], ""
    headers = bearer(owner)
    while True:
        body = client.get(f"/api/v1/customers?sort={sort}&limit=2{cursor}", **headers).json()
        seen += [item["id"] for item in body["items"]]
        if not body["next_cursor"]:
            break
        cursor = f"&cursor={body['next_cursor']}"
    assert seen == expected and len(seen) == len(stages)


def test_coarse_sorts_break_ties_by_name():
    assert sort_terms("stage") == ["lifecycle_stage", "name", "id"]
    assert sort_terms("-tier") == ["-tier", "-name", "-id"]
    assert sort_terms("-created") == ["-created_at", "-id"]


def test_list_rows_escape_what_users_typed(owner_client, make_customer):
    make_customer(
        "<script>alert(1)</script>", emails=["a@example.com"], tags=["<b>bold</b>"],
        data={"city": "<i>x</i>"},
    )  # fmt: skip
    html = owner_client.get("/customers/?columns=tags,city,created").content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<span class="chip">&lt;b&gt;bold&lt;/b&gt;</span>' in html
    assert "&lt;i&gt;x&lt;/i&gt;" in html


def test_the_api_list_carries_contacts_and_tags_in_the_same_queries_for_5_or_50(
    client, owner, make_customer, make_company
):
    acme = make_company("Acme")
    headers = bearer(owner)
    fill(make_customer, acme, 5)

    def page() -> tuple[int, list[dict]]:
        with CaptureQueriesContext(connection) as context:
            response = client.get("/api/v1/customers?q=example", **headers)
        assert response.status_code == 200
        return len(context.captured_queries), response.json()["items"]

    page()  # the token's first use is recorded once
    few, items = page()
    first = items[0]
    assert [e["email"] for e in first["emails"]] == ["c0@example.com", "other0@example.com"]
    assert [p["e164"] for p in first["phones"]] == ["+8613800000000"]
    assert (first["tags"], first["company_name"]) == (["VIP", "华东"], "Acme")
    fill(make_customer, acme, 45, start=5)
    many, items = page()
    assert len(items) == 50 and all(len(item["emails"]) == 2 for item in items)
    assert few == many


def test_the_filter_form_shows_what_was_chosen(owner_client, owner, make_customer):
    make_customer("Ann", tags=["VIP", "华东"])
    html = owner_client.get(
        f"/customers/?stage=customer&tag=VIP&owner={owner.pk}&sort=-created&columns=city"
    ).content.decode()
    assert '<option value="customer" selected>' in html
    assert '<option value="lead">' in html
    assert '<option value="VIP" selected>VIP</option>' in html
    assert '<option value="华东">华东</option>' in html
    assert f'<option value="{owner.pk}" selected>' in html
    assert '<option value="-created" selected>' in html
    assert 'value="city" checked>' in html and 'value="email">' in html


def test_every_list_cell_escapes_what_users_typed(owner, owner_client, make_customer):
    custom_field_definition_create(
        by=owner, target="customer", key="motto", label="<u>Motto</u>", field_type="text"
    )
    owner.name = '<img src=x onerror="alert(2)">'
    owner.save()
    make_customer(
        '"><script>alert(1)</script>', data={"wechat_id": "<w>"},
        custom_fields={"motto": "<s>never</s>"},
    )  # fmt: skip
    html = owner_client.get(
        "/customers/?columns=stage,tier,source,owner,wechat_id,cf_motto,updated"
    ).content.decode()
    assert "<script>" not in html and "<s>" not in html and "<u>" not in html
    assert "<img" not in html and "<w>" not in html
    assert 'aria-label="Select &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert '<td data-label="&lt;u&gt;Motto&lt;/u&gt;">&lt;s&gt;never&lt;/s&gt;</td>' in html
    assert '<td data-label="Owner">&lt;img src=x onerror=&quot;alert(2)&quot;&gt;</td>' in html
    assert '<td data-label="Stage">lead</td><td data-label="Tier">potential</td>' in html


def test_a_custom_field_defined_between_two_requests_shows_in_the_next_one(
    owner, owner_client, make_customer
):
    make_customer("Ann", custom_fields={})
    before = owner_client.get("/customers/").content.decode()
    assert 'name="cf_level"' not in before
    custom_field_definition_create(
        by=owner, target="customer", key="level", label="Level", field_type="text"
    )
    after = owner_client.get("/customers/").content.decode()
    assert '<label>Level <input name="cf_level" value="" maxlength="200"></label>' in after
    assert 'value="cf_level"> Level</label>' in after
    # The form's fields are shared between instances, its custom fields are not.
    assert "cf_level" not in CustomerFilterForm.base_fields
    assert "cf_level" in CustomerFilterForm(QueryDict("")).fields
    first, second = CustomerFilterForm(QueryDict("")), CustomerFilterForm(QueryDict(""))
    assert first.fields is not second.fields
    assert first.fields["cf_level"] is not second.fields["cf_level"]


def test_the_list_page_choices_are_what_the_orm_reads(owner, member, viewer, make_user):
    """One plain query for tags, owners, saved views and custom fields: the same rows in
    the same order as the ORM's reads it replaces."""
    gone = make_user("member", email="a-gone@example.com")
    gone.is_active = False
    gone.save()
    nameless = make_user("member", email="b-nameless@example.com")
    nameless.name = ""
    nameless.save()
    for name in ["华东", "VIP", "b2b", "<x>"]:
        tag_create(by=owner, name=name)
    for name in ["Zed", "Amy"]:
        saved_view_create(user=owner, name=name, query_string=f"q={name}")
    saved_view_create(user=member, name="Not mine", query_string="")
    for key, order in [("late", 5), ("early", 1), ("tie_b", 3), ("tie_a", 3)]:
        custom_field_definition_create(
            by=owner, target="customer", key=key, label=key.title(), field_type="number",
            order=order,
        )  # fmt: skip
    custom_field_definition_create(
        by=owner, target="company", key="size", label="Size", field_type="text"
    )
    choices = list_page_choices(user=owner)
    assert list(choices.tags.items()) == list(Tag.objects.values_list("name", "pk"))
    assert len(choices.tags) == 4
    assert choices.owners == [(user.pk, str(user)) for user in assignable_owners()]
    assert (nameless.pk, "b-nameless@example.com") in choices.owners
    assert {pk for pk, _name in choices.owners} == {owner.pk, member.pk, nameless.pk}
    assert [(v.pk, v.name, v.query_string) for v in choices.saved_views] == [
        (v.pk, v.name, v.query_string) for v in SavedView.objects.filter(user=owner)
    ]
    assert [v.name for v in choices.saved_views] == ["Amy", "Zed"]
    expected = definitions_for("customer")
    assert [(d.pk, d.key, d.label, d.field_type) for d in choices.definitions] == [
        (d.pk, d.key, d.label, d.field_type) for d in expected
    ]
    assert [d.key for d in choices.definitions] == ["early", "tie_b", "tie_a", "late"]


@pytest.mark.parametrize(
    "query", ["tag=VIP", "tag=VIP&tag=VIP&tag=华东", "tag=nope", "tag=", "tag=vip"]
)
def test_tags_checked_against_the_names_read_clean_as_by_a_query(owner, query):
    for name in ["VIP", "华东", "b2b"]:
        tag_create(by=owner, name=name)
    by_query = CustomerFilterForm(QueryDict(query))
    by_names = CustomerFilterForm(QueryDict(query), tags=list_page_choices(user=owner).tags)
    assert by_query.is_valid() == by_names.is_valid()
    assert by_query.errors == by_names.errors
    if by_query.is_valid():
        cleaned = sorted((t.pk, t.name) for t in by_names.cleaned_data["tag"])
        assert cleaned == sorted((t.pk, t.name) for t in by_query.cleaned_data["tag"])
        assert cleaned


def test_the_lists_fixed_labels_follow_each_requests_language(owner_client, make_customer):
    """The column, sort and choice labels are translated once a language, not once a page:
    each request still gets its own language's."""
    make_customer("Ann", data={"lifecycle_stage": "customer"})
    chinese, english = ("zh-hans", "邮箱", "最新在前"), ("en", "Email", "Newest first")
    for language, email, newest in [chinese, english, chinese]:
        html = owner_client.get("/customers/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert f'<th scope="col">{email}</th>' in html
        assert f'<option value="-created">{newest}</option>' in html
    page_labels.cache_clear()
    assert page_labels("zh-hans").columns["email"] == "邮箱"  # while English is active
    assert page_labels("en").columns["email"] == "Email"
