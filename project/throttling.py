"""Per-client-IP and per-user throttles, the outer fence; their rates are settings.

DRF's throttles are not atomic and not a brute-force defence (its docs say so): the per-phone
limits and the attempt counter live in the code store. The rate is read on every request
(DRF's own classes capture theirs at import), so a deployment or a test can change it.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class ClientIpThrottle(SimpleRateThrottle):
    rate_setting = ""

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SendCodeThrottle(ClientIpThrottle):
    scope = "send_code"
    rate_setting = "THROTTLE_SEND_CODE"


class VerifyCodeThrottle(ClientIpThrottle):
    scope = "verify_code"
    rate_setting = "THROTTLE_VERIFY_CODE"


class UserThrottle(UserRateThrottle):
    """Per user when authenticated, per client IP otherwise."""

    def get_rate(self) -> str:
        return settings.THROTTLE_USER
