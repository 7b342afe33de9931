import datetime as dt

from django.utils import timezone

from solocrm.agenda.models import Cadence, Task
from solocrm.agenda.timezones import local_date
from solocrm.agenda.today import today_items
from solocrm.core.demo import demo_load
from solocrm.core.models import AuditEntry
from solocrm.customers.models import Customer
from solocrm.sales.models import Deal, Order

from .conftest import SHANGHAI


def _fingerprint():
    return (
        list(
            Task.objects.order_by("pk").values_list(
                "title",
                "due_at",
                "remind_at",
                "priority",
                "recurrence",
                "done_at",
                "customer__name",
            )
        ),
        list(
            Cadence.objects.order_by("pk").values_list(
                "tag__name", "customer__name", "interval_days"
            )
        ),
    )


def test_demo_tasks_and_cadences_are_deterministic_for_a_seed(owner):
    demo_load(customers=50, seed=5, owner=owner)
    first = _fingerprint()
    Task.objects.all().delete()
    Cadence.objects.all().delete()
    Deal.objects.all().delete()  # deals outlive their customer; the reload picks among deals
    Order.objects.all().delete()
    Customer.objects.all().delete()
    demo_load(customers=50, seed=5, owner=owner)
    assert _fingerprint() == first


def test_demo_makes_a_lively_today_page(owner):
    counts = demo_load(customers=50, seed=5, owner=owner)
    assert counts["tasks"] == Task.objects.count() == 10
    assert counts["cadences"] == Cadence.objects.count() == 5
    assert Cadence.objects.filter(tag__name="VIP客户", interval_days=30).exists()
    today = local_date(timezone.now(), SHANGHAI)
    due_days = [local_date(t.due_at, SHANGHAI) for t in Task.objects.filter(done_at__isnull=True)]
    assert sum(d == today for d in due_days) >= 3
    assert any(d < today for d in due_days)
    assert not Task.objects.filter(remind_at__lte=timezone.now()).exists()  # no email burst
    kinds = {item.kind for item in today_items(owner, limit=500)}
    assert {"task", "contact"} <= kinds
    assert set(Task.objects.values_list("created_at", flat=True)) == {
        dt.datetime(2025, 6, 30, 10, 0, tzinfo=dt.UTC)
    }
    summary = AuditEntry.objects.get(action="import", object_type="agenda.task")
    assert summary.changes == {"tasks": [0, 10], "cadences": [0, 5]}
