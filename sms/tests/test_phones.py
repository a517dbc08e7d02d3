import pytest

from sms.errors import InvalidPhone
from sms.phones import phone_mask, phone_normalize


@pytest.mark.parametrize(
    "raw",
    ["8-962-851-87-53", "8 (962) 851-87-53", "+7 962 851 87 53", "79628518753", "+79628518753"],
)
def test_the_contract_formats_are_one_number(raw):
    assert phone_normalize(raw) == "+79628518753"


def test_a_number_with_a_country_code_keeps_it():
    assert phone_normalize("+1 202-555-0143") == "+12025550143"


def test_the_default_region_applies_to_numbers_without_plus(settings):
    settings.PHONE_DEFAULT_REGION = "GB"
    assert phone_normalize("07400 123456") == "+447400123456"


@pytest.mark.parametrize(
    "raw", ["", "   ", "12", "not a phone", "+7 962 851", "+999 1234567", "9" * 300]
)
def test_anything_that_is_not_a_valid_number_is_refused(raw):
    with pytest.raises(InvalidPhone) as caught:
        phone_normalize(raw)
    assert caught.value.default_code == "invalid_phone"


def test_a_masked_phone_keeps_the_start_and_the_last_four_digits():
    assert phone_mask("+79628518753") == "+7962***8753"
