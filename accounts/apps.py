"""The accounts app; its start-up reads the login and abuse settings once, so a bad one stops it."""

import logging

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts.otp import otp_config
        from sms.phones import sms_policy

        # Read the login and abuse settings now: a bad one stops the start, not a request.
        sms_policy()
        test_numbers = otp_config().test_numbers
        if test_numbers and not settings.DEBUG:
            # Anyone who knows one of these logs in as it with its fixed code: a deployment
            # must mean it (app-store review, end-to-end tests).
            logger.warning(
                "%d test number(s) configured (OTP_TEST_NUMBERS): they log in with a fixed "
                "code and are sent no SMS",
                len(test_numbers),
            )
