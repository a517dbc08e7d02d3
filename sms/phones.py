"""Phone numbers: what people type, parsed by libphonenumber into the one E.164 form we store,
and which of them may be sent an SMS (the region allowlist and the number types)."""

from dataclasses import dataclass
from functools import cache, lru_cache

import phonenumbers
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from phonenumbers import PhoneNumberType

from sms.errors import InvalidPhone, PhoneRegionNotAllowed, PhoneTypeNotAllowed

E164 = phonenumbers.PhoneNumberFormat.E164

# The types that reach a handset. "Fixed line or mobile" is where the numbering plan cannot
# tell the two apart (the US, for one); everything else (landlines, toll-free, premium rate,
# shared cost, VoIP, personal, pager, UAN, voicemail) is where SMS pumping sends its texts.
SMS_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


@dataclass(frozen=True)
class SmsPolicy:
    regions: frozenset[str] | None  # None: every region


@cache
def sms_policy() -> SmsPolicy:
    """PHONE_ALLOWED_REGIONS, read once (and again when a test changes the settings)."""
    regions = {region.strip().upper() for region in settings.PHONE_ALLOWED_REGIONS}
    regions.discard("")
    if "*" in regions:
        return SmsPolicy(regions=None)
    unknown = regions - phonenumbers.SUPPORTED_REGIONS - {"001"}
    if unknown:
        raise ImproperlyConfigured(
            f"PHONE_ALLOWED_REGIONS: not ISO 3166 regions libphonenumber knows: {sorted(unknown)}"
        )
    return SmsPolicy(regions=frozenset(regions))


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    if setting == "PHONE_ALLOWED_REGIONS":
        sms_policy.cache_clear()


@lru_cache(maxsize=4096)
def _parse(raw: str, default_region: str) -> tuple[str, str | None, int]:
    """The number as typed, in E.164, with its region and type; InvalidPhone if it is none.

    Kept for the numbers seen last: under a flood most requests carry the same few numbers,
    and parsing is most of what a refused request costs besides its one Redis call.
    """
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone from None
    # What is_valid_number() checks is that the number matches one of its region's types, so
    # the type alone says both (and libphonenumber walks the patterns once, not twice).
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        raise InvalidPhone
    e164 = phonenumbers.format_number(number, E164)
    return e164, phonenumbers.region_code_for_number(number), kind


def phone_normalize(raw: str) -> str:
    """`8 (962) 851-87-53`, `+7 962 851 87 53` and `79628518753` are all `+79628518753`."""
    return _parse(raw, settings.PHONE_DEFAULT_REGION)[0]


def phone_recipient(raw: str) -> str:
    """phone_normalize, for a number an SMS is about to go to: it must also be of an allowed
    region (PHONE_ALLOWED_REGIONS) and a type that receives SMS, or the SMS is not sent."""
    phone, region, kind = _parse(raw, settings.PHONE_DEFAULT_REGION)
    regions = sms_policy().regions
    if regions is not None and region not in regions:
        raise PhoneRegionNotAllowed
    if kind not in SMS_TYPES:
        raise PhoneTypeNotAllowed
    return phone


def phone_mask(phone: str) -> str:
    """For logs: `+79628518753` -> `+7962***8753`."""
    if len(phone) < 9:
        return "***"
    return f"{phone[:5]}***{phone[-4:]}"
