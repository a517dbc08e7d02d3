"""Phone numbers: parsing, masking, and who may be sent an SMS."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from sms.errors import InvalidPhone, PhoneRegionNotAllowed, PhoneTypeNotAllowed
from sms.phones import phone_mask, phone_normalize, phone_recipient


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


# Who may be sent an SMS: the region allowlist and the number types (libphonenumber's own data).


@pytest.mark.parametrize(
    "raw",
    [
        "+79161234567",  # the numbers the tests use: Russian mobiles
        "+79031234567",
        "+79991234567",
        "+79211234567",
        "+79251234567",
        "8 962 851-87-53",
        "+7 701 123 45 67",  # Kazakhstan, in the default allowlist
    ],
)
def test_mobiles_of_the_allowed_regions_may_be_sent_a_code(raw):
    assert phone_recipient(raw) == phone_normalize(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "+44 7400 123456",  # a UK mobile
        "+49 151 12345678",  # a German one
        "+375 29 123-45-67",  # a Belarusian one
        "+1 202-555-0143",  # the US
        "+881 6 1234 5678",  # a satellite phone: a region of its own ("001")
    ],
)
def test_numbers_of_other_regions_are_phone_region_not_allowed(raw):
    with pytest.raises(PhoneRegionNotAllowed):
        phone_recipient(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "+7 495 123-45-67",  # a Moscow landline
        "8-800-123-45-67",  # toll-free
        "8-809-123-45-67",  # premium rate
        "+7 7172 12 34 56",  # a landline in Astana: Kazakhstan is allowed, landlines are not
    ],
)
def test_what_is_not_a_mobile_is_phone_type_not_allowed(raw):
    with pytest.raises(PhoneTypeNotAllowed):
        phone_recipient(raw)


def test_the_region_is_checked_before_the_type(settings):
    # A UK premium-rate number: refused for its region, the first check.
    with pytest.raises(PhoneRegionNotAllowed):
        phone_recipient("+44 909 879 0000")
    settings.PHONE_ALLOWED_REGIONS = ["GB"]
    with pytest.raises(PhoneTypeNotAllowed):
        phone_recipient("+44 909 879 0000")


def test_a_star_allows_every_region_but_not_every_type(settings):
    settings.PHONE_ALLOWED_REGIONS = ["*"]
    assert phone_recipient("+44 7400 123456") == "+447400123456"
    assert phone_recipient("+1 202-555-0143") == "+12025550143"  # fixed line or mobile
    with pytest.raises(PhoneTypeNotAllowed):
        phone_recipient("+1 900 555 0143")  # US premium rate


def test_the_allowlist_is_a_setting_read_as_it_changes(settings):
    settings.PHONE_ALLOWED_REGIONS = ["kz"]
    assert phone_recipient("+77011234567") == "+77011234567"
    with pytest.raises(PhoneRegionNotAllowed):
        phone_recipient("+79161234567")


def test_an_allowlist_of_unknown_regions_is_a_configuration_error(settings):
    settings.PHONE_ALLOWED_REGIONS = ["RU", "XX"]
    with pytest.raises(ImproperlyConfigured, match="XX"):
        phone_recipient("+79161234567")


def test_an_invalid_number_is_invalid_phone_before_any_policy():
    with pytest.raises(InvalidPhone):
        phone_recipient("+44 12")
