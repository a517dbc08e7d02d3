"""django-axes (the admin's brute-force lock) for the admin's password login only: AXES_HANDLER."""

from axes.handlers.database import AxesDatabaseHandler


class AdminLoginHandler(AxesDatabaseHandler):
    """Axes' database handler, deaf to logins and logouts outside the admin.

    AXES_ONLY_ADMIN_SITE limits the lockout to the admin, but axes would still record every
    django.contrib.auth login and logout: each phone login of the pages would cost three more
    queries and leave the visitor's address and browser in AccessLog for good.
    """

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if self.is_admin_request(request):
            super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        if self.is_admin_request(request):
            super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender, request, user, **kwargs):
        if self.is_admin_request(request):
            super().user_logged_out(sender, request, user, **kwargs)
