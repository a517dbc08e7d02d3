"""The profile API: the profile, the referral list and its stats, the referral link's QR code,
and invite-code activation."""

import zoneinfo
from datetime import timedelta
from functools import cache

from django.db import DataError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from invites.codes import (
    INVITE_CODE_ALPHABET,
    INVITE_CODE_LENGTH,
    invite_code_normalize,
    validate_invite_code,
)
from invites.errors import (
    InviteAlreadyActivated,
    InviteCodeNotFound,
    InviteCycle,
    OwnInviteCode,
)
from invites.links import site_url
from invites.models import NEWEST_FIRST, ReferralStatus
from invites.qr import QR_MEDIA_TYPES, referral_qr_response
from invites.selectors import activations_per_day, local_today, profile_get, referrals_of
from invites.services import invite_activate
from project.fields import StrictCharField, iso_8601
from project.pagination import CursorPagination
from project.throttling import client_ip

PAGE_SIZE_INVALID = _("A whole number from 1 (larger than 500 counts as 500).")


class ReferralListSerializer(serializers.ListSerializer):
    """Renders the entries itself: an answer carries up to 500 of them, and DRF's fields,
    which look the time zone up again for every value, would cost more than all the rest."""

    def to_representation(self, data) -> list[dict]:
        zone = timezone.get_current_timezone()
        return [
            {
                "phone": row["phone"],
                "activated_at": iso_8601(row["activated_at"].astimezone(zone)),
                "status": row["status"],
            }
            for row in data
        ]


# Rejected referrals are listed nowhere.
LISTED_STATUSES = [ReferralStatus.ACTIVE.value, ReferralStatus.PENDING_REVIEW.value]


class ReferralSerializer(serializers.Serializer):
    phone = serializers.CharField()
    activated_at = serializers.DateTimeField()
    status = serializers.ChoiceField(
        choices=LISTED_STATUSES,
        help_text="`pending_review`: the activation raised a fraud flag and awaits an operator.",
    )

    class Meta:
        list_serializer_class = ReferralListSerializer


class ProfileApi(APIView):
    class OutputSerializer(serializers.Serializer):
        phone = serializers.CharField()
        invite_code = serializers.CharField()
        activated_invite_code = serializers.CharField(allow_null=True)
        invited_by = serializers.CharField(allow_null=True)
        date_joined = serializers.DateTimeField()
        referrals_count = serializers.IntegerField()
        referrals = ReferralSerializer(many=True)
        referral_link = serializers.URLField(
            help_text="The phone page with `?ref=` the invite code, on SITE_URL or this host."
        )

    @swagger_auto_schema(
        tags=["profile"],
        operation_id="profile_read",
        operation_summary="The user's profile",
        operation_description=(
            "`referrals`: the newest 100 users who activated this user's code; "
            "`referrals_count`: all of them (active and pending review; rejected ones are "
            "neither listed nor counted). `activated_invite_code` and `invited_by` are "
            "null until the user activates a code."
        ),
        responses={200: OutputSerializer},
    )
    def get(self, request: Request) -> Response:
        profile = profile_get(user=request.user, base_url=site_url(request))
        return Response(self.OutputSerializer(profile).data)


class ReferralPagination(CursorPagination):
    ordering = NEWEST_FIRST
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        # DRF silently ignores a page_size that is not a positive integer; say so instead.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise invalid_page_size()
        return min(size, self.max_page_size)


def invalid_page_size() -> ValidationError:
    return ValidationError({ReferralPagination.page_size_query_param: [PAGE_SIZE_INVALID]})


