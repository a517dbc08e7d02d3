"""The profile API: the profile, the full referral list, and invite-code activation."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
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
from invites.models import NEWEST_FIRST
from invites.selectors import profile_get, referrals_of
from invites.services import invite_activate
from project.fields import StrictCharField
from project.pagination import CursorPagination

PAGE_SIZE_INVALID = _("A whole number from 1 (larger than 500 counts as 500).")


class ReferralListSerializer(serializers.ListSerializer):
    """Renders the entries itself: an answer carries up to 500 of them, and DRF's fields,
    which look the time zone up again for every value, would cost more than all the rest."""

    def to_representation(self, data) -> list[dict]:
        zone = timezone.get_current_timezone()
        return [
            {"phone": row["phone"], "activated_at": iso_8601(row["activated_at"].astimezone(zone))}
            for row in data
        ]


def iso_8601(moment: datetime) -> str:
    """As DRF's DateTimeField writes a time: ISO 8601, with UTC as `Z`."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class ReferralSerializer(serializers.Serializer):
    phone = serializers.CharField()
    activated_at = serializers.DateTimeField()

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

    @swagger_auto_schema(
        tags=["profile"],
        operation_id="profile_read",
        operation_summary="The user's profile",
        operation_description=(
            "`referrals`: the newest 100 users who activated this user's code; "
            "`referrals_count`: all of them. `activated_invite_code` and `invited_by` are "
            "null until the user activates a code."
        ),
        responses={200: OutputSerializer},
    )
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(profile_get(user=request.user)).data)


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
            "Case and surrounding spaces do not matter. The first check that fails answers, "
            "in this order: `invalid`, `invite_already_activated`, `invite_code_not_found`, "
            "`own_invite_code`, `invite_cycle`."
        ),
        request_body=InputSerializer,
        responses={200: ProfileApi.OutputSerializer},
        errors=[InviteAlreadyActivated, InviteCodeNotFound, OwnInviteCode, InviteCycle],
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invite_activate(user=request.user, code=serializer.validated_data["invite_code"])
        return Response(ProfileApi.OutputSerializer(profile_get(user=request.user)).data)
