from __future__ import annotations

import pytest

from solocrm.core.context import acting_as
from solocrm.customers import services


@pytest.fixture(autouse=True)
def _english_messages():
    """Pages requested in Chinese leave that language active in the thread; start in English."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def as_owner(owner):
    with acting_as(owner, "ui"):
        yield owner


@pytest.fixture
def make_customer(owner):
    def make(name: str = "张伟", *, by=None, **kwargs):
        return services.customer_create(by=by or owner, name=name, **kwargs)

    return make


@pytest.fixture
def make_company(owner):
    def make(name: str = "Acme Design Studio", *, by=None, **kwargs):
        return services.company_create(by=by or owner, name=name, **kwargs)

    return make