class ReferralListApi(APIView):
    class OutputSerializer(ReferralSerializer):
        pass

    @swagger_auto_schema(
        tags=["profile"],
        operation_summary="All referrals, newest first",
        operation_description=(
            "Cursor-paginated: follow `next` and `previous`. `page_size` defaults to 100 and "
            "is clamped to 500. A bad cursor is 404 `not_found`."
        ),
        manual_parameters=[
            openapi.Parameter(
                "page_size",
                openapi.IN_QUERY,
                type=openapi.TYPE_INTEGER,
                minimum=1,
                description="Referrals per page: 100 by default, at most 500 (larger is 500).",
            )
        ],
        responses={200: OutputSerializer},
        pagination_class=ReferralPagination,
        errors=[invalid_page_size, NotFound],
    )
    def get(self, request: Request) -> Response:
        paginator = ReferralPagination()
        page = paginator.paginate_queryset(referrals_of(user=request.user), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class InviteCodeField(StrictCharField):
    """Case and surrounding spaces do not matter; what is left must be a well-formed code."""

    class Meta:
        # The API document describes what is accepted, before trimming and upper-casing.
        swagger_schema_fields = {
            "pattern": rf"^\s*[{INVITE_CODE_ALPHABET}{INVITE_CODE_ALPHABET.lower()}]"
            rf"{{{INVITE_CODE_LENGTH}}}\s*$",
            "example": "k7q2zp",
        }

    def to_internal_value(self, data) -> str:
        return invite_code_normalize(super().to_internal_value(data))


class InviteActivateApi(APIView):
    class InputSerializer(serializers.Serializer):
        invite_code = InviteCodeField(validators=[validate_invite_code])

    @swagger_auto_schema(
        tags=["profile"],
        operation_summary="Activate someone's invite code",
        operation_description=(
            "Case and surrounding spaces do not matter; only ASCII is accepted. The first "
            "check that fails answers, in this order: `invalid`, `invite_already_activated`, "
            "`invite_code_not_found`, `own_invite_code`, `invite_cycle`. Past "
            "INVITE_MAX_FAILED_PER_HOUR (10) `invite_code_not_found` answers in the moving "
            "hour, every activation of the user answers 429 `throttled`. An activation from "
            "the inviter's network, or past REFERRAL_MAX_PER_HOUR (10) of one code in the "
            "moving hour, succeeds as `pending_review`."
        ),
        request_body=InputSerializer,
        responses={200: ProfileApi.OutputSerializer},
        errors=[
            InviteAlreadyActivated,
            InviteCodeNotFound,
            OwnInviteCode,
            InviteCycle,
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invite_activate(
            user=request.user,
            code=serializer.validated_data["invite_code"],
            ip=client_ip(request),
        )
        profile = profile_get(user=request.user, base_url=site_url(request))
        return Response(ProfileApi.OutputSerializer(profile).data)


STATS_DAYS_DEFAULT, STATS_DAYS_MAX = 30, 366
# Names that zoneinfo finds on some machines but that are no IANA zone.
NOT_ZONES = {"localtime", "posixrules"}


@cache
def iana_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - NOT_ZONES)


class WholeNumberField(serializers.IntegerField):
    """Digits only: DRF's own would also take "1.0" or " 7 ", which the document calls invalid."""

    def to_internal_value(self, data) -> int:
        if not (isinstance(data, str) and data.isascii() and data.isdigit() and len(data) <= 9):
            self.fail("invalid")
        return super().to_internal_value(data)


class TimeZoneField(StrictCharField):
    default_error_messages = {"unknown": _("Not an IANA time zone name, e.g. Europe/Moscow.")}

    def to_internal_value(self, data) -> zoneinfo.ZoneInfo:
        name = super().to_internal_value(data)
        if name not in iana_zones():
            self.fail("unknown")
        return zoneinfo.ZoneInfo(name)


class DayCountSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="A calendar day in the time zone asked for.")
    count = serializers.IntegerField(min_value=0)


class ReferralStatsApi(APIView):
    class InputSerializer(serializers.Serializer):
        days = WholeNumberField(min_value=1, max_value=STATS_DAYS_MAX, default=STATS_DAYS_DEFAULT)
        tz = TimeZoneField(default=zoneinfo.ZoneInfo("UTC"))

    class OutputSerializer(serializers.Serializer):
        total = serializers.IntegerField(min_value=0, help_text="Activations in these days.")
        days = DayCountSerializer(many=True, help_text="Every day, oldest first; today is last.")

    @swagger_auto_schema(
        tags=["profile"],
        operation_summary="Activations of the user's code per day",
        operation_description=(
            "Per calendar day in the time zone `tz`, oldest first, every day present (zeros "
            "too), today last. Rejected referrals are not counted. Anything but a whole "
            "number of days from 1 to 366, or an IANA time zone name, is 400 `invalid`."
        ),
        manual_parameters=[
            openapi.Parameter(
                "days",
                openapi.IN_QUERY,
                type=openapi.TYPE_INTEGER,
                minimum=1,
                maximum=STATS_DAYS_MAX,
                default=STATS_DAYS_DEFAULT,
                description="How many days, today included: 1-366, 30 by default.",
            ),
            openapi.Parameter(
                "tz",
                openapi.IN_QUERY,
                type=openapi.TYPE_STRING,
                # The whole list: a client (or a fuzzer) can tell a valid name from the document.
                enum=sorted(iana_zones()),
                default="UTC",
                description="An IANA time zone name, e.g. `Europe/Moscow`; UTC by default.",
            ),
        ],
        responses={200: OutputSerializer},
        errors=[lambda: ValidationError({"tz": [TimeZoneField.default_error_messages["unknown"]]})],
    )
    def get(self, request: Request) -> Response:
        # A plain dict: DRF reads an empty query value as a missing one; here it is invalid.
        serializer = self.InputSerializer(data=request.query_params.dict())
        serializer.is_valid(raise_exception=True)
        days, zone = serializer.validated_data["days"], serializer.validated_data["tz"]
        last = local_today(zone)
        try:
            counts = activations_per_day(
                first=last - timedelta(days=days - 1),
                last=last,
                zone=zone,
                inviter_id=request.user.pk,
            )
        except DataError:  # a zone this PostgreSQL's time zone database does not have
            raise ValidationError(
                {"tz": [TimeZoneField.default_error_messages["unknown"]]}
            ) from None
        data = {"total": sum(day.count for day in counts), "days": counts}
        return Response(self.OutputSerializer(data).data)


class ImageRenderer(BaseRenderer):
    """Declares an image media type (the API document's `produces`); the view answers the
    image bytes itself."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data


class SvgRenderer(ImageRenderer):
    media_type = QR_MEDIA_TYPES["svg"]
    format = "svg"


class PngRenderer(ImageRenderer):
    media_type = QR_MEDIA_TYPES["png"]
    format = "png"


class JsonErrorsNegotiation(BaseContentNegotiation):
    """The image's kind comes from `?format=` alone, checked by the view; anything DRF renders
    here is an error, and errors are JSON whatever the client's Accept header says (no 406,
    and no 404 for an unknown `?format=`, which DRF's own negotiation would answer)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = next(r for r in renderers if isinstance(r, JSONRenderer))
        return renderer, renderer.media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


class QrCodeApi(APIView):
    renderer_classes = [JSONRenderer, SvgRenderer, PngRenderer]
    content_negotiation_class = JsonErrorsNegotiation

    class InputSerializer(serializers.Serializer):
        format = serializers.ChoiceField(choices=list(QR_MEDIA_TYPES), default="svg")

    @swagger_auto_schema(
        tags=["profile"],
        operation_summary="The referral link as a QR code",
        operation_description=(
            "`image/svg+xml` (by default) or `image/png`, as `?format=` says; errors are "
            "JSON as everywhere. Another `format` is 400 `invalid`."
        ),
        manual_parameters=[
            openapi.Parameter(
                "format",
                openapi.IN_QUERY,
                type=openapi.TYPE_STRING,
                enum=list(QR_MEDIA_TYPES),
                default="svg",
                description="`svg` (default) or `png`.",
            )
        ],
        responses={
            200: openapi.Response(
                "The QR code: `image/svg+xml` or `image/png`.",
                schema=openapi.Schema(type=openapi.TYPE_FILE),
            )
        },
        errors=[lambda: ValidationError({"format": ['"gif" is not a valid choice.']})],
    )
    def get(self, request: Request) -> HttpResponse:
        # A plain dict: DRF reads an empty query value as a missing one; here it is invalid.
        serializer = self.InputSerializer(data=request.query_params.dict())
        serializer.is_valid(raise_exception=True)
        kind = serializer.validated_data["format"]
        return referral_qr_response(request, kind=kind, disposition="inline")
