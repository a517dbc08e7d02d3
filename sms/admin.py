"""The operators' view of the message log: what was sent, through which gateway, what arrived."""

from django.contrib import admin

from sms.models import SmsLog


@admin.register(SmsLog)
class SmsLogAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "phone",
        "backend",
        "status",
        "provider_message_id",
        "price",
        "currency",
        "attempts",
        "error",
    ]
    list_filter = ["status", "backend", "created_at"]
    search_fields = ["phone"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in SmsLog._meta.fields]
    show_full_result_count = False  # no COUNT(*) over a big log on every page

    # Read-only: the worker and the providers' reports write it, Celery beat prunes it.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
