"""The referral link: the phone page with the invite code, on the site's public address."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def site_url(request: HttpRequest) -> str:
    """SITE_URL when set (behind a proxy the request's own host may be an internal one),
    otherwise the scheme and host the request came to."""
    return settings.SITE_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/")


def referral_link(*, base_url: str, invite_code: str) -> str:
    return f"{base_url}{reverse('web:phone')}?{urlencode({'ref': invite_code})}"
