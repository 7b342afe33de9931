import json

import pytest

from solocrm.accounts.services import api_token_create
from solocrm.core.custom_fields import custom_field_definition_create
from solocrm.core.models import AuditEntry
from solocrm.customers import services
from solocrm.customers.models import Customer, Interaction


def bearer(user, read_only=False):
    _token, secret = api_token_create(user=user, name="t", read_only=read_only)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def call(client, method, url, user, body=None, read_only=False):
    kwargs = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(url, **kwargs, **bearer(user, read_only=read_only))


def test_create_read_and_patch_a_customer(client, owner):
    response = call(
        client,
        "post",
        "/api/v1/customers",
        owner,
        {
            "name": "张伟",
            "emails": ["zw@example.com"],
            "phones": ["+86 138 0013 8000"],
            "tags": ["VIP"],
            "source": "wechat",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "张伟"
    assert body["owner_id"] == owner.pk
    assert body["emails"] == [{"email": "zw@example.com", "is_primary": True}]
    assert body["phones"] == [
        {"raw": "+86 138 0013 8000", "e164": "+8613800138000", "is_primary": True}
    ]
    assert body["tags"] == ["VIP"]
    assert body["version"] == 1
    patched = call(
        client, "patch", f"/api/v1/customers/{body['id']}", owner, {"version": 1, "city": "上海"}
    )
    assert patched.status_code == 200
    assert (patched.json()["city"], patched.json()["version"]) == ("上海", 2)
    assert patched.json()["emails"] == body["emails"]  # untouched parts stay


def test_stale_patch_is_409_and_changes_nothing(client, owner, make_customer):
    customer = make_customer()
    services.customer_update(customer=customer, by=owner, data={"city": "北京"})
    response = call(
        client, "patch", f"/api/v1/customers/{customer.pk}", owner, {"version": 1, "city": "上海"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert response.json()["errors"][0]["field"] == "version"
    assert Customer.objects.get(pk=customer.pk).city == "北京"


def test_validation_errors_are_422_naming_the_fields(client, owner):
    custom_field_definition_create(
        by=owner, target="customer", key="level", label="Level", field_type="choice",
        choices=["A", "B"],
    )  # fmt: skip
    response = call(
        client,
        "post",
        "/api/v1/customers",
        owner,
        {
            "name": "X",
            "emails": ["nope"],
            "lifecycle_stage": "ghost",
            "custom_fields": {"level": "C"},
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"emails", "lifecycle_stage", "custom_fields.level"}
    assert not Customer.objects.exists()


def test_list_search_filters_sort_and_cursor_pagination(client, owner, make_customer):
    for name, stage in [
        ("Cara", "lead"),
        ("Abe", "customer"),
        ("Bea", "customer"),
        ("Dan", "customer"),
    ]:
        make_customer(name, data={"lifecycle_stage": stage})
    first = call(client, "get", "/api/v1/customers?stage=customer&sort=-name&limit=2", owner)
    assert first.status_code == 200
    assert [c["name"] for c in first.json()["items"]] == ["Dan", "Bea"]
    cursor = first.json()["next_cursor"]
    second = call(
        client, "get", f"/api/v1/customers?stage=customer&sort=-name&limit=2&cursor={cursor}", owner
    )
    assert [c["name"] for c in second.json()["items"]] == ["Abe"]
    assert second.json()["next_cursor"] is None
    found = call(client, "get", "/api/v1/customers?q=bea", owner)
    assert [c["name"] for c in found.json()["items"]] == ["Bea"]


def test_bad_sort_and_bad_filter_are_422(client, owner):
    response = call(client, "get", "/api/v1/customers?sort=password", owner)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "sort"
    response = call(client, "get", "/api/v1/customers?stage=ghost", owner)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "stage"


def test_custom_field_filter(client, owner, make_customer):
    custom_field_definition_create(
        by=owner, target="customer", key="shoe", label="Shoe", field_type="number"
    )
    make_customer("A", custom_fields={"shoe": 42})
    make_customer("B", custom_fields={"shoe": 38})
    response = call(client, "get", "/api/v1/customers?cf_shoe=42", owner)
    assert [c["name"] for c in response.json()["items"]] == ["A"]
    assert call(client, "get", "/api/v1/customers?cf_shoe=big", owner).status_code == 422


def test_viewer_reads_but_cannot_write(client, owner, viewer, make_customer):
    customer = make_customer()
    assert call(client, "get", f"/api/v1/customers/{customer.pk}", viewer).status_code == 200
    response = call(client, "post", "/api/v1/customers", viewer, {"name": "X"})
    assert response.status_code == 403
    response = call(
        client, "patch", f"/api/v1/customers/{customer.pk}", viewer, {"version": 1, "city": "X"}
    )
    assert response.status_code == 403
    assert Customer.objects.count() == 1
    assert Customer.objects.get().city == ""


def test_limited_member_sees_and_changes_only_their_own(
    client, owner, member, limit_members, make_customer
):
    theirs = make_customer("Theirs")
    mine = make_customer("Mine", by=member)
    listed = call(client, "get", "/api/v1/customers", member).json()["items"]
    assert [c["name"] for c in listed] == ["Mine"]
    assert call(client, "get", f"/api/v1/customers/{theirs.pk}", member).status_code == 404
    response = call(
        client, "patch", f"/api/v1/customers/{theirs.pk}", member, {"version": 1, "city": "X"}
    )
    assert response.status_code == 404
    assert call(client, "get", "/api/v1/customers?q=theirs", member).json()["items"] == []
    bulk = call(
        client, "post", "/api/v1/customer-bulk-actions", member,
        {"action": "change_stage", "ids": [mine.pk, theirs.pk], "value": "customer"},
    )  # fmt: skip
    assert bulk.status_code == 422
    assert set(Customer.objects.values_list("lifecycle_stage", flat=True)) == {"lead"}


def test_trash_and_restore_through_the_api(client, owner, make_customer):
    customer = make_customer()
    services.interaction_create(by=owner, customer=customer, subject="call")
    stale = call(client, "delete", f"/api/v1/customers/{customer.pk}?version=7", owner)
    assert stale.status_code == 409
    deleted = call(client, "delete", f"/api/v1/customers/{customer.pk}?version=1", owner)
    assert deleted.status_code == 200
    assert deleted.json()["deleted_at"] is not None
    assert call(client, "get", f"/api/v1/customers/{customer.pk}", owner).status_code == 404
    trash = call(client, "get", "/api/v1/trash", owner).json()
    assert [c["id"] for c in trash["customers"]] == [customer.pk]
    restored = call(client, "post", f"/api/v1/customers/{customer.pk}/restore", owner)
    assert restored.status_code == 200
    assert Interaction.objects.get().deleted_at is None


def test_trash_empty_is_owner_only(client, owner, member, make_customer):
    customer = make_customer()
    services.customer_delete(customer=customer, by=owner)
    assert call(client, "post", "/api/v1/trash/empty", member).status_code == 403
    assert Customer.objects.count() == 1
    response = call(client, "post", "/api/v1/trash/empty", owner)
    assert response.json() == {"customers": 1, "companies": 0, "interactions": 0}


def test_interactions_api(client, owner, make_customer):
    customer = make_customer()
    created = call(
        client, "post", f"/api/v1/customers/{customer.pk}/interactions", owner,
        {"kind": "meeting", "subject": "Kick-off", "body": "**Agenda**"},
    )  # fmt: skip
    assert created.status_code == 201
    interaction_id = created.json()["id"]
    listed = call(client, "get", f"/api/v1/customers/{customer.pk}/interactions", owner).json()
    assert [i["subject"] for i in listed["items"]] == ["Kick-off"]
    patched = call(
        client, "patch", f"/api/v1/interactions/{interaction_id}", owner,
        {"version": 1, "subject": "Kick-off meeting"},
    )  # fmt: skip
    assert patched.json()["version"] == 2
    assert (
        call(client, "delete", f"/api/v1/interactions/{interaction_id}", owner).status_code == 204
    )
    assert not Interaction.objects.exists()


def test_bulk_tag_via_api_is_audited_per_customer(client, owner, make_customer):
    a, b = make_customer("A"), make_customer("B")
    response = call(
        client, "post", "/api/v1/customer-bulk-actions", owner,
        {"action": "tag", "ids": [a.pk, b.pk], "value": "VIP"},
    )  # fmt: skip
    assert response.json() == {"changed": 2}
    assert set(Customer.objects.values_list("tags__name", "version")) == {("VIP", 2)}
    entries = AuditEntry.objects.filter(action="update", object_type="customers.customer")
    assert sorted(entries.values_list("object_id", flat=True)) == sorted([str(a.pk), str(b.pk)])


def test_companies_tags_custom_fields_and_saved_views(client, owner):
    company = call(
        client, "post", "/api/v1/companies", owner, {"name": "Acme", "domain": "https://Acme.cn/"}
    )
    assert company.status_code == 201
    assert company.json()["domain"] == "acme.cn"
    company_id = company.json()["id"]
    stale = call(
        client, "patch", f"/api/v1/companies/{company_id}", owner, {"version": 9, "name": "B"}
    )
    assert stale.status_code == 409
    tag = call(client, "post", "/api/v1/tags", owner, {"name": "华东", "color": "#1f6feb"})
    assert tag.status_code == 201
    duplicate = call(client, "post", "/api/v1/tags", owner, {"name": "华东"})
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"][0]["field"] == "name"
    field = call(
        client, "post", "/api/v1/custom-fields", owner,
        {"target": "customer", "key": "budget", "label": "Budget", "field_type": "decimal",
         "min_value": 0},
    )  # fmt: skip
    assert field.status_code == 201, field.json()
    view = call(
        client, "post", "/api/v1/saved-views", owner, {"name": "VIP", "query_string": "tier=vip"}
    )
    assert view.status_code == 201
    assert call(client, "get", "/api/v1/saved-views", owner).json()[0]["query_string"] == "tier=vip"


@pytest.mark.parametrize("path", ["/api/v1/custom-fields", "/api/v1/tags/1"])
def test_member_cannot_change_owner_settings(client, member, path):
    method = "post" if path.endswith("fields") else "delete"
    body = {"target": "customer", "key": "x", "label": "X"} if method == "post" else None
    assert call(client, method, path, member, body).status_code in (403, 404)


def test_a_list_row_is_the_customer_the_detail_endpoint_gives(client, owner):
    """List rows are validated from plain dicts, the detail from the model: same body."""
    company = call(client, "post", "/api/v1/companies", owner, {"name": "星光设计"}).json()
    created = call(
        client,
        "post",
        "/api/v1/customers",
        owner,
        {
            "name": "李娜",
            "company_id": company["id"],
            "emails": ["ln@example.com", "li.na@example.org"],
            "phones": ["13900139000", "010-1234 5678"],
            "tags": ["老客户", "VIP", "b2b"],
            "city": "杭州",
            "birthday": "1990-02-03",
        },
    ).json()
    bare = call(client, "post", "/api/v1/customers", owner, {"name": "李娜娜"}).json()
    listed = call(client, "get", "/api/v1/customers?q=李娜", owner).json()["items"]
    details = [
        call(client, "get", f"/api/v1/customers/{pk}", owner).json()
        for pk in (created["id"], bare["id"])
    ]
    assert listed == details
    detail = details[0]
    assert detail["emails"][1] == {"email": "li.na@example.org", "is_primary": False}
    assert detail["tags"] == ["VIP", "b2b", "老客户"] and detail["company_name"] == "星光设计"
    assert detail["birthday"] == "1990-02-03"
    assert details[1]["company_name"] == "" and details[1]["emails"] == details[1]["tags"] == []
