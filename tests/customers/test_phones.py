import pytest

from solocrm.accounts.services import workspace_settings_update
from solocrm.customers import services
from solocrm.customers.phones import phone_normalise, phones_remembered
from solocrm.customers.search_index import _format_national_digits, _national_digits


@pytest.mark.parametrize(
    ("raw", "region", "e164", "national_digits"),
    [
        ("+86 138 0013 8000", "CN", "+8613800138000", "13800138000"),
        ("13800138000", "CN", "+8613800138000", "13800138000"),
        ("138-0013-8000", "CN", "+8613800138000", "13800138000"),
        ("0086 13800138000", "CN", "+8613800138000", "13800138000"),
        ("+86-138-0013-8000", "US", "+8613800138000", "13800138000"),
        ("010-12345678", "CN", "+861012345678", "01012345678"),
        ("(010) 1234 5678", "CN", "+861012345678", "01012345678"),
        ("021 6123 4567", "CN", "+862161234567", "02161234567"),
        ("(415) 555-2671", "US", "+14155552671", "4155552671"),
        ("+1 415-555-2671", "CN", "+14155552671", "4155552671"),
        ("+44 20 7946 0958", "CN", "+442079460958", "02079460958"),
        ("+852 2345 6789", "CN", "+85223456789", "23456789"),
        ("１３８００１３８０００", "CN", "+8613800138000", "13800138000"),
    ],
)
def test_phone_formats_normalise_to_e164(raw, region, e164, national_digits):
    phone = phone_normalise(raw, region=region)
    assert (phone.e164, phone.national_digits) == (e164, national_digits)
    assert phone.raw == " ".join(raw.split())


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("13800138000", "CN"),
        ("010-12345678", "CN"),
        ("(415) 555-2671", "US"),
        ("+44 20 7946 0958", "CN"),
        ("+39 06 1234 5678", "CN"),  # Italian numbers keep their leading zero
        ("+1 415-555-2671 ext. 12", "CN"),  # an extension: not remembered for E.164
        ("+61 2 9374 4000", "CN"),
    ],
)
def test_remembered_answers_are_the_ones_computed_afresh(raw, region):
    """Inside ``phones_remembered`` (an import) a number is parsed once; the search
    index's national digits for its E.164 form are taken from that parse."""
    with phones_remembered():
        phone = phone_normalise(raw, region=region)
        assert phone_normalise(raw, region=region) is phone
        assert _national_digits(phone.e164) == _format_national_digits(phone.e164)
    assert phone_normalise(raw, region=region) == phone


def test_refusals_are_not_remembered():
    with phones_remembered():
        for _attempt in range(2):
            with pytest.raises(ValueError, match="not a valid phone number"):
                phone_normalise("12345", region="CN")


@pytest.mark.parametrize("raw", ["12345", "abc", "+1 000", "", "1" * 60, "+86 138"])
def test_invalid_phones_are_refused_with_a_reason(raw):
    with pytest.raises(ValueError, match=r"phone number|not a valid"):
        phone_normalise(raw, region="CN")


def test_workspace_default_region_is_used(owner):
    workspace_settings_update(data={"default_phone_region": "US"})
    customer = services.customer_create(by=owner, name="Jane Doe", phones=["(415) 555-2671"])
    assert list(customer.phones.values_list("e164", flat=True)) == ["+14155552671"]


def test_same_number_in_two_formats_is_kept_once(owner):
    customer = services.customer_create(
        by=owner, name="王芳", phones=["13800138000", "+86 138 0013 8000"]
    )
    assert list(customer.phones.values_list("raw", "is_primary")) == [("13800138000", True)]


def test_phone_error_names_the_field_and_the_number(owner):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.customer_create(by=owner, name="李娜", phones=["13800138000", "555"])
    assert list(caught.value.message_dict) == ["phones"]
    assert "555" in caught.value.message_dict["phones"][0]
