"""Invite codes and the referral relation: whose code is what, and who activated whose code."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invites.codes import INVITE_CODE_LENGTH, invite_code_generate, validate_invite_code

# The one order of a user's referrals, everywhere they are listed: newest first, ties by id.
NEWEST_FIRST = ("-activated_at", "-id")


class InviteCode(models.Model):
    """A user's own invite code, given once at sign-up and never changed, and how many
    users activated it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="invite",
        verbose_name=_("user"),
    )
    code = models.CharField(
        _("invite code"),
        max_length=INVITE_CODE_LENGTH,
        unique=True,
        default=invite_code_generate,
        validators=[validate_invite_code],
        editable=False,
    )
    # Kept in step with Referral in the same transaction, so that the profile shows the count
    # with no COUNT(*) over a user's referrals (the same cost for 0 and 100,000).
    referrals_count = models.PositiveIntegerField(_("referrals"), default=0, editable=False)

    class Meta:
        verbose_name = _("invite code")
        verbose_name_plural = _("invite codes")

    def __str__(self) -> str:
        return self.code


class Referral(models.Model):
    """`invitee` activated the invite code of `inviter`: one row per invitee, ever."""

    invitee = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="referral",
        verbose_name=_("invitee"),
    )
    # Users are deactivated, not deleted, so that nobody's referral history changes.
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("invited by"),
        db_index=False,  # the index below starts with inviter and serves these lookups too
    )
    activated_at = models.DateTimeField(_("activated at"), default=timezone.now)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = NEWEST_FIRST
        indexes = [
            # "The referrals of X, newest first": the profile, the list, the page, the admin.
            models.Index(
                "inviter",
                *(models.F(field.lstrip("-")).desc() for field in NEWEST_FIRST),
                name="referral_inviter_newest",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(invitee=models.F("inviter")), name="referral_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitee} <- {self.inviter}"
