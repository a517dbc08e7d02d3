"""What the sms app answers when it refuses a phone number; the codes are the API contract's.

Plain DRF exceptions, so that the app needs nothing of the project around it: any DRF
exception handler turns them into a 400 with their code.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException


class InvalidPhone(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_phone"
    default_detail = _("This is not a valid phone number.")


class InvalidCallback(APIException):
    """A delivery report we cannot read (not the provider's format)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_callback"
    default_detail = _("This is not a delivery report this gateway sends.")


class ForgedCallback(APIException):
    """A delivery report whose signature does not match: not from the provider."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "invalid_signature"
    default_detail = _("The delivery report's signature does not match.")


class PhoneRegionNotAllowed(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "phone_region_not_allowed"
    default_detail = _("Codes are not sent to numbers of this country.")


class PhoneTypeNotAllowed(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "phone_type_not_allowed"
    default_detail = _("Codes are sent to mobile numbers only.")
