import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from solocrm.core.custom_fields import custom_field_definition_create
from solocrm.core.exceptions import StaleVersionError
from solocrm.core.models import AuditEntry, Tag
from solocrm.customers import services
from solocrm.customers.models import Customer, CustomerEmail, CustomerPhone, Interaction


def test_create_stores_contacts_with_one_primary_and_audits(owner, as_owner):
    customer = services.customer_create(
        by=owner,
        name="  张伟  ",
        emails=["Zhang.Wei@Example.com", "zw@qq.com", "zhang.wei@example.com"],
        phones=["+86 138 0013 8000", "010-12345678"],
        tags=["VIP客户", "newsletter"],
        data={"source": "wechat", "wechat_id": "zw_2024"},
    )
    assert customer.name == "张伟"
    assert customer.owner == owner
    assert customer.version == 1
    assert list(customer.emails.values_list("email", "is_primary")) == [
        ("zhang.wei@example.com", True),
        ("zw@qq.com", False),
    ]
    assert list(customer.phones.values_list("raw", "e164", "is_primary")) == [
        ("+86 138 0013 8000", "+8613800138000", True),
        ("010-12345678", "+861012345678", False),
    ]
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP客户", "newsletter"]
    entry = AuditEntry.objects.get(object_type="customers.customer", action="create")
    assert entry.actor_id == owner.pk
    assert entry.changes["name"] == [None, "张伟"]
    assert entry.changes["emails"] == [None, ["zhang.wei@example.com", "zw@qq.com"]]
    assert "13800138000" in customer.search_text


def test_create_names_every_wrong_field_and_writes_nothing(owner):
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.customer_create(
            by=owner,
            name="",
            emails=["not-an-email"],
            phones=["12"],
            data={"lifecycle_stage": "ghost"},
        )
    errors = caught.value.message_dict
    assert set(errors) == {"name", "emails", "phones", "lifecycle_stage"}
    assert "not-an-email" in errors["emails"][0]
    assert Customer.objects.count() == 0
    assert CustomerEmail.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_unknown_field_is_refused(owner):
    with pytest.raises(ValidationError) as caught:
        services.customer_create(by=owner, name="A", data={"search_text": "x"})
    assert set(caught.value.message_dict) == {"search_text"}


def test_external_id_is_unique_when_set_and_blank_means_none(owner, make_customer):
    make_customer("A", data={"external_id": "shop-1"})
    make_customer("B", data={"external_id": ""})
    make_customer("C", data={"external_id": "  "})
    with pytest.raises(ValidationError) as caught:
        make_customer("D", data={"external_id": "shop-1"})
    assert set(caught.value.message_dict) == {"external_id"}
    assert list(Customer.objects.filter(external_id=None).values_list("name", flat=True)) == [
        "B",
        "C",
    ]


def test_update_bumps_version_and_audits_only_changes(owner, make_customer):
    customer = make_customer(emails=["a@example.com"], phones=["13800138000"])
    updated = services.customer_update(
        customer=customer,
        by=owner,
        data={"city": "上海", "tier": "vip"},
        emails=["b@example.com", "a@example.com"],
        expected_version=1,
    )
    assert updated.version == 2
    assert updated.primary_email == "b@example.com"
    entry = AuditEntry.objects.filter(action="update").get()
    assert entry.changes == {
        "city": ["", "上海"],
        "emails": [["a@example.com"], ["b@example.com", "a@example.com"]],
        "tier": ["potential", "vip"],
    }
    assert services.customer_update(customer=updated, by=owner, data={"city": "上海"}).version == 2


def test_stale_update_is_refused_and_changes_nothing(owner, make_customer):
    customer = make_customer(emails=["a@example.com"])
    services.customer_update(customer=customer, by=owner, data={"city": "北京"}, expected_version=1)
    with pytest.raises(StaleVersionError):
        services.customer_update(
            customer=customer,
            by=owner,
            data={"city": "上海"},
            emails=["x@example.com"],
            expected_version=1,
        )
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.city, stored.version) == ("北京", 2)
    assert list(stored.emails.values_list("email", flat=True)) == ["a@example.com"]


def test_consent_change_records_when(owner, make_customer):
    customer = make_customer()
    assert customer.consent_status == "unknown" and customer.consent_at is None
    customer = services.customer_update(
        customer=customer,
        by=owner,
        data={"consent_status": "granted", "consent_source": "web form"},
    )
    assert customer.consent_at is not None


def test_viewer_cannot_write_and_nothing_changes(viewer, make_customer):
    customer = make_customer()
    with pytest.raises(PermissionDenied):
        services.customer_create(by=viewer, name="X")
    with pytest.raises(PermissionDenied):
        services.customer_update(customer=customer, by=viewer, data={"city": "X"})
    with pytest.raises(PermissionDenied):
        services.customer_delete(customer=customer, by=viewer)
    assert Customer.objects.get(pk=customer.pk).city == ""
    assert Customer.objects.count() == 1


def test_limited_member_only_changes_own_records(owner, member, limit_members, make_customer):
    theirs = make_customer("Owner's")
    with pytest.raises(PermissionDenied):
        services.customer_update(customer=theirs, by=member, data={"city": "X"})
    with pytest.raises(PermissionDenied):
        services.customer_create(by=member, name="Given away", data={"owner": owner})
    mine = services.customer_create(by=member, name="Mine")
    assert mine.owner == member
    with pytest.raises(PermissionDenied):
        services.customer_update(customer=mine, by=member, data={"owner": owner})
    assert Customer.objects.get(pk=mine.pk).owner == member


def test_unlimited_member_may_change_anyones_records(member, make_customer):
    customer = make_customer()
    assert services.customer_update(customer=customer, by=member, data={"city": "X"}).city == "X"


