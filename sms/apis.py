"""The sms app's API: the dev inbox (what the simulated gateway delivered to a phone) and the
providers' delivery reports."""

import hmac

from django.conf import settings
from django.http import HttpResponse
from django.utils.module_loading import import_string
from drf_yasg import openapi
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ParseError, UnsupportedMediaType
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sms.backends import CALLBACK_BACKENDS
from sms.errors import ForgedCallback, InvalidCallback, InvalidPhone
from sms.inbox import inbox_messages
from sms.phones import phone_normalize
from sms.services import message_log_report


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


class SmsCallbackApi(APIView):
    """Delivery reports from the SMS providers (docs/sms-gateways.md, "Delivery reports")."""

    # The providers authenticate by the secret token in the URL (and Twilio by its signature),
    # not as users; their bursts of reports are not throttled.
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    class OutputSerializer(serializers.Serializer):
        updated = serializers.IntegerField(help_text="Rows of the message log the report changed.")

    @swagger_auto_schema(
        tags=["sms"],
        operation_summary="A provider's delivery report (status callback)",
        operation_description=(
            "For the SMS providers, not for clients: `backend` is `smsru`, `smsaero`, `exolve` "
            "or `twilio`, `token` is `SMS_CALLBACK_TOKEN`. The body is the provider's own "
            "(Twilio: its status callback form, signed in `X-Twilio-Signature`; SMS.ru: its "
            "`data[]` form, answered with the plain text `100`; SMS Aero and Exolve: their "
            "JSON). A wrong token or an unknown backend is 404, a bad signature 403."
        ),
        request_body=no_body,  # the provider's own form or JSON, as described above
        responses={
            200: openapi.Response(
                "Applied to the message log (SMS.ru gets the plain text `100` instead).",
                OutputSerializer,
            )
        },
        errors=[
            InvalidCallback,
            ParseError,
            lambda: UnsupportedMediaType("text/plain"),
            ForgedCallback,
            NotFound,
        ],
    )
    def post(self, request: Request, backend: str, token: str) -> Response:
        expected = settings.SMS_CALLBACK_TOKEN
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            raise NotFound
        if backend not in CALLBACK_BACKENDS:
            raise NotFound
        gateway = import_string(CALLBACK_BACKENDS[backend])
        try:
            reports = gateway.parse_callback(request)
        except (ValueError, TypeError, KeyError, AttributeError, UnicodeError):
            raise InvalidCallback from None
        updated = message_log_report(backend=backend, reports=reports)
        if gateway.callback_answer is not None:
            return HttpResponse(gateway.callback_answer, content_type="text/plain")
        return Response(self.OutputSerializer({"updated": updated}).data)
