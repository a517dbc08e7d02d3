"""The sms app's tables: the message log (one row per SMS the worker sends, its gateway,
status and price; never the text), and the blocked number ranges no SMS goes to (set by
operators or by the conversion watch)."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SmsLog(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    # The Celery task that delivers the message: its retries update the same row.
    task_id = models.CharField(_("task id"), max_length=64, unique=True, null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20)
    backend = models.CharField(_("gateway"), max_length=32, blank=True)
    provider_message_id = models.CharField(_("gateway's message id"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    error = models.TextField(_("error"), blank=True)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=5, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS log")
        ordering = ["-created_at"]
        indexes = [
            # A delivery report finds its row by the gateway's id.
            models.Index(fields=["backend", "provider_message_id"], name="sms_log_provider_id"),
            models.Index(fields=["phone"], name="sms_log_phone"),
            models.Index(fields=["status"], name="sms_log_status"),
        ]

    def __str__(self) -> str:
        return f"{self.backend or '-'} {self.provider_message_id or '-'} {self.status}"


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
