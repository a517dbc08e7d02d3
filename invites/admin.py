"""The operators' view of activations: who took whose invite code, and when."""

from django.contrib import admin

from invites.models import Referral


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["invitee", "inviter", "activated_at"]
    list_select_related = ["invitee", "inviter"]
    search_fields = ["invitee__phone", "inviter__phone", "=inviter__invite__code"]
    date_hierarchy = "activated_at"
    # Read-only: activations happen through the service, which keeps the counts in step.
    readonly_fields = ["invitee", "inviter", "activated_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
