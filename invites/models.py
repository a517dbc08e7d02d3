"""Invite codes and the referral relation: whose code is what, and who activated whose code."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invites.codes import INVITE_CODE_LENGTH, invite_code_generate, validate_invite_code

# The one order of a user's referrals, everywhere they are listed: newest first, ties by id.
NEWEST_FIRST = ("-activated_at", "-id")
# The order of the CSV export's keyset pages: oldest first, ties by id.
OLDEST_FIRST = ("activated_at", "id")


class ReferralStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    PENDING_REVIEW = "pending_review", _("pending review")
    REJECTED = "rejected", _("rejected")


# Listed and counted in referrals_count; a rejected referral is neither.
COUNTED_STATUSES = (ReferralStatus.ACTIVE, ReferralStatus.PENDING_REVIEW)


class ReferralFlag(models.TextChoices):
    """Why an activation looks self-made; any flag puts it in review."""

    SAME_NETWORK = "same_network", _("same network as the inviter's last login")
    BURST = "burst", _("burst of activations of one code")


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
    # Here rather than on the user: it is only the same-network check's, and the activation
    # reads it with the code, in the query it makes anyway. Written at every login.
    last_login_ip = models.GenericIPAddressField(
        _("IP at last login"), null=True, blank=True, editable=False
    )

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
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ReferralStatus.choices,
        default=ReferralStatus.ACTIVE,
    )
    # The fraud signals as they were at the activation: the invitee's address, the inviter's
    # address at their last login before it, and the flags they raised.
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    inviter_ip = models.GenericIPAddressField(
        _("inviter's IP at last login"), null=True, blank=True
    )
    flags = models.JSONField(_("flags"), default=list, blank=True)

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
            # The CSV export's keyset pages, the leaderboard and activations per day by period.
            models.Index(*OLDEST_FIRST, name="referral_activated"),
            # The admin's review queue: few rows, found without reading the rest.
            models.Index(
                models.F("activated_at").desc(),
                name="referral_pending_newest",
                condition=models.Q(status=ReferralStatus.PENDING_REVIEW),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(invitee=models.F("inviter")), name="referral_not_self"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReferralStatus.values), name="referral_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitee} <- {self.inviter}"

    @property
    def counted(self) -> bool:
        return self.status in COUNTED_STATUSES
