"""``Customer.last_contacted_at`` equals the latest non-deleted interaction's time on
every path: the triggers of ``customers.contact_triggers`` keep it, not the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solocrm.core.models import AuditEntry
from solocrm.customers import contact_triggers, services
from solocrm.customers.merge import customer_merge, customer_merge_undo
from solocrm.customers.models import Customer, Interaction

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)


def at(days: float) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def stored(customer: Customer) -> dt.datetime | None:
    return Customer.objects.values_list("last_contacted_at", flat=True).get(pk=customer.pk)


def expected(customer: Customer) -> dt.datetime | None:
    alive = Interaction.objects.filter(customer_id=customer.pk, deleted_at__isnull=True)
    return alive.aggregate(latest=Max("occurred_at"))["latest"]


def log(owner, customer: Customer, days: float) -> Interaction:
    return services.interaction_create(
        by=owner, customer=customer, kind="call", occurred_at=at(days)
    )


def test_a_new_customer_was_never_contacted(owner, make_customer):
    assert stored(make_customer()) is None


def test_logging_moves_it_forward_only(owner, make_customer):
    customer = make_customer()
    log(owner, customer, 5)
    assert stored(customer) == at(5)
    log(owner, customer, 2)  # an older call logged late
    assert stored(customer) == at(5)
    log(owner, customer, 7.5)
    assert stored(customer) == at(7.5)


def test_editing_the_time_of_the_latest_or_an_older_interaction(owner, make_customer):
    customer = make_customer()
    older, latest = log(owner, customer, 1), log(owner, customer, 3)
    services.interaction_update(interaction=latest, by=owner, data={"occurred_at": at(0)})
    assert stored(customer) == at(1)
    services.interaction_update(interaction=older, by=owner, data={"occurred_at": at(9)})
    assert stored(customer) == at(9)
    older.refresh_from_db()
    services.interaction_update(interaction=older, by=owner, data={"subject": "Renewal"})
    assert stored(customer) == at(9)


def test_deleting_interactions(owner, make_customer):
    customer = make_customer()
    older, latest = log(owner, customer, 1), log(owner, customer, 3)
    services.interaction_delete(interaction=older, by=owner)
    assert stored(customer) == at(3)
    services.interaction_delete(interaction=latest, by=owner)
    assert stored(customer) is None


def test_trash_and_restore_of_the_customer(owner, make_customer):
    customer = make_customer()
    log(owner, customer, 4)
    services.customer_delete(customer=customer, by=owner)
    assert stored(customer) is None  # its interactions went to the trash with it
    customer.refresh_from_db()
    services.customer_restore(customer=customer, by=owner)
    assert stored(customer) == at(4)


def test_merge_and_its_undo(owner, make_customer):
    survivor, merged = make_customer("王芳"), make_customer("王芳 (Wechat)")
    log(owner, survivor, 2)
    log(owner, merged, 6)
    merge = customer_merge(survivor=survivor, merged=merged, by=owner)
    assert (stored(survivor), stored(merged)) == (at(6), None)
    customer_merge_undo(merge=merge, by=owner)
    assert (stored(survivor), stored(merged)) == (at(2), at(6))


def test_bulk_create_and_a_move_by_queryset_update(owner, make_customer):
    first, second = make_customer("李娜"), make_customer("赵磊")
    Interaction.objects.bulk_create(
        [
            Interaction(customer=first, occurred_at=at(1)),
            Interaction(customer=first, occurred_at=at(8)),
            Interaction(customer=second, occurred_at=at(3)),
            Interaction(customer=second, occurred_at=at(5), deleted_at=at(6)),
        ]
    )
    assert (stored(first), stored(second)) == (at(8), at(3))
    Interaction.objects.filter(customer=first, occurred_at=at(8)).update(customer=second)
    assert (stored(first), stored(second)) == (at(1), at(8))
    Interaction.objects.filter(customer=second).update(deleted_at=None)
    assert stored(second) == at(8)
    Interaction.objects.filter(customer=second).delete()
    assert stored(second) is None


def test_a_stale_instance_saved_in_full_keeps_the_derived_time(owner, make_customer):
    customer = make_customer()
    stale = Customer.objects.get(pk=customer.pk)
    log(owner, customer, 3)
    services.customer_update(customer=stale, by=owner, data={"city": "成都"})
    assert stored(customer) == at(3)
    Customer.objects.filter(pk=customer.pk).update(last_contacted_at=at(100))
    assert stored(customer) == at(3)
    created = Customer.objects.create(name="陈静", last_contacted_at=at(50))
    assert stored(created) is None


def test_derived_not_an_edit_no_version_no_audit(owner, make_customer):
    customer = make_customer()
    version = Customer.objects.get(pk=customer.pk).version
    Interaction.objects.create(customer=customer, occurred_at=at(2))
    assert stored(customer) == at(2)
    assert Customer.objects.get(pk=customer.pk).version == version
    audited = AuditEntry.objects.filter(object_type="customers.customer")
    assert not [e for e in audited if "last_contacted_at" in (e.changes or {})]


def test_the_trash_time_of_an_interaction(owner, make_customer):
    customer = make_customer()
    log(owner, customer, 1)
    latest = log(owner, customer, 2)
    Interaction.objects.filter(pk=latest.pk).update(deleted_at=timezone.now())
    assert stored(customer) == at(1)
    Interaction.objects.filter(pk=latest.pk).update(deleted_at=None)
    assert stored(customer) == at(2)


def test_triggers_come_back_after_migrate_on_sqlite(owner, make_customer):
    customer = make_customer()
    log(owner, customer, 1)
    if connection.vendor == "sqlite":
        contact_triggers.drop_before_migrate(sender=None, plan=[("customers", False)])
        Interaction.objects.create(customer=customer, occurred_at=at(4))
        assert stored(customer) == at(1)  # no trigger while migrations run
        assert contact_triggers.ensure() is True
        assert stored(customer) == at(4)  # recomputed when they came back
        assert contact_triggers.ensure() is False
    else:  # PostgreSQL keeps them across migrations: nothing to put back
        contact_triggers.drop_before_migrate(sender=None, plan=[("customers", False)])
        assert contact_triggers.ensure() is False
    log(owner, customer, 6)
    assert stored(customer) == at(6)


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["create", "retime", "move", "trash", "restore", "delete"]),
        st.integers(min_value=0, max_value=2),  # which customer
        st.integers(min_value=0, max_value=30),  # which interaction, modulo the count
        st.integers(min_value=-20, max_value=20),  # days from T0
    ),
    max_size=25,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=OPERATIONS)
def test_any_sequence_of_operations_matches_max_occurred_at(owner, operations):
    """Random interleavings of every kind of write; after each one, every customer's
    stored time equals ``max(occurred_at)`` over its interactions not in the trash."""
    customers = [Customer.objects.create(name=f"客户{n}") for n in range(3)]
    for kind, who, which, days in operations:
        rows = list(Interaction.objects.filter(customer__in=customers).order_by("pk"))
        target = rows[which % len(rows)] if rows else None
        if kind == "create" or target is None:
            Interaction.objects.create(customer=customers[who], occurred_at=at(days))
        elif kind == "retime":
            target.occurred_at = at(days)
            target.save(update_fields=["occurred_at"])
        elif kind == "move":
            Interaction.objects.filter(pk=target.pk).update(customer=customers[who])
        elif kind == "trash":
            Interaction.objects.filter(pk=target.pk).update(deleted_at=at(days))
        elif kind == "restore":
            Interaction.objects.filter(pk=target.pk).update(deleted_at=None)
        else:
            target.delete()
        for customer in customers:
            assert stored(customer) == expected(customer), (kind, operations)
