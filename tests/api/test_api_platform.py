import json

from solocrm.accounts.models import ApiToken
from solocrm.accounts.services import api_token_create
from solocrm.core.models import AuditEntry


def bearer(user, read_only=False):
    _token, secret = api_token_create(user=user, name="t", read_only=read_only)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_openapi_schema_documents_every_error_status(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403", "422"} <= codes, f"{method.upper()} {path} lacks error codes"


def test_openapi_schema_is_valid(client):
    from openapi_spec_validator import validate

    validate(client.get("/api/v1/openapi.json").json())


def test_docs_page_serves_local_assets_only(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_validation_errors_have_one_format_with_fields(client, owner):
    response = client.post(
        "/api/v1/tokens",
        data=json.dumps({"read_only": "maybe"}),
        content_type="application/json",
        **bearer(owner),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    fields = {e["field"] for e in body["errors"]}
    assert {"name", "read_only"} <= fields


def test_session_auth_requires_csrf_for_writes(owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.get("/api/v1/me").status_code == 200
    response = client.post(
        "/api/v1/tokens", data=json.dumps({"name": "x"}), content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert not ApiToken.objects.exists()


def test_idempotency_key_replays_the_first_response(client, owner):
    headers = bearer(owner)
    count = ApiToken.objects.count()
    body = json.dumps({"name": "once", "read_only": True})
    first = client.post(
        "/api/v1/tokens",
        data=body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="abc-1",
        **headers,
    )
    second = client.post(
        "/api/v1/tokens",
        data=body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="abc-1",
        **headers,
    )
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert ApiToken.objects.count() == count + 1
    other = client.post(
        "/api/v1/tokens",
        data=json.dumps({"name": "different"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="abc-1",
        **headers,
    )
    assert other.status_code == 422
    assert ApiToken.objects.count() == count + 1


def test_cursor_pagination_walks_every_entry_once(client, owner, make_user):
    for _ in range(7):
        make_user("viewer")
    headers = bearer(owner)
    expected = list(AuditEntry.objects.order_by("-time", "-id").values_list("id", flat=True))
    seen, cursor = [], None
    while True:
        url = "/api/v1/audit?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, **headers).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == expected


def test_a_forged_cursor_is_a_clear_error(client, owner):
    response = client.get("/api/v1/audit?cursor=!!notbase64", **bearer(owner))
    assert response.status_code == 422
    assert "cursor" in response.json()["detail"]


def test_audit_api_is_owner_only(client, member):
    response = client.get("/api/v1/audit", **bearer(member))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_keyset_pagination_refuses_a_nullable_sort_field(db):
    import pytest

    from solocrm.accounts.models import User
    from solocrm.api.pagination import KeysetPagination

    paginator = KeysetPagination()
    with pytest.raises(TypeError, match="last_login"):
        paginator.paginate_queryset(
            User.objects.order_by("last_login"), KeysetPagination.Input(limit=5)
        )
