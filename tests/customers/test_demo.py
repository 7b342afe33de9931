from django.db.models import Max, Min
from django.urls import reverse
from django.utils.html import escape

from solocrm.core.demo import demo_load
from solocrm.core.models import AuditEntry
from solocrm.customers.demo import near_duplicate_count
from solocrm.customers.duplicates import duplicate_pair_scores, with_customers
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


def test_demo_near_duplicates_are_found_by_the_duplicates_finder(owner):
    counts = demo_load(customers=300, seed=7, owner=owner)
    copies = near_duplicate_count(300)
    assert counts["near_duplicates"] == copies == 12
    pairs = duplicate_pair_scores(user=owner)
    partners: dict[int, set[int]] = {}
    for pair in pairs:
        partners.setdefault(pair.a.id, set()).add(pair.b.id)
        partners.setdefault(pair.b.id, set()).add(pair.a.id)
    customers = list(Customer.objects.order_by("pk"))
    originals, planted = customers[:-copies], customers[-copies:]
    original_names = {c.name for c in originals}
    signals: set[str] = set()
    for copy in planted:
        found = partners.get(copy.pk, set()) & {c.pk for c in originals}
        assert found, f"the near-duplicate {copy.name!r} is not paired with its original"
        assert copy.name not in original_names  # typed differently, found anyway
        signals |= {
            reason.signal
            for pair in pairs
            if {pair.a.id, pair.b.id} & {copy.pk}
            for reason in pair.score.reasons
        }
    assert {"phone", "email", "name_company"} <= signals
    names = [c.name for c in planted]
    assert any(" " in n and not n.isascii() for n in names)  # 张 伟
    assert any("\u3000" in n for n in names)  # 张　伟, with an ideographic space
    assert any(n.isascii() and "," in n for n in names)  # JOHNSON, Lucas
    assert sum(n.isascii() for n in names) == copies // 3
    # The pairs show up on the duplicates page.
    assert len(with_customers(pairs)) == len(pairs) >= copies


def test_demo_interactions_span_two_years(owner):
    demo_load(customers=120, seed=5, owner=owner)
    dates = Interaction.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    assert (dates["last"] - dates["first"]).days > 600


def test_demo_near_duplicates_are_on_the_duplicates_page(owner_client, owner):
    demo_load(customers=100, seed=2, owner=owner)
    copies = near_duplicate_count(100)
    planted = Customer.objects.order_by("-pk")[:copies]
    page = owner_client.get(reverse("customers:duplicates")).content.decode()
    for copy in planted:
        assert f">{escape(copy.name)}</a>" in page, copy.name
