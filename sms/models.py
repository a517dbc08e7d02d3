"""The message log: one row per SMS the worker sends, its gateway, status, price; never the text."""

from django.db import models
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
