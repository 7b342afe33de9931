"""Walk every page and every API operation as each kind of user.

Roles: anonymous, viewer, member, member limited to own records, owner. Every request
that is refused must leave the database exactly as it was; pages and operations that
only owners may use must refuse everyone else; records owned by someone else must be
invisible to a limited member.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from solocrm.accounts.services import api_token_create, workspace_settings_update
from solocrm.core.demo import demo_load

# Tables whose rows change as a side effect of any request (sessions, throttling logs).
VOLATILE = {
    "sessions.session",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "api.idempotencyrecord",
    "core.auditentry",
}
PUBLIC_PAGES = {
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "web:manifest",
    "web:health",
    "set_language",
    "accounts:logout",
}
OWNER_ONLY_PAGES = {"web:audit_log", "accounts:users", "accounts:user_role", "accounts:workspace"}
# API operations any signed-in user may call on their own account.
SELF_SERVICE_API = {("post", "/api/v1/tokens"), ("post", "/api/v1/tokens/{token_id}/revoke")}
# Signing in and using a token record when it happened; that is not a change of data.
SIDE_EFFECT_FIELDS = {"last_login", "last_used_at"}
REFUSED = {302, 401, 403, 404, 405}


def database_fingerprint() -> str:
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label_lower):
        if model._meta.label_lower in VOLATILE or model._meta.label_lower.startswith("django_"):
            continue
        rows = [
            {k: v for k, v in row.items() if k not in SIDE_EFFECT_FIELDS}
            for row in model._default_manager.order_by("pk").values()
        ]
        digest.update(model._meta.label_lower.encode())
        digest.update(json.dumps(rows, default=str, sort_keys=True).encode())
    return digest.hexdigest()


def page_patterns(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> list[tuple[str, str]]:
    """(route, view name) for every UI URL, outside the API and static files."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("api/"):
                continue
            ns = entry.namespace or namespace
            found += page_patterns(entry, route, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((route, f"{namespace}:{entry.name}" if namespace else entry.name))
    return found


def fill(route: str, ids: dict[str, int]) -> str:
    def value(match: re.Match) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        if converter == "int":
            return str(ids.get(name, ids["default"]))
        return "MQ" if name == "uidb64" else "x"

    path = re.sub(r"<(?:(\w+):)?(\w+)>", value, route)
    return "/" + path.lstrip("^").rstrip("$")


@pytest.fixture
def world(db, make_user):
    owner = make_user("owner")
    users = {
        "viewer": make_user("viewer"),
        "member": make_user("member"),
        "limited": make_user("member"),
        "owner": owner,
    }
    demo_load(customers=5, seed=1, owner=owner)
    first_pk = {}
    for model in apps.get_models():
        if model._meta.app_label in ("customers", "sales", "agenda", "core", "accounts"):
            pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            if pk is not None:
                first_pk[model._meta.model_name] = pk
    ids = {"default": first_pk.get("customer", owner.pk), "pk": first_pk.get("customer", owner.pk)}
    return users, ids


def client_for(role: str, users: dict) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    return client


ROLES = ["anonymous", "viewer", "member", "limited", "owner"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_as(role, world):
    users, ids = world
    if role == "limited":
        workspace_settings_update(data={"members_own_records_only": True})
    for route, name in page_patterns():
        url = fill(route, ids)
        for method in ("get", "post"):
            if name == "accounts:logout" or name == "set_language":
                continue
            before = database_fingerprint()
            client = client_for(role, users)
            response = getattr(client, method)(url)
            status = response.status_code
            assert status < 500, f"{role} {method.upper()} {url} -> {status}"
            if role == "anonymous" and name not in PUBLIC_PAGES:
                assert status in REFUSED, f"anonymous {method.upper()} {url} -> {status}"
                if status == 302:
                    assert "/accounts/login/" in response["Location"], url
            if role not in ("owner", "anonymous") and name in OWNER_ONLY_PAGES:
                assert status in (403, 405), f"{role} {method.upper()} {url} -> {status}"
            self_service = name in ("accounts:tokens", "accounts:password_change")
            refused = status in REFUSED and (
                status != 302 or "/accounts/login/" in response["Location"]
            )
            if refused or role == "anonymous" or (role == "viewer" and not self_service):
                assert database_fingerprint() == before, (
                    f"{role} {method.upper()} {url} ({status}) changed the database"
                )


def api_operations(client: Client) -> list[tuple[str, str]]:
    schema = client.get("/api/v1/openapi.json").json()
    return [(method, path) for path, ops in schema["paths"].items() for method in ops]


@pytest.mark.parametrize("role", ROLES)
def test_every_api_operation_as(role, world):
    users, ids = world
    if role == "limited":
        workspace_settings_update(data={"members_own_records_only": True})
    headers = {}
    if role != "anonymous":
        _token, secret = api_token_create(user=users[role], name="walk", read_only=role == "viewer")
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    client = Client()
    for method, path in api_operations(client):
        url = re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), ids["default"])), path)
        before = database_fingerprint()
        kwargs = {"content_type": "application/json", "data": "{}"} if method != "get" else {}
        response = getattr(client, method)(url, **kwargs, **headers)
        status = response.status_code
        assert status < 500, f"{role} {method.upper()} {path} -> {status}"
        if role == "anonymous":
            assert status == 401, f"anonymous {method.upper()} {path} -> {status}"
        if role == "viewer" and method != "get" and (method, path) not in SELF_SERVICE_API:
            assert status in (403, 422), f"viewer {method.upper()} {path} -> {status}"
        if status >= 400:
            assert database_fingerprint() == before, (
                f"{role} {method.upper()} {path} ({status}) changed the database"
            )
        if status >= 400:
            body = response.json()
            assert {"detail", "code", "errors"} <= body.keys(), path
