"""Webhook endpoints, the deliveries of events to them, and every delivery attempt."""

from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from webhooks.events import (
    validate_events,
    validate_webhook_secret,
    webhook_secret_generate,
)


class WebhookEndpoint(models.Model):
    url = models.URLField(
        _("URL"), max_length=2000, validators=[URLValidator(schemes=["http", "https"])]
    )
    # Empty: every event, those added later included.
    events = models.JSONField(_("events"), default=list, blank=True, validators=[validate_events])
    active = models.BooleanField(_("active"), default=True)
    # Kept as it is, not hashed: signing needs the key itself (HMAC-SHA256), and every
    # delivery and retry signs again. Encrypting it with a key from the settings would only
    # move the secret next to it; whoever reads the database can already read the events.
    secret = models.CharField(
        _("secret"),
        max_length=120,
        default=webhook_secret_generate,
        validators=[validate_webhook_secret],
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint: the exact body that is signed and sent on every attempt,
    under the same `webhook-id`, so that the receiver can drop repeats."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    event_type = models.CharField(_("event"), max_length=64)
    webhook_id = models.CharField(_("webhook-id"), max_length=64, unique=True)
    payload = models.TextField(_("payload"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # WEBHOOK_MAX_ATTEMPTS at first; a resend from the admin allows as many again.
    attempt_limit = models.PositiveIntegerField(_("attempt limit"))
    response_code = models.PositiveIntegerField(_("last response code"), null=True, blank=True)
    error = models.CharField(_("last error"), max_length=255, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["endpoint", "-created"], name="webhook_delivery_endpoint")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_id}"


class WebhookAttempt(models.Model):
    """One POST of a delivery (or the reason none was made)."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        verbose_name=_("delivery"),
    )
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("time"))
    duration_ms = models.PositiveIntegerField(_("duration, ms"))
    response_code = models.PositiveIntegerField(_("response code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)
    succeeded = models.BooleanField(_("succeeded"))

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "number", "id"]

    def __str__(self) -> str:
        return f"{self.delivery.webhook_id} #{self.number}"
