import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models

from solocrm.core.custom_fields import custom_field_definition_create
from solocrm.core.exceptions import StaleVersionError
from solocrm.core.models import AuditEntry
from solocrm.customers import services
from solocrm.customers.merge import MergeUndoRefusedError, customer_merge, customer_merge_undo
from solocrm.customers.merge_models import CustomerMerge
from solocrm.customers.models import Customer, Interaction
from solocrm.customers.relations import CUSTOMER_RELATIONS, CustomerRelation


class MergeTestNote(models.Model):
    """A stand-in for another app's model with a foreign key to Customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=50)

    class Meta:
        app_label = "merge_test"  # not installed: invisible to makemigrations

    def __str__(self) -> str:
        return self.text


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        editor.create_model(MergeTestNote)


@pytest.fixture
def test_relation():
    relation = CustomerRelation(MergeTestNote, "customer")
    CUSTOMER_RELATIONS.append(relation)
    yield relation
    CUSTOMER_RELATIONS.remove(relation)


@pytest.fixture
def custom_fields(owner):
    for key, kind in (("level", "text"), ("budget", "number"), ("note", "text")):
        custom_field_definition_create(
            by=owner, target="customer", key=key, label=key.title(), field_type=kind
        )


@pytest.fixture
def pair(owner, make_customer, make_company, custom_fields):
    acme = make_company("Acme")
    survivor = make_customer(
        "Zhang Wei",
        emails=["zw@acme.cn"],
        phones=["138 0013 8000"],
        tags=["vip"],
        data={"company": acme, "city": "", "wechat_id": "zw_1", "external_id": "A-1"},
        custom_fields={"level": "gold", "budget": 10},
    )
    merged = make_customer(
        "Wei Zhang",
        emails=["ZW@acme.cn", "wei@qq.com"],
        phones=["+86 139 0013 9000"],
        tags=["vip", "newsletter"],
        data={"company": acme, "city": "上海", "wechat_id": "", "external_id": "B-2"},
        custom_fields={"budget": 20, "note": "met at fair"},
    )
    return survivor, merged


def _state(customer):
    customer = Customer.objects.get(pk=customer.pk)
    return {
        "fields": {
            f.attname: getattr(customer, f.attname)
            for f in Customer._meta.concrete_fields
            if f.attname not in ("updated_at", "updated_by_id", "version", "search_text")
        },
        "emails": list(customer.emails.values_list("id", "email", "is_primary")),
        "phones": list(customer.phones.values_list("id", "e164", "is_primary")),
        "tags": sorted(customer.tags.values_list("name", flat=True)),
        "interactions": sorted(Interaction.objects.filter(customer=customer).values_list("pk")),
        "notes": sorted(MergeTestNote.objects.filter(customer=customer).values_list("pk")),
    }


def test_merge_moves_relations_unions_contacts_and_respects_choices(owner, pair, test_relation):
    survivor, merged = pair
    call = services.interaction_create(by=owner, customer=merged, kind="call", subject="Call")
    own_note = services.interaction_create(by=owner, customer=survivor, subject="Mine")
    note = MergeTestNote.objects.create(customer=merged, text="order 7")

    merge = customer_merge(
        survivor=survivor,
        merged=merged,
        by=owner,
        field_choices={"name": "merged", "external_id": "merged", "wechat_id": "survivor"},
        custom_field_choices={"budget": "merged", "level": "survivor"},
        survivor_version=survivor.version,
        merged_version=merged.version,
    )

    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert survivor.name == "Wei Zhang"
    assert survivor.external_id == "B-2"
    assert survivor.wechat_id == "zw_1"
    assert survivor.city == "上海"  # empty on the survivor: taken from the other by default
    assert survivor.custom_fields == {"level": "gold", "budget": 20, "note": "met at fair"}
    assert list(survivor.emails.values_list("email", "is_primary")) == [
        ("zw@acme.cn", True),
        ("wei@qq.com", False),
    ]
    assert list(survivor.phones.values_list("e164", "is_primary")) == [
        ("+8613800138000", True),
        ("+8613900139000", False),
    ]
    assert sorted(survivor.tags.values_list("name", flat=True)) == ["newsletter", "vip"]
    assert set(survivor.interactions.values_list("pk", flat=True)) == {call.pk, own_note.pk}
    assert MergeTestNote.objects.get(pk=note.pk).customer_id == survivor.pk
    assert merged.deleted_at is not None
    assert merged.external_id is None  # the unique value went to the survivor
    assert list(merged.emails.values_list("email", flat=True)) == ["zw@acme.cn"]
    assert "wei@qq.com" in survivor.search_text
    # Other apps (sales) register relations too; only the ones with rows moved matter here.
    assert [entry for entry in merge.moved["relations"] if entry["ids"]] == [
        {"relation": "customers.interaction.customer", "ids": [call.pk]},
        {"relation": "merge_test.mergetestnote.customer", "ids": [note.pk]},
    ]
    assert merge.survivor_version == survivor.version == 2
    assert merge.moved_counts == [
        ("interactions", 1),
        ("merge test notes", 1),
        ("email addresses", 1),
        ("phone numbers", 1),
    ]
    assert merge.merged_version == merged.version == 2


def test_merge_is_audited_with_before_after_and_moved_ids(owner, pair, test_relation):
    survivor, merged = pair
    note = MergeTestNote.objects.create(customer=merged, text="x")
    merge = customer_merge(survivor=survivor, merged=merged, by=owner)
    entry = AuditEntry.objects.get(
        action="merge", object_type="customers.customer", object_id=str(survivor.pk)
    )
    assert "name" not in entry.changes  # unchanged fields are not listed
    assert entry.changes["city"] == ["", "上海"]
    assert entry.changes["emails"] == [["zw@acme.cn"], ["zw@acme.cn", "wei@qq.com"]]
    assert entry.changes["tags"] == [["vip"], ["newsletter", "vip"]]
    assert entry.changes["custom_fields"] == [
        {"level": "gold", "budget": 10},
        {"level": "gold", "budget": 10, "note": "met at fair"},
    ]
    assert merge.survivor_before["city"] == "" and merge.survivor_after["city"] == "上海"
    assert entry.changes["merged_customer"] == [None, {"id": merged.pk, "name": "Wei Zhang"}]
    assert entry.changes["merge_id"] == [None, merge.pk]
    relations = entry.changes["moved"][1]["relations"]
    assert {"relation": "merge_test.mergetestnote.customer", "ids": [note.pk]} in relations
    loser_entry = AuditEntry.objects.get(action="merge", object_id=str(merged.pk))
    assert loser_entry.changes["merged_into"] == [None, {"id": survivor.pk, "name": "Zhang Wei"}]


def test_undo_restores_both_records_exactly(owner, pair, test_relation):
    survivor, merged = pair
    services.interaction_create(by=owner, customer=merged, subject="Call")
    services.interaction_create(by=owner, customer=survivor, subject="Mine")
    MergeTestNote.objects.create(customer=merged, text="x")
    MergeTestNote.objects.create(customer=survivor, text="y")
    before = (_state(survivor), _state(merged))

    merge = customer_merge(
        survivor=survivor,
        merged=merged,
        by=owner,
        field_choices={"name": "merged", "external_id": "merged"},
        custom_field_choices={"budget": "merged"},
    )
    assert (_state(survivor), _state(merged)) != before
    customer_merge_undo(merge=merge, by=owner)

    assert (_state(survivor), _state(merged)) == before
    merge.refresh_from_db()
    assert merge.undone_at is not None
    assert merge.undone_by == owner
    survivor.refresh_from_db()
    assert survivor.version == 3
    assert "wei@qq.com" not in survivor.search_text
    assert AuditEntry.objects.filter(action="restore", object_id=str(merged.pk)).exists()
    undo_entry = AuditEntry.objects.filter(action="merge", object_id=str(survivor.pk)).first()
    assert undo_entry.changes["undo_of_merge"] == [merge.pk, None]
    assert undo_entry.changes["name"] == ["Wei Zhang", "Zhang Wei"]


def test_undo_is_refused_once_the_survivor_was_edited(owner, pair):
    survivor, merged = pair
    merge = customer_merge(survivor=survivor, merged=merged, by=owner)
    survivor.refresh_from_db()
    services.customer_update(customer=survivor, by=owner, data={"city": "北京"})
    before = (_state(survivor), _state(merged))
    with pytest.raises(MergeUndoRefusedError, match="changed after the merge"):
        customer_merge_undo(merge=merge, by=owner)
    assert (_state(survivor), _state(merged)) == before
    merge.refresh_from_db()
    assert merge.undone_at is None


def test_undo_twice_is_refused(owner, pair):
    survivor, merged = pair
    merge = customer_merge(survivor=survivor, merged=merged, by=owner)
    customer_merge_undo(merge=merge, by=owner)
    with pytest.raises(MergeUndoRefusedError, match="already undone"):
        customer_merge_undo(merge=merge, by=owner)


def test_stale_version_of_either_record_changes_nothing(owner, pair):
    survivor, merged = pair
    before = (_state(survivor), _state(merged))
    services.customer_update(customer=merged, by=owner, data={"country": "CN"})
    before = (_state(survivor), _state(merged))
    with pytest.raises(StaleVersionError, match="changed by someone else"):
        customer_merge(
            survivor=survivor,
            merged=merged,
            by=owner,
            survivor_version=survivor.version,
            merged_version=1,
        )
    assert (_state(survivor), _state(merged)) == before
    assert not CustomerMerge.objects.exists()
    assert not AuditEntry.objects.filter(action="merge").exists()


def test_bad_choices_and_same_or_trashed_records_are_refused(owner, pair):
    survivor, merged = pair
    with pytest.raises(ValidationError) as caught:
        customer_merge(
            survivor=survivor,
            merged=merged,
            by=owner,
            field_choices={"version": "merged", "name": "both"},
            custom_field_choices={"ghost": "merged"},
        )
    assert set(caught.value.message_dict) == {
        "fields.version",
        "fields.name",
        "custom_fields.ghost",
    }
    with pytest.raises(ValidationError, match="two different"):
        customer_merge(survivor=survivor, merged=survivor, by=owner)
    services.customer_delete(customer=merged, by=owner)
    with pytest.raises(ValidationError, match="in the trash"):
        customer_merge(survivor=survivor, merged=merged, by=owner)
    assert not CustomerMerge.objects.exists()


def test_consent_moves_as_one_choice(owner, make_customer):
    given = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    survivor = make_customer("Li Na")
    merged = make_customer(
        "Li Na",
        data={"consent_status": "granted", "consent_source": "web form", "consent_at": given},
    )
    customer_merge(survivor=survivor, merged=merged, by=owner, field_choices={})
    survivor.refresh_from_db()
    assert (survivor.consent_status, survivor.consent_source, survivor.consent_at) == (
        "unknown",
        "",
        None,
    )
    other = make_customer(
        "Li Na",
        data={"consent_status": "granted", "consent_source": "web form", "consent_at": given},
    )
    customer_merge(
        survivor=survivor, merged=other, by=owner, field_choices={"consent_status": "merged"}
    )
    survivor.refresh_from_db()
    assert (survivor.consent_status, survivor.consent_source, survivor.consent_at) == (
        "granted",
        "web form",
        given,
    )


def test_viewer_cannot_merge(viewer, pair):
    survivor, merged = pair
    with pytest.raises(PermissionDenied):
        customer_merge(survivor=survivor, merged=merged, by=viewer)
    assert not CustomerMerge.objects.exists()


def test_limited_member_merges_only_records_they_own(member, make_customer, limit_members):
    mine = make_customer("Ann Lee", by=member)
    also_mine = make_customer("Ann Lee", by=member)
    not_mine = make_customer("Ann Lee")
    with pytest.raises(PermissionDenied, match="records you own"):
        customer_merge(survivor=mine, merged=not_mine, by=member)
    with pytest.raises(PermissionDenied, match="records you own"):
        customer_merge(survivor=not_mine, merged=mine, by=member)
    assert not CustomerMerge.objects.exists()
    merge = customer_merge(survivor=mine, merged=also_mine, by=member)
    assert merge.created_by == member


def test_every_foreign_key_to_customer_is_moved_by_a_merge():
    """Apps must register their customer relations, or a merge would leave rows behind."""
    handled = {"customers.customeremail", "customers.customerphone", "customers.customermerge"}
    registered = {relation.model._meta.label_lower for relation in CUSTOMER_RELATIONS}
    missing = [
        f"{rel.related_model._meta.label}.{rel.field.name}"
        for rel in Customer._meta.related_objects
        if rel.many_to_one or rel.one_to_one
        if rel.related_model._meta.label_lower not in handled | registered
        and rel.related_model._meta.app_label != "merge_test"
    ]
    assert missing == [], "register these with register_customer_relation()"
