"""``TrackedModel.clean_fields`` skips fields that hold a default known to be valid."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from solocrm.core.models import defaults_held, valid_defaults
from solocrm.customers.models import Company, Customer


def test_valid_defaults_exclude_required_fields_and_linked_defaults() -> None:
    names = {name for name, _attname, _default, _kind in valid_defaults(Customer)}
    assert "tier" in names and "lifecycle_stage" in names and "wechat_id" in names
    assert "name" not in names  # blank is not a valid name
    assert "owner" in names  # a link qualifies only with a None default


def test_held_defaults_are_skipped_but_everything_else_is_cleaned() -> None:
    customer = Customer(name="张伟")
    held = set(defaults_held(customer))
    assert {"tier", "lifecycle_stage", "consent_status"} <= held
    assert "name" not in held
    customer.full_clean(exclude=["owner", "company", "created_by", "updated_by"])

    customer.tier = "platinum"  # not a choice: no longer the default, so cleaned
    customer.name = "x" * 201
    assert "tier" not in defaults_held(customer)
    with pytest.raises(ValidationError) as caught:
        customer.full_clean()
    assert set(caught.value.message_dict) == {"tier", "name"}


def test_a_plain_text_equal_to_a_choice_default_counts_as_the_default() -> None:
    customer = Customer(name="Li Lei", tier="potential", version=1)
    assert {"tier", "version"} <= set(defaults_held(customer))
    customer.version = True  # equal to 1 but not an int: cleaned
    assert "version" not in defaults_held(customer)


def test_company_without_a_name_is_still_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Company(name="").full_clean()
    assert "name" in caught.value.message_dict


def test_blank_instances_are_like_new_ones_but_share_nothing_mutable() -> None:
    from solocrm.core.models import blank_instances

    make = blank_instances(Customer)
    first, second = make(), make()
    expected = {k: v for k, v in Customer().__dict__.items() if k != "_state"}
    assert {k: v for k, v in first.__dict__.items() if k != "_state"} == expected
    assert first._state is not second._state and first._state.adding
    first.custom_fields["level"] = "gold"
    assert second.custom_fields == {} and make().custom_fields == {}
