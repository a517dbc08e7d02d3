"""Webhooks in the admin: endpoints (the secret shown once, at creation), and every delivery
with its attempts, with a "resend" action."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from webhooks.events import EVENTS, validate_webhook_secret, webhook_secret_generate
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_resend


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=[(name, f"{name}: {label}") for name, label in EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every event, those added later too."),
    )
    secret = forms.CharField(
        label=_("secret"),
        required=False,
        validators=[validate_webhook_secret],
        help_text=_("whsec_ and base64; leave it empty to draw a random one. Shown once."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "events", "active", "secret"]

    def clean_secret(self) -> str:
        return self.cleaned_data["secret"] or webhook_secret_generate()


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "event_list", "active", "created"]
    list_filter = ["active"]
    search_fields = ["url"]

    @admin.display(description=_("events"))
    def event_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events) or _("all")

    @admin.display(description=_("secret"))
    def secret_hint(self, endpoint: WebhookEndpoint) -> str:
        # Shown in full once, when the endpoint is added; afterwards only enough to tell it.
        return f"whsec_…{endpoint.secret[-4:]}"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["url", "events", "active", "secret"]
        return ["url", "events", "active", "secret_hint", "created"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["secret_hint", "created"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["fields"] = ["url", "events", "active"]
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            self.message_user(
                request,
                _("The endpoint's secret, shown this once: %(secret)s") % {"secret": obj.secret},
                messages.WARNING,
            )


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["number", "started_at", "succeeded", "response_code", "duration_ms", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "webhook_id",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "response_code",
        "created",
        "last_attempt_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "event_type", "endpoint"]
    list_select_related = ["endpoint"]
    search_fields = ["=webhook_id", "endpoint__url"]
    date_hierarchy = "created"
    fields = [
        "endpoint",
        "event_type",
        "webhook_id",
        "status",
        "attempts",
        "attempt_limit",
        "response_code",
        "error",
        "created",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "payload",
    ]
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["resend"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("webhooks.change_webhookdelivery")

    @admin.action(description=_("Resend (same webhook-id)"), permissions=["resend"])
    def resend(self, request: HttpRequest, queryset: QuerySet) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        queued = webhook_resend(delivery_ids=selected)
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.", "%(count)d deliveries queued again.", queued
            )
            % {"count": queued},
            messages.SUCCESS,
        )
        if queued < len(selected):
            self.message_user(
                request,
                _("Deliveries to disabled endpoints were left alone."),
                messages.WARNING,
            )
