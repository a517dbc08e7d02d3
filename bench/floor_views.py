"""Plain Django views that each do all or part of what send-code and verify-code do, for
`python -m bench.floor`; served only by the floor's own web process (bench.floor_settings),
never by the service.

Each answers what the API would (the contract's fields, or its JSON error with its status and
Retry-After) with as little as Django needs: the body read with json.loads, no Django REST
framework (no Request wrapper, negotiation, serializer, exception handler or Response). What
differs from one to the next is the one thing the floor measures.
"""

import json
from dataclasses import asdict

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_redis import get_redis_connection
from rest_framework.exceptions import APIException

from accounts.errors import ResendTooSoon
from accounts.services import code_send, code_verify, tokens_issue
from invites.links import site_url
from invites.selectors import profile_get, profile_of_new_user
from project.exceptions import error_body
from project.fields import iso_8601
from sms.phones import phone_recipient

# What the refusals answer when the views that skip the code store refuse by themselves.
COOLDOWN_SECONDS = 60


def _refusal(exc: APIException) -> JsonResponse:
    response = JsonResponse(error_body(exc), status=exc.status_code)
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(exc.wait)
    return response


def _phone(request: HttpRequest) -> str:
    return phone_recipient(json.loads(request.body)["phone"])


@csrf_exempt
@require_POST
def refuse_without_redis(request: HttpRequest) -> JsonResponse:
    """The body and the phone parsed, the contract's 429, and nothing asked of Redis."""
    _phone(request)
    return _refusal(ResendTooSoon(retry_after=COOLDOWN_SECONDS))


@csrf_exempt
@require_POST
def refuse_after_ping(request: HttpRequest) -> JsonResponse:
    """The same, after one Redis round trip (PING) on the code store's Redis."""
    _phone(request)
    get_redis_connection("default").ping()
    return _refusal(ResendTooSoon(retry_after=COOLDOWN_SECONDS))


@csrf_exempt
@require_POST
def send_code(request: HttpRequest) -> JsonResponse:
    """The service's send-code (accounts.services.code_send: the phone's checks, the code
    store's one script, the Celery publish), called from a plain Django view."""
    body = json.loads(request.body)
    try:
        sent = code_send(phone=body["phone"], client_ip=request.META["REMOTE_ADDR"])
    except APIException as exc:
        return _refusal(exc)
    return JsonResponse(
        {"phone": sent.phone, "expires_in": sent.expires_in, "resend_in": sent.resend_in},
        status=202,
    )


@csrf_exempt
@require_POST
def verify_code(request: HttpRequest) -> JsonResponse:
    """The service's verify-code (accounts.services.code_verify: the code store's one script,
    the user found or created; then the tokens and the profile, as the API answers them),
    called from a plain Django view."""
    body = json.loads(request.body)
    try:
        with code_verify(
            phone=body["phone"], code=body["code"], client_ip=request.META["REMOTE_ADDR"]
        ) as login:
            tokens = tokens_issue(user=login.user)
            read_profile = profile_of_new_user if login.created else profile_get
            profile = asdict(read_profile(user=login.user, base_url=site_url(request)))
    except APIException as exc:
        return _refusal(exc)
    profile["date_joined"] = iso_8601(profile["date_joined"])
    for referral in profile["referrals"]:
        referral["activated_at"] = iso_8601(referral["activated_at"])
    return JsonResponse(
        {
            "access": tokens.access,
            "refresh": tokens.refresh,
            "is_new_user": login.created,
            "profile": profile,
        }
    )
