import hashlib
import re

import pytest
from django.core import mail

from solocrm.accounts.models import ApiToken
from solocrm.accounts.services import api_token_create, api_token_revoke, owner_ensure
from solocrm.core.models import AuditEntry


def test_token_is_stored_hashed_and_shown_once(owner_client, owner):
    response = owner_client.post("/accounts/tokens/", {"name": "laptop", "read_only": "on"})
    assert response.status_code == 200
    secret = re.search(r"scrm_[A-Za-z0-9_\-]+", response.content.decode()).group(0)
    token = ApiToken.objects.get(user=owner)
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values().get())
    again = owner_client.get("/accounts/tokens/").content.decode()
    assert secret not in again and token.prefix in again


def test_bearer_token_authenticates_and_records_last_use(client, owner):
    token, secret = api_token_create(user=owner, name="script", read_only=True)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert response.json()["email"] == owner.email
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_read_only_token_cannot_write(client, owner):
    _token, secret = api_token_create(user=owner, name="ro", read_only=True)
    response = client.post(
        "/api/v1/tokens",
        {"name": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_token"
    assert ApiToken.objects.count() == 1


def test_revoked_and_wrong_tokens_are_refused(client, owner):
    token, secret = api_token_create(user=owner, name="old", read_only=False)
    api_token_revoke(token=token, by=owner)
    for value in (secret, "scrm_not-a-token", "garbage"):
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {value}")
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


def test_token_creation_and_revocation_are_audited(owner):
    token, _secret = api_token_create(user=owner, name="ci", read_only=False)
    api_token_revoke(token=token, by=owner)
    actions = list(
        AuditEntry.objects.filter(object_type="accounts.apitoken").values_list("action", flat=True)
    )
    assert actions.count("token") == 2


def test_login_form_logs_in_and_bad_password_does_not(client, make_user):
    user = make_user("member", email="m@example.com", password="right-Password-1")
    bad = client.post("/accounts/login/", {"username": "m@example.com", "password": "wrong"})
    assert bad.status_code == 200 and "_auth_user_id" not in client.session
    good = client.post(
        "/accounts/login/", {"username": "m@example.com", "password": "right-Password-1"}
    )
    assert good.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_password_reset_link_uses_site_url_not_the_host_header(client, make_user, settings):
    settings.SITE_URL = "https://crm.example.com"
    settings.ALLOWED_HOSTS = ["*"]
    make_user("member", email="reset@example.com")
    client.post(
        "/accounts/password/reset/", {"email": "reset@example.com"}, HTTP_HOST="evil.example.net"
    )
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "https://crm.example.com/accounts/password/reset/" in body
    assert "evil.example.net" not in body


@pytest.mark.django_db
def test_owner_ensure_generates_a_random_password_never_a_fixed_one():
    first, password_a = owner_ensure(email="o@example.com", password=None)
    assert password_a and len(password_a) >= 12
    same, password_b = owner_ensure(email="o@example.com", password=None)
    assert same.pk == first.pk and password_b is None
    assert first.check_password(password_a)


def test_owner_ensure_honours_a_given_password(db):
    user, generated = owner_ensure(email="boss@example.com", password="Given-Pass-99")
    assert generated is None and user.check_password("Given-Pass-99") and user.role == "owner"
