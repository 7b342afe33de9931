from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from solocrm.agenda import services
from solocrm.customers import services as customer_services

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=9, minute=0, zone=SHANGHAI) -> dt.datetime:
    """An aware datetime at a wall-clock time in ``zone``, as stored (UTC)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(dt.UTC)


@pytest.fixture
def make_customer(owner):
    def make(name: str = "张伟", *, by=None, **kwargs):
        return customer_services.customer_create(by=by or owner, name=name, **kwargs)

    return make


@pytest.fixture
def make_task(owner):
    def make(title: str = "Call back", *, by=None, **kwargs):
        return services.task_create(by=by or owner, title=title, **kwargs)

    return make


@pytest.fixture
def pipeline(owner):
    from solocrm.sales.services.pipelines import pipeline_create

    return pipeline_create(by=owner, name="Sales")


@pytest.fixture
def make_deal(owner, pipeline):
    from solocrm.sales.services.deals import deal_create

    def make(title: str = "Website redesign", *, by=None, **data):
        return deal_create(by=by or owner, title=title, data=data)

    return make


@pytest.fixture(autouse=True)
def english():
    """Reasons and messages are compared in English whatever an earlier request chose."""
    from django.utils import translation

    with translation.override("en"):
        yield
