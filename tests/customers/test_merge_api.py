import json

import pytest

from solocrm.api.api import api
from solocrm.core.models import AuditEntry
from solocrm.customers import services
from solocrm.customers.merge_models import CustomerMerge
from solocrm.customers.models import Customer


@pytest.fixture
def pair(make_customer):
    survivor = make_customer("Zhang Wei", emails=["zw@acme.cn"], data={"city": "Beijing"})
    merged = make_customer("Wei Zhang", emails=["ZW@acme.cn"], data={"city": "beijing"})
    return survivor, merged


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def merge_body(survivor, merged, **extra):
    return {
        "survivor_id": survivor.pk,
        "merged_id": merged.pk,
        "survivor_version": survivor.version,
        "merged_version": merged.version,
        **extra,
    }


def test_duplicate_pairs_and_check(owner_client, pair):
    survivor, merged = pair
    response = owner_client.get("/api/v1/customer-duplicates")
    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "items": [
            {
                "first": {"id": survivor.pk, "name": "Zhang Wei"},
                "second": {"id": merged.pk, "name": "Wei Zhang"},
                "score": 100,
                "reason": "same email zw@acme.cn; similar name (100%) in the same city",
                "reasons": [
                    {"signal": "email", "score": 100, "detail": "same email zw@acme.cn"},
                    {
                        "signal": "name_city",
                        "score": 80,
                        "detail": "similar name (100%) in the same city",
                    },
                ],
            }
        ],
    }
    check = post(
        owner_client,
        "/api/v1/customer-duplicates/check",
        {"name": "Z. Wei", "emails": ["ZW@ACME.CN"], "exclude_id": survivor.pk},
    )
    assert check.status_code == 200
    assert [(m["customer"]["id"], m["score"]) for m in check.json()] == [(merged.pk, 100)]


def test_merge_then_undo(owner_client, pair):
    survivor, merged = pair
    response = post(
        owner_client,
        "/api/v1/customer-merges",
        merge_body(survivor, merged, fields={"name": "merged"}),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["survivor_id"], body["merged_id"], body["undone_at"]) == (
        survivor.pk,
        merged.pk,
        None,
    )
    assert Customer.objects.get(pk=survivor.pk).name == "Wei Zhang"
    assert Customer.objects.get(pk=merged.pk).deleted_at is not None

    undo = post(owner_client, f"/api/v1/customer-merges/{body['id']}/undo", {})
    assert undo.status_code == 200
    assert undo.json()["undone_at"] is not None
    assert Customer.objects.get(pk=survivor.pk).name == "Zhang Wei"
    assert Customer.objects.get(pk=merged.pk).deleted_at is None

    again = post(owner_client, f"/api/v1/customer-merges/{body['id']}/undo", {})
    assert again.status_code == 409
    assert again.json()["code"] == "merge_undo_refused"
    assert "already undone" in again.json()["detail"]


def test_stale_version_is_409_and_changes_nothing(owner, owner_client, pair):
    survivor, merged = pair
    body = merge_body(survivor, merged)
    services.customer_update(customer=survivor, by=owner, data={"country": "CN"})
    audit_count = AuditEntry.objects.count()
    response = post(owner_client, "/api/v1/customer-merges", body)
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert "changed by someone else" in response.json()["detail"]
    assert not CustomerMerge.objects.exists()
    assert Customer.objects.get(pk=merged.pk).deleted_at is None
    assert AuditEntry.objects.count() == audit_count


def test_undo_after_the_survivor_changed_is_409(owner, owner_client, pair):
    survivor, merged = pair
    merge_id = post(owner_client, "/api/v1/customer-merges", merge_body(survivor, merged)).json()[
        "id"
    ]
    services.customer_update(
        customer=Customer.objects.get(pk=survivor.pk), by=owner, data={"country": "CN"}
    )
    response = post(owner_client, f"/api/v1/customer-merges/{merge_id}/undo", {})
    assert response.status_code == 409
    assert "changed after the merge" in response.json()["detail"]
    assert Customer.objects.get(pk=merged.pk).deleted_at is not None


def test_bad_choices_are_422_naming_the_field(owner_client, pair):
    survivor, merged = pair
    response = post(
        owner_client,
        "/api/v1/customer-merges",
        merge_body(survivor, merged, fields={"name": "neither"}),
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "fields.name", "message": "Choose “survivor” or “merged”."}
    ]


def test_viewer_gets_403_and_limited_member_404_for_others_records(
    client, viewer, member, pair, limit_members
):
    survivor, merged = pair
    client.force_login(viewer)
    assert post(client, "/api/v1/customer-merges", merge_body(survivor, merged)).status_code == 403
    client.force_login(member)
    response = post(client, "/api/v1/customer-merges", merge_body(survivor, merged))
    assert response.status_code == 404
    assert client.get("/api/v1/customer-duplicates").json() == {"count": 0, "items": []}
    assert not CustomerMerge.objects.exists()


def test_preview_writes_nothing(owner_client, pair):
    survivor, merged = pair
    response = post(
        owner_client,
        "/api/v1/customer-merges/preview",
        merge_body(survivor, merged, fields={"name": "merged"}),
    )
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()["fields"]}
    assert rows["name"]["result"] == "Wei Zhang"
    assert response.json()["emails"] == ["zw@acme.cn"]
    assert Customer.objects.get(pk=survivor.pk).name == "Zhang Wei"


def test_every_error_status_is_declared():
    schema = api.get_openapi_schema()
    merge_post = schema["paths"]["/api/v1/customer-merges"]["post"]["responses"]
    undo = schema["paths"]["/api/v1/customer-merges/{merge_id}/undo"]["post"]["responses"]
    assert {201, 403, 404, 409, 422} <= {int(status) for status in merge_post}
    assert {200, 404, 409} <= {int(status) for status in undo}
