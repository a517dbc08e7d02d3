"""The referral relation: who activated whose invite code, and when."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
        indexes = [
            # "The referrals of X, newest first": the profile and the paginated list.
            models.Index(
                "inviter",
                models.F("activated_at").desc(),
                models.F("id").desc(),
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
