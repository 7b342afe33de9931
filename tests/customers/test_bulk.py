import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from solocrm.core.models import AuditEntry, Tag
from solocrm.customers import services
from solocrm.customers.models import Customer, Interaction


@pytest.fixture
def three(make_customer):
    return [make_customer(name) for name in ("A", "B", "C")]


def ids(customers):
    return [c.pk for c in customers]


def test_bulk_tag_and_untag_change_only_what_differs(owner, three):
    vip = Tag.objects.create(name="VIP")
    three[0].tags.add(vip)
    assert services.customers_bulk_tag(by=owner, customer_ids=ids(three), tag=vip) == 2
    assert Customer.objects.filter(tags=vip).count() == 3
    assert sorted(Customer.objects.values_list("name", "version")) == [
        ("A", 1),
        ("B", 2),
        ("C", 2),
    ]
    assert (
        services.customers_bulk_tag(by=owner, customer_ids=ids(three[:2]), tag=vip, remove=True)
        == 2
    )
    assert list(Customer.objects.filter(tags=vip).values_list("name", flat=True)) == ["C"]


def test_bulk_assign_owner_and_change_stage(owner, member, three):
    assert (
        services.customers_bulk_assign_owner(by=owner, customer_ids=ids(three), owner=member) == 3
    )
    assert set(Customer.objects.values_list("owner", flat=True)) == {member.pk}
    changed = services.customers_bulk_change_stage(
        by=owner, customer_ids=ids(three), stage="customer"
    )
    assert changed == 3
    entry = AuditEntry.objects.filter(action="update", object_id=str(three[0].pk)).first()
    assert entry.changes == {"lifecycle_stage": ["lead", "customer"]}


def test_bulk_delete_moves_to_trash_with_interactions(owner, three):
    services.interaction_create(by=owner, customer=three[0], subject="x")
    assert services.customers_bulk_delete(by=owner, customer_ids=ids(three[:2])) == 2
    assert list(Customer.objects.alive().values_list("name", flat=True)) == ["C"]
    assert Interaction.objects.get().deleted_at is not None
    services.customer_restore(customer=Customer.objects.get(name="A"), by=owner)
    assert Interaction.objects.get().deleted_at is None


@pytest.mark.parametrize(
    ("action", "value", "field"),
    [
        ("change_stage", "ghost", "stage"),
        ("assign_owner", "999999", "owner"),
        ("tag", "", "value"),
        ("explode", "", "action"),
    ],
)
def test_bad_bulk_requests_name_the_field_and_change_nothing(owner, three, action, value, field):
    with pytest.raises(ValidationError) as caught:
        services.customers_bulk_action(
            by=owner, customer_ids=ids(three), action=action, value=value
        )
    assert list(caught.value.message_dict) == [field]
    assert set(Customer.objects.values_list("version", flat=True)) == {1}


def test_bulk_refuses_viewers_and_hidden_records(owner, viewer, member, limit_members, three):
    with pytest.raises(PermissionDenied):
        services.customers_bulk_change_stage(by=viewer, customer_ids=ids(three), stage="customer")
    mine = services.customer_create(by=member, name="Mine")
    with pytest.raises(ValidationError) as caught:
        services.customers_bulk_change_stage(
            by=member, customer_ids=[mine.pk, three[0].pk], stage="customer"
        )
    assert list(caught.value.message_dict) == ["ids"]
    assert set(Customer.objects.values_list("lifecycle_stage", flat=True)) == {"lead"}
    with pytest.raises(PermissionDenied):
        services.customers_bulk_assign_owner(by=member, customer_ids=[mine.pk], owner=owner)
    assert Customer.objects.get(pk=mine.pk).owner == member


def test_bulk_tag_by_new_name_creates_the_tag_only_if_the_action_succeeds(viewer, owner, three):
    with pytest.raises(PermissionDenied):
        services.customers_bulk_action(
            by=viewer, customer_ids=ids(three), action="tag", value="Brand new"
        )
    assert not Tag.objects.exists()
    services.customers_bulk_action(
        by=owner, customer_ids=ids(three), action="tag", value="Brand new"
    )
    assert Customer.objects.filter(tags__name="Brand new").count() == 3
