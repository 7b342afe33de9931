import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from solocrm.agenda import services
from solocrm.agenda.keep_in_touch import contacts_due, customer_next_contact
from solocrm.agenda.models import Cadence
from solocrm.agenda.timezones import local_date
from solocrm.core.exceptions import StaleVersionError
from solocrm.core.tags import tag_create
from solocrm.customers import services as customer_services
from solocrm.customers.models import Customer

from .conftest import SHANGHAI


def today():
    return local_date(timezone.now(), SHANGHAI)


def days_ago(days):
    return timezone.now() - dt.timedelta(days=days)


def due(on=None):
    return contacts_due(Customer.objects.alive(), today=on or today(), zone=SHANGHAI)


def log(owner, customer, when):
    return customer_services.interaction_create(
        by=owner, customer=customer, kind="call", occurred_at=when
    )


def test_create_one_per_customer_and_per_tag(owner, make_customer):
    customer = make_customer()
    cadence = services.cadence_create(by=owner, customer=customer, interval_days=30)
    assert (cadence.customer, cadence.tag, cadence.interval_days, cadence.active) == (
        customer, None, 30, True,
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        services.cadence_create(by=owner, customer=customer, interval_days=7)
    assert set(caught.value.message_dict) == {"customer"}
    vip = tag_create(by=owner, name="VIP")
    services.cadence_create(by=owner, tag=vip, interval_days=30, note="  VIPs  ")
    with pytest.raises(ValidationError) as caught:
        services.cadence_create(by=owner, tag=vip, interval_days=60)
    assert set(caught.value.message_dict) == {"tag"}
    assert Cadence.objects.count() == 2
    assert Cadence.objects.get(tag=vip).note == "VIPs"


@pytest.mark.parametrize("days", [0, -1, 3661, "30"])
def test_interval_must_be_days_in_range(owner, make_customer, days):
    with pytest.raises(ValidationError) as caught:
        services.cadence_create(by=owner, customer=make_customer(), interval_days=days)
    assert set(caught.value.message_dict) == {"interval_days"}
    assert Cadence.objects.count() == 0


def test_customer_or_tag_but_not_both(owner, make_customer):
    vip = tag_create(by=owner, name="VIP")
    for kwargs in ({}, {"customer": make_customer(), "tag": vip}):
        with pytest.raises(ValidationError) as caught:
            services.cadence_create(by=owner, interval_days=30, **kwargs)
        assert set(caught.value.message_dict) == {"customer"}


def test_permissions(owner, member, viewer, limit_members, make_customer):
    theirs = make_customer(by=owner)
    vip = tag_create(by=owner, name="VIP")
    with pytest.raises(PermissionDenied):
        services.cadence_create(by=viewer, customer=theirs, interval_days=30)
    with pytest.raises(PermissionDenied):
        services.cadence_create(by=member, customer=theirs, interval_days=30)
    with pytest.raises(PermissionDenied):
        services.cadence_create(by=member, tag=vip, interval_days=30)
    assert Cadence.objects.count() == 0
    mine = make_customer("Mine", by=member)
    assert services.cadence_create(by=member, customer=mine, interval_days=30).customer == mine


def test_update_with_optimistic_locking_and_delete(owner, make_customer):
    cadence = services.cadence_create(by=owner, customer=make_customer(), interval_days=30)
    cadence = services.cadence_update(
        cadence=cadence, by=owner, data={"interval_days": 14, "active": False}, expected_version=1
    )
    assert (cadence.interval_days, cadence.active, cadence.version) == (14, False, 2)
    with pytest.raises(StaleVersionError):
        services.cadence_update(cadence=cadence, by=owner, data={"note": "x"}, expected_version=1)
    with pytest.raises(ValidationError):
        services.cadence_update(cadence=cadence, by=owner, data={"customer": None})
    services.cadence_delete(cadence=cadence, by=owner, expected_version=2)
    assert Cadence.objects.count() == 0


def test_logging_an_interaction_resets_the_cadence(owner, make_customer):
    customer = make_customer()
    services.cadence_create(by=owner, customer=customer, interval_days=30)
    log(owner, customer, days_ago(40))
    [item] = due()
    assert item.customer_id == customer.pk
    assert item.due_date == local_date(days_ago(40), SHANGHAI) + dt.timedelta(days=30)
    assert item.days_overdue(today()) == 10
    call = log(owner, customer, timezone.now())
    assert due() == []
    next_contact = customer_next_contact(customer, zone=SHANGHAI)
    assert next_contact.due_date == today() + dt.timedelta(days=30)
    # Deleting that call brings the old date back: nothing about it was stored.
    customer_services.interaction_delete(interaction=call, by=owner)
    assert [i.customer_id for i in due()] == [customer.pk]


def test_due_on_the_exact_day(owner, make_customer):
    customer = make_customer()
    services.cadence_create(by=owner, customer=customer, interval_days=30)
    log(owner, customer, days_ago(0))
    assert due(today() + dt.timedelta(days=29)) == []
    [item] = due(today() + dt.timedelta(days=30))
    assert item.days_overdue(today() + dt.timedelta(days=30)) == 0


def test_tag_cadence_covers_everyone_with_the_tag(owner, make_customer):
    vip = tag_create(by=owner, name="VIP")
    services.cadence_create(by=owner, tag=vip, interval_days=30, note="Personal check-in")
    recent = make_customer("Recent", tags=["VIP"])
    slipping = make_customer("Slipping", tags=["VIP"])
    untagged = make_customer("Untagged")
    log(owner, recent, days_ago(10))
    log(owner, slipping, days_ago(31))
    log(owner, untagged, days_ago(100))
    [item] = due()
    assert (item.customer_id, item.tag_name, item.note, item.interval_days) == (
        slipping.pk, "VIP", "Personal check-in", 30,
    )  # fmt: skip


def test_never_contacted_counts_from_the_later_of_customer_and_cadence(owner, make_customer):
    vip = tag_create(by=owner, name="VIP")
    services.cadence_create(by=owner, tag=vip, interval_days=30)
    customer = make_customer("New", tags=["VIP"])
    assert due() == []
    [item] = due(today() + dt.timedelta(days=30))
    assert (item.customer_id, item.last_contact) == (customer.pk, None)


def test_own_cadence_overrides_the_tags_and_shortest_tag_wins(owner, make_customer):
    for name, days in (("VIP", 30), ("Regular", 90)):
        services.cadence_create(by=owner, tag=tag_create(by=owner, name=name), interval_days=days)
    both_tags = make_customer("Both", tags=["VIP", "Regular"])
    own = make_customer("Own", tags=["VIP"])
    paused = make_customer("Paused", tags=["VIP"])
    services.cadence_create(by=owner, customer=own, interval_days=60)
    cadence = services.cadence_create(by=owner, customer=paused, interval_days=7)
    services.cadence_update(cadence=cadence, by=owner, data={"active": False})
    for customer in (both_tags, own, paused):
        log(owner, customer, days_ago(40))
    [item] = due()
    assert (item.customer_id, item.interval_days, item.tag_name) == (both_tags.pk, 30, "VIP")
    assert customer_next_contact(paused, zone=SHANGHAI) is None
    assert customer_next_contact(own, zone=SHANGHAI).interval_days == 60


def test_trashed_customers_and_interactions_do_not_count(owner, make_customer):
    customer = make_customer()
    services.cadence_create(by=owner, customer=customer, interval_days=30)
    log(owner, customer, days_ago(40))
    customer_services.customer_delete(customer=customer, by=owner)
    assert due() == []


def test_merge_moves_cadences_to_the_survivor(owner, make_customer):
    from solocrm.customers.merge import customer_merge

    survivor, merged = make_customer("A"), make_customer("B")
    services.cadence_create(by=owner, customer=survivor, interval_days=30)
    services.cadence_create(by=owner, customer=merged, interval_days=14)
    customer_merge(survivor=survivor, merged=merged, by=owner)
    assert sorted(Cadence.objects.values_list("customer_id", "interval_days")) == [
        (survivor.pk, 14), (survivor.pk, 30),
    ]  # fmt: skip
    assert customer_next_contact(survivor, zone=SHANGHAI).interval_days == 14
