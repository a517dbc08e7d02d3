"""The dev SMS inbox API: what the simulated gateway delivered to a phone."""

from django.conf import settings
from drf_yasg.utils import swagger_auto_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sms.errors import InvalidPhone
from sms.inbox import inbox_messages
from sms.phones import phone_normalize


class MessageSerializer(serializers.Serializer):
    phone = serializers.CharField()
    text = serializers.CharField()
    sent_at = serializers.DateTimeField()


class DevSmsInboxApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    class FilterSerializer(serializers.Serializer):
        # Query parameters are always text; a blank or malformed one is `invalid_phone`.
        phone = serializers.CharField(allow_blank=True, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        results = MessageSerializer(many=True)

    @swagger_auto_schema(
        tags=["dev"],
        operation_summary="The simulated phone: SMS delivered to a number",
        operation_description=(
            "Newest first, kept for the code's TTL; a message appears once the gateway has "
            "delivered it (1-2 s). Only when `SMS_INBOX_ENABLED` is on; otherwise 404."
        ),
        query_serializer=FilterSerializer,
        responses={200: OutputSerializer},
        errors=[InvalidPhone, NotFound],
    )
    def get(self, request: Request) -> Response:
        if not settings.SMS_INBOX_ENABLED:
            raise NotFound
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        messages = inbox_messages(phone=phone_normalize(filters.validated_data["phone"]))
        return Response(self.OutputSerializer({"results": messages}).data)
