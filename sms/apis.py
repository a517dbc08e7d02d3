"""The dev SMS inbox API: what the simulated gateway delivered to a phone."""

from django.conf import settings
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.phones import phone_normalize
from project.fields import StrictCharField
from sms.inbox import inbox_messages


class DevSmsInboxApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    class FilterSerializer(serializers.Serializer):
        phone = StrictCharField(allow_blank=True, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        phone = serializers.CharField()
        text = serializers.CharField()
        sent_at = serializers.DateTimeField()

    def get(self, request: Request) -> Response:
        if not settings.SMS_INBOX_ENABLED:
            raise NotFound
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        messages = inbox_messages(phone=phone_normalize(filters.validated_data["phone"]))
        return Response({"results": self.OutputSerializer(messages, many=True).data})
