"""Phone numbers: what people type, parsed by libphonenumber into the one E.164 form we store."""

import phonenumbers
from django.conf import settings

from sms.errors import InvalidPhone


def phone_normalize(raw: str) -> str:
    """`8 (962) 851-87-53`, `+7 962 851 87 53` and `79628518753` are all `+79628518753`."""
    try:
        number = phonenumbers.parse(raw, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidPhone from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_mask(phone: str) -> str:
    """For logs: `+79628518753` -> `+7962***8753`."""
    if len(phone) < 9:
        return "***"
    return f"{phone[:5]}***{phone[-4:]}"
