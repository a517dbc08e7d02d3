"""What invite activation answers when it says no; the codes are the API contract's."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from project.exceptions import ServiceError


class InviteAlreadyActivated(ServiceError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "invite_already_activated"
    default_detail = _("You have already activated the invite code %(activated_invite_code)s.")


class InviteCodeNotFound(ServiceError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "invite_code_not_found"
    default_detail = _("No user has the invite code %(invite_code)s.")


class OwnInviteCode(ServiceError):
    default_code = "own_invite_code"
    default_detail = _("This is your own invite code.")


class InviteCycle(ServiceError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "invite_cycle"
    default_detail = _("The owner of this code was invited by you, directly or through others.")
