"""The login API: send a code, verify it, refresh and revoke tokens."""

from drf_yasg.utils import swagger_auto_schema
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import (
    AccountDisabled,
    CodeExpired,
    InvalidCode,
    ResendTooSoon,
    SmsBlocked,
    SmsBudgetExhausted,
    SmsRateLimited,
    TooManyAttempts,
    TooManyCodes,
)
from accounts.otp import validate_code_format
from accounts.services import code_send, code_verify, tokens_issue, tokens_refresh, tokens_revoke
from invites.apis import ProfileApi
from invites.links import site_url
from invites.selectors import profile_get, profile_of_new_user
from project.exceptions import RetryLater
from project.fields import StrictCharField
from project.throttling import UserThrottle, client_ip
from sms.errors import InvalidPhone, PhoneRegionNotAllowed, PhoneTypeNotAllowed


class PhoneInputSerializer(serializers.Serializer):
    # Blank and malformed numbers are the service's to refuse, with `invalid_phone`.
    phone = StrictCharField(allow_blank=True, trim_whitespace=False)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshInputSerializer(serializers.Serializer):
    refresh = StrictCharField()


class SendCodeApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    # The per-client-IP rate is one of the checks of the code store's one script (so only a
    # POST counts, never an OPTIONS preflight).
    throttle_classes = []

    class InputSerializer(PhoneInputSerializer):
        pass

    class OutputSerializer(serializers.Serializer):
        phone = serializers.CharField()
        expires_in = serializers.IntegerField()
        resend_in = serializers.IntegerField()

    @swagger_auto_schema(
        tags=["auth"],
        operation_summary="Send a login code by SMS",
        operation_description=(
            "Draws a 4-digit code (`OTP_CODE_LENGTH`), keeps only its keyed hash, and queues "
            "the SMS (the simulated gateway delivers it to the dev inbox after 1-2 s). A new "
            "code replaces the old one. The first check that fails answers: the number "
            "(`invalid_phone`, `phone_region_not_allowed`, `phone_type_not_allowed`), a "
            "blocked range (`sms_blocked`), the per-IP rate (`throttled`), the SMS budget "
            "(`sms_budget_exhausted`), the range's rate (`sms_rate_limited`), the phone's caps "
            "(`too_many_codes`) and cooldown (`resend_too_soon`). `resend_in`: seconds before "
            "the next code may be sent (it grows with each code of the day)."
        ),
        request_body=InputSerializer,
        responses={202: OutputSerializer},
        errors=[
            InvalidPhone,
            PhoneRegionNotAllowed,
            PhoneTypeNotAllowed,
            SmsBlocked,
            RetryLater,
            SmsBudgetExhausted,
            SmsRateLimited,
            TooManyCodes,
            ResendTooSoon,
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sent = code_send(**serializer.validated_data, client_ip=client_ip(request))
        return Response(self.OutputSerializer(sent).data, status=status.HTTP_202_ACCEPTED)


class VerifyCodeApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    # The per-client-IP rate and wrong-code cap are checks of the code store's one script.
    throttle_classes = []

    class InputSerializer(PhoneInputSerializer):
        # A malformed code is refused here, before it can use up one of the code's attempts.
        code = StrictCharField(trim_whitespace=False, validators=[validate_code_format])

    class OutputSerializer(TokenPairSerializer):
        is_new_user = serializers.BooleanField()
        profile = ProfileApi.OutputSerializer()

    @swagger_auto_schema(
        tags=["auth"],
        operation_summary="Check the code and log in",
        operation_description=(
            "The first successful verify of a phone creates the user and its invite code. "
            "A code works once; the 5th wrong one kills it, and past `OTP_MAX_FAILED_PER_DAY` "
            "wrong codes in a day the phone answers `too_many_attempts` until the oldest ages "
            "out. A client IP past `THROTTLE_VERIFY_CODE` or `OTP_MAX_FAILED_PER_IP` wrong "
            "codes a day is `throttled`. A malformed code is `invalid` and uses up no attempt."
        ),
        request_body=InputSerializer,
        responses={200: OutputSerializer},
        errors=[
            InvalidPhone,
            InvalidCode,
            CodeExpired,
            AccountDisabled,
            TooManyAttempts,
            RetryLater,
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with code_verify(**serializer.validated_data, client_ip=client_ip(request)) as login:
            tokens = tokens_issue(user=login.user)
            read_profile = profile_of_new_user if login.created else profile_get
            data = {
                "access": tokens.access,
                "refresh": tokens.refresh,
                "is_new_user": login.created,
                "profile": read_profile(user=login.user, base_url=site_url(request)),
            }
        return Response(self.OutputSerializer(data).data)


class TokenRefreshApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [UserThrottle]

    class InputSerializer(RefreshInputSerializer):
        pass

    class OutputSerializer(TokenPairSerializer):
        pass

    def get_authenticate_header(self, request: Request) -> str:
        # Without one, DRF turns a failed authentication into 403; a bad refresh token is 401.
        return 'Bearer realm="api"'

    @swagger_auto_schema(
        tags=["auth"],
        operation_summary="Get a new token pair",
        operation_description="The refresh token rotates: the old one stops working.",
        request_body=InputSerializer,
        responses={200: OutputSerializer},
        errors=[AuthenticationFailed],
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens = tokens_refresh(**serializer.validated_data)
        return Response(self.OutputSerializer(tokens).data)


class LogoutApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(RefreshInputSerializer):
        pass

    @swagger_auto_schema(
        tags=["auth"],
        operation_summary="Revoke a refresh token",
        operation_description=(
            "`invalid` when the token is malformed, expired, already revoked or another "
            "user's. Access tokens stay valid until they expire."
        ),
        request_body=InputSerializer,
        responses={204: "Revoked."},
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens_revoke(user=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
