import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from solocrm.core.custom_fields import (
    CustomFieldDefinition,
    custom_field_definition_create,
    custom_field_definition_delete,
    custom_field_definition_update,
    custom_fields_validate,
)
from solocrm.customers import services


def define(owner, key, field_type, **extra):
    return custom_field_definition_create(
        by=owner, target="customer", key=key, label=key.title(), field_type=field_type, **extra
    )


@pytest.mark.parametrize(
    ("field_type", "extra", "given", "stored"),
    [
        ("text", {}, "  hello ", "hello"),
        ("text", {"regex": r"[A-Z]{2}\d{4}"}, "AB1234", "AB1234"),
        ("long_text", {}, "line 1\nline 2", "line 1\nline 2"),
        ("number", {"min_value": 1, "max_value": 10}, "7", 7),
        ("number", {}, 3.0, 3),
        ("decimal", {}, "12.50", "12.50"),
        ("decimal", {"min_value": "0.5"}, 0.5, "0.5"),
        ("date", {}, "2024-02-29", "2024-02-29"),
        ("choice", {"choices": ["gold", "silver"]}, "gold", "gold"),
        ("multiple_choice", {"choices": ["a", "b", "c"]}, ["c", "a"], ["a", "c"]),
        ("yes_no", {}, "yes", True),
        ("yes_no", {}, False, False),
        ("yes_no", {}, "否", False),
        ("url", {}, "https://example.com/x", "https://example.com/x"),
    ],
)
def test_valid_values_are_stored_in_json_exact_form(owner, field_type, extra, given, stored):
    define(owner, "field", field_type, **extra)
    assert custom_fields_validate(target="customer", values={"field": given}) == {"field": stored}


@pytest.mark.parametrize(
    ("field_type", "extra", "given", "message"),
    [
        ("text", {"regex": r"[A-Z]{2}\d{4}"}, "ab12", "Does not match the pattern"),
        ("text", {"max_value": 3}, "four", "The length must be at most 3."),
        ("number", {}, "1.5", "Enter a whole number."),
        ("number", {}, True, "Enter a whole number."),
        ("number", {"min_value": 1}, 0, "The value must be at least 1."),
        ("decimal", {}, "abc", "Enter a number."),
        ("decimal", {}, "NaN", "Enter a number."),
        ("date", {}, "2023-02-29", "Enter a date as YYYY-MM-DD."),
        ("choice", {"choices": ["gold"]}, "bronze", "Choose one of: gold."),
        ("multiple_choice", {"choices": ["a"]}, ["a", "z"], "z: choose from a."),
        ("yes_no", {}, "maybe", "Use yes or no."),
        ("url", {}, "javascript:alert(1)", "Enter a web address"),
    ],
)
def test_invalid_values_name_the_field(owner, field_type, extra, given, message):
    define(owner, "field", field_type, **extra)
    with pytest.raises(ValidationError) as caught:
        custom_fields_validate(target="customer", values={"field": given})
    errors = caught.value.message_dict
    assert list(errors) == ["custom_fields.field"]
    assert message in errors["custom_fields.field"][0]


def test_unknown_keys_are_refused_but_orphans_of_deleted_definitions_are_kept(owner):
    field = define(owner, "old", "text")
    customer = services.customer_create(by=owner, name="A", custom_fields={"old": "kept"})
    custom_field_definition_delete(definition=field, by=owner)
    define(owner, "new", "number")
    customer = services.customer_update(customer=customer, by=owner, custom_fields={"new": 5})
    assert customer.custom_fields == {"old": "kept", "new": 5}
    with pytest.raises(ValidationError) as caught:
        services.customer_update(customer=customer, by=owner, custom_fields={"typo": 1})
    assert list(caught.value.message_dict) == ["custom_fields.typo"]


def test_required_field_checked_when_custom_fields_are_written(owner):
    customer = services.customer_create(by=owner, name="Before the rule")
    define(owner, "level", "choice", choices=["A", "B"], required=True)
    # Unrelated edits of older records still work; writing custom fields enforces the rule.
    customer = services.customer_update(customer=customer, by=owner, data={"city": "上海"})
    with pytest.raises(ValidationError) as caught:
        services.customer_update(customer=customer, by=owner, custom_fields={"level": None})
    assert caught.value.message_dict == {"custom_fields.level": ["Level is required."]}


def test_removing_a_value_with_none(owner):
    define(owner, "nick", "text")
    customer = services.customer_create(by=owner, name="A", custom_fields={"nick": "Ace"})
    customer = services.customer_update(customer=customer, by=owner, custom_fields={"nick": ""})
    assert customer.custom_fields == {}


def test_definition_rules(owner):
    with pytest.raises(ValidationError) as caught:
        custom_field_definition_create(
            by=owner, target="customer", key="Bad Key", label="X", field_type="choice",
            min_value=5, max_value=1,
        )  # fmt: skip
    assert set(caught.value.message_dict) == {"key"}
    with pytest.raises(ValidationError) as caught:
        define(owner, "level", "choice")
    assert set(caught.value.message_dict) == {"choices"}
    with pytest.raises(ValidationError) as caught:
        define(owner, "code", "text", regex="[unclosed")
    assert set(caught.value.message_dict) == {"regex"}
    define(owner, "dup", "text")
    with pytest.raises(ValidationError) as caught:
        define(owner, "dup", "number")
    assert set(caught.value.message_dict) == {"key"}
    assert CustomFieldDefinition.objects.count() == 1


def test_only_the_owner_defines_custom_fields(owner, member):
    with pytest.raises(PermissionDenied):
        define(member, "x", "text")
    field = define(owner, "x", "text")
    with pytest.raises(PermissionDenied):
        custom_field_definition_update(definition=field, by=member, data={"label": "Y"})
    assert CustomFieldDefinition.objects.get().label == "X"


def test_company_custom_fields_are_separate(owner):
    custom_field_definition_create(
        by=owner, target="company", key="employees", label="Employees", field_type="number"
    )
    company = services.company_create(by=owner, name="Acme", custom_fields={"employees": "12"})
    assert company.custom_fields == {"employees": 12}
    with pytest.raises(ValidationError):
        services.customer_create(by=owner, name="A", custom_fields={"employees": 3})
