from solocrm.core.demo import demo_load
from solocrm.core.models import AuditEntry
from solocrm.customers.models import Customer, CustomerPhone, Interaction
from solocrm.customers.selectors import customer_search


def _fingerprint():
    return (
        list(Customer.objects.order_by("pk").values_list("name", "lifecycle_stage", "tier")),
        list(CustomerPhone.objects.order_by("pk").values_list("raw", "e164")),
        list(Interaction.objects.order_by("pk").values_list("subject", "occurred_at")),
    )


def test_demo_loads_300_customers_with_one_summary_audit_entry(owner):
    counts = demo_load(customers=300, seed=7, owner=owner)
    assert counts["customers"] == 300
    assert Customer.objects.count() == 300
    assert counts["interactions"] == Interaction.objects.count() > 0
    names = set(Customer.objects.values_list("name", flat=True))
    assert any(len(n) <= 3 and not n.isascii() for n in names)
    assert any(" " in n and n.isascii() for n in names)
    summary = AuditEntry.objects.get(action="import", object_type="customers.customer")
    assert summary.changes["customers"] == [0, 300]
    assert not AuditEntry.objects.filter(action="create", object_type="customers.customer")


def test_demo_is_deterministic_for_a_seed(owner):
    demo_load(customers=40, seed=3, owner=owner)
    first = _fingerprint()
    Customer.objects.all().delete()
    demo_load(customers=40, seed=3, owner=owner)
    assert _fingerprint() == first


def test_demo_customers_are_searchable(owner):
    demo_load(customers=60, seed=11, owner=owner)
    customer = Customer.objects.filter(phones__isnull=False).order_by("pk").first()
    digits = customer.phones.first().e164[-7:]
    assert customer in customer_search(owner, digits)
