"""The profile API: the profile, the full referral list, and invite-code activation."""

from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from invites.codes import invite_code_normalize, validate_invite_code
from invites.selectors import profile_get, referrals_of
from invites.services import invite_activate
from project.fields import StrictCharField


class ReferralSerializer(serializers.Serializer):
    phone = serializers.CharField()
    activated_at = serializers.DateTimeField()


class ProfileApi(APIView):
    class OutputSerializer(serializers.Serializer):
        phone = serializers.CharField()
        invite_code = serializers.CharField()
        activated_invite_code = serializers.CharField(allow_null=True)
        invited_by = serializers.CharField(allow_null=True)
        date_joined = serializers.DateTimeField()
        referrals_count = serializers.IntegerField()
        referrals = ReferralSerializer(many=True)

    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(profile_get(user=request.user)).data)


class ReferralPagination(CursorPagination):
    ordering = ("-activated_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class ReferralListApi(APIView):
    class OutputSerializer(serializers.Serializer):
        phone = serializers.CharField(source="invitee.phone")
        activated_at = serializers.DateTimeField()

    def get(self, request: Request) -> Response:
        paginator = ReferralPagination()
        page = paginator.paginate_queryset(referrals_of(user=request.user), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class InviteCodeField(StrictCharField):
    """Case and surrounding spaces do not matter; what is left must be a well-formed code."""

    def to_internal_value(self, data) -> str:
        return invite_code_normalize(super().to_internal_value(data))


class InviteActivateApi(APIView):
    class InputSerializer(serializers.Serializer):
        invite_code = InviteCodeField(validators=[validate_invite_code])

    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invite_activate(user=request.user, code=serializer.validated_data["invite_code"])
        return Response(ProfileApi.OutputSerializer(profile_get(user=request.user)).data)