def test_trash_and_restore_bring_back_interactions_trashed_with_the_customer(owner, make_customer):
    customer = make_customer()
    kept = services.interaction_create(by=owner, customer=customer, subject="first call")
    gone = services.interaction_create(by=owner, customer=customer, subject="old note")
    Interaction.objects.filter(pk=gone.pk).update(deleted_at="2020-01-01T00:00:00Z")
    services.customer_delete(customer=customer, by=owner)
    customer.refresh_from_db()
    assert customer.deleted_at is not None
    assert Interaction.objects.get(pk=kept.pk).deleted_at == customer.deleted_at
    assert list(Customer.objects.alive()) == []
    with pytest.raises(ValidationError):
        services.customer_update(customer=customer, by=owner, data={"city": "X"})
    services.customer_restore(customer=customer, by=owner)
    assert Customer.objects.get(pk=customer.pk).deleted_at is None
    assert Interaction.objects.get(pk=kept.pk).deleted_at is None
    assert Interaction.objects.get(pk=gone.pk).deleted_at is not None
    actions = list(
        AuditEntry.objects.filter(object_type="customers.customer")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "delete", "restore"]


def test_trash_empty_is_for_the_owner_and_deletes_for_good(owner, member, make_customer):
    customer = make_customer(emails=["a@example.com"], phones=["13800138000"])
    company = services.company_create(by=owner, name="Gone Ltd")
    services.interaction_create(by=owner, customer=customer, subject="x")
    services.customer_delete(customer=customer, by=owner)
    services.company_delete(company=company, by=owner)
    with pytest.raises(PermissionDenied):
        services.trash_empty(by=member)
    assert Customer.objects.count() == 1
    result = services.trash_empty(by=owner)
    assert result == {"customers": 1, "companies": 1, "interactions": 1}
    assert Customer.objects.count() == 0
    assert CustomerPhone.objects.count() == 0
    assert Interaction.objects.count() == 0
    deleted = AuditEntry.objects.filter(action="delete", object_id=str(customer.pk))
    assert deleted.filter(object_type="customers.customer").count() == 2  # trash, then empty


def test_company_rename_refreshes_its_peoples_search_text(owner, make_customer, make_company):
    company = make_company("Northwind Traders")
    customer = make_customer("Li Na", data={"company": company})
    assert "northwind" in Customer.objects.get(pk=customer.pk).search_text
    services.company_update(company=company, by=owner, data={"name": "Southwind"})
    assert "southwind" in Customer.objects.get(pk=customer.pk).search_text


def test_customer_cannot_join_a_trashed_company(owner, make_customer, make_company):
    company = make_company()
    services.company_delete(company=company, by=owner)
    with pytest.raises(ValidationError) as caught:
        make_customer(data={"company": company})
    assert set(caught.value.message_dict) == {"company"}


def test_custom_fields_validated_on_create_and_update(owner, make_customer):
    custom_field_definition_create(
        by=owner, target="customer", key="shoe_size", label="Shoe size", field_type="number",
        min_value=30, max_value=50, required=True,
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        make_customer()
    assert caught.value.message_dict == {"custom_fields.shoe_size": ["Shoe size is required."]}
    customer = make_customer(custom_fields={"shoe_size": "42"})
    assert customer.custom_fields == {"shoe_size": 42}
    with pytest.raises(ValidationError) as caught:
        services.customer_update(customer=customer, by=owner, custom_fields={"shoe_size": 60})
    assert caught.value.message_dict == {
        "custom_fields.shoe_size": ["Shoe size: The value must be at most 50."]
    }
    assert Customer.objects.get(pk=customer.pk).custom_fields == {"shoe_size": 42}


def test_interactions_are_audited_and_searchable(owner, make_customer):
    customer = make_customer()
    note = services.interaction_create(
        by=owner, customer=customer, kind="call", subject="报价", body="客户想要**批发**价格"
    )
    assert note.author == owner
    assert "批发" in Customer.objects.get(pk=customer.pk).search_text
    services.interaction_update(interaction=note, by=owner, data={"body": "改期"})
    assert "批发" not in Customer.objects.get(pk=customer.pk).search_text
    services.interaction_delete(interaction=note, by=owner)
    assert "改期" not in Customer.objects.get(pk=customer.pk).search_text
    actions = list(
        AuditEntry.objects.filter(object_type="customers.interaction")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]
    assert Customer.objects.get(pk=customer.pk).version == 1


def test_tags_by_name_are_created_once(owner, make_customer):
    make_customer("A", tags=["VIP"])
    make_customer("B", tags=["vip", "New"])
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["New", "VIP"]


def test_owner_must_be_an_active_owner_or_member(owner, viewer, make_customer):
    with pytest.raises(ValidationError) as caught:
        make_customer(data={"owner": viewer})
    assert list(caught.value.message_dict) == ["owner"]


def test_limited_member_cannot_link_a_company_they_cannot_see(
    owner, member, limit_members, make_company
):
    hidden = make_company("Owner's company")
    with pytest.raises(ValidationError) as caught:
        services.customer_create(by=member, name="X", data={"company": hidden})
    assert list(caught.value.message_dict) == ["company"]
    assert not Customer.objects.exists()


def test_retyping_a_phone_is_an_audited_change(owner, make_customer):
    customer = make_customer(phones=["13800138000"])
    customer = services.customer_update(customer=customer, by=owner, phones=["13800138000"])
    assert customer.version == 1
    customer = services.customer_update(customer=customer, by=owner, phones=["138 0013 8000"])
    assert customer.version == 2
    entry = AuditEntry.objects.filter(action="update").get()
    assert entry.changes == {"phones": [["13800138000"], ["138 0013 8000"]]}
