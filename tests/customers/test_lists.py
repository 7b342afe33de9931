import datetime as dt

import pytest
from django.http import QueryDict

from solocrm.core.custom_fields import custom_field_definition_create
from solocrm.customers.filters import CustomerFilterForm, column_value, customers_filter
from solocrm.customers.models import Customer
from solocrm.customers.selectors import customers_visible
from solocrm.customers.services import saved_view_create
from solocrm.customers.services.saved_views import saved_view_query


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


def test_saved_view_keeps_filters_but_not_the_page(owner):
    assert saved_view_query("?tier=vip&cursor=xyz&limit=5&q=") == "tier=vip"
    view = saved_view_create(user=owner, name=" VIPs ", query_string="tier=vip&sort=-created")
    again = saved_view_create(user=owner, name="VIPs", query_string="tier=regular")
    assert (view.pk, again.name, again.query_string) == (again.pk, "VIPs", "tier=regular")
