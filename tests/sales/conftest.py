from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from solocrm.customers import services as customer_services
from solocrm.sales import services

T0 = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Test users need no slow password hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_customer(owner):
    def make(name: str = "张伟", *, by=None, **kwargs):
        return customer_services.customer_create(by=by or owner, name=name, **kwargs)

    return make


@pytest.fixture
def make_product(owner):
    counter = {"n": 0}

    def make(price: str = "10.00", *, by=None, **kwargs):
        counter["n"] += 1
        kwargs.setdefault("sku", f"SKU-{counter['n']}")
        kwargs.setdefault("name", f"Product {counter['n']}")
        return services.product_create(by=by or owner, unit_price=Decimal(price), **kwargs)

    return make


@pytest.fixture
def make_order(owner):
    def make(customer, *lines, by=None, **kwargs):
        lines = lines or (
            {"description": "Tea", "quantity": Decimal(1), "unit_price": Decimal("25.00")},
        )
        kwargs.setdefault("ordered_at", T0)
        return services.order_create(by=by or owner, customer=customer, lines=list(lines), **kwargs)

    return make


@pytest.fixture
def pipeline(owner):
    return services.pipeline_create(by=owner, name="Sales")


@pytest.fixture
def stages(pipeline):
    return {s.name: s for s in pipeline.stages.all()}


@pytest.fixture
def make_deal(owner, pipeline):
    def make(title: str = "Website redesign", *, by=None, amount: str = "1000.00", **kwargs):
        return services.deal_create(
            by=by or owner, title=title, amount=Decimal(amount), pipeline=pipeline, **kwargs
        )

    return make


@pytest.fixture
def api(client):
    """``api(method, url, user, body)`` with a bearer token, as an API client would call."""
    import json

    from solocrm.accounts.services import api_token_create

    tokens: dict[int, str] = {}

    def call(method: str, url: str, user, body=None):
        if user.pk not in tokens:
            tokens[user.pk] = api_token_create(user=user, name="t", read_only=False)[1]
        kwargs = {"content_type": "application/json"}
        if body is not None:
            kwargs["data"] = json.dumps(body)
        return getattr(client, method)(
            f"/api/v1{url}", **kwargs, HTTP_AUTHORIZATION=f"Bearer {tokens[user.pk]}"
        )

    return call
