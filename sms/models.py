"""Blocked number ranges: where no SMS goes, set by operators or by the conversion watch."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

validate_prefix = RegexValidator(
    r"\A\+[1-9][0-9]{0,14}\Z",
    message=_("A prefix of an E.164 number: + and 1 to 15 digits, e.g. +7902 or +79021234."),
    code="invalid",
)


class BlockedRangeQuerySet(models.QuerySet):
    def in_force(self) -> "BlockedRangeQuerySet":
        return self.filter(Q(until__isnull=True) | Q(until__gt=timezone.now()))


class BlockedRange(models.Model):
    """No code is sent to a number that starts with `prefix` until `until` (empty: ever)."""

    class Reason(models.TextChoices):
        OPERATOR = "operator", _("operator")
        WATCH = "watch", _("conversion watch")

    prefix = models.CharField(
        _("prefix"),
        max_length=16,
        unique=True,
        validators=[validate_prefix],
        help_text=_("The start of the numbers in E.164, e.g. +7902 or +79021234."),
    )
    reason = models.CharField(
        _("set by"), max_length=16, choices=Reason.choices, default=Reason.OPERATOR
    )
    until = models.DateTimeField(
        _("until"), null=True, blank=True, help_text=_("Empty: until an operator lifts it.")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    objects = BlockedRangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("blocked range")
        verbose_name_plural = _("blocked ranges")

    def __str__(self) -> str:
        return self.prefix

    @property
    def in_force(self) -> bool:
        return self.until is None or self.until > timezone.now()
