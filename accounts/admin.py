"""The operators' view of users: search by phone or invite code, who invited whom."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class ActivatedCodeFilter(admin.SimpleListFilter):
    title = _("has activated a code")
    parameter_name = "activated"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() in {"yes", "no"}:
            return queryset.filter(referral__isnull=self.value() == "no")
        return queryset


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["phone", "invite_code", "invited_by", "referrals_count", "date_joined"]
    list_filter = [ActivatedCodeFilter, "is_active", "is_staff", "date_joined"]
    search_fields = ["phone", "=invite__code"]
    # The code, its count and the inviter come in the same query as the user: none per row.
    list_select_related = ["invite", "referral__inviter"]
    ordering = ["-date_joined"]
    date_hierarchy = "date_joined"
    fields = [
        "phone",
        "invite_code",
        "invited_by",
        "referrals_count",
        "date_joined",
        "last_login",
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        "user_permissions",
    ]
    # Operators only switch access on and off; everything else is the product's to write.
    readonly_fields = [
        field
        for field in fields
        if field not in {"is_active", "is_staff", "is_superuser", "groups", "user_permissions"}
    ]
    filter_horizontal = ["groups", "user_permissions"]

    @admin.display(description=_("invite code"), ordering="invite__code")
    def invite_code(self, user: User) -> str:
        return user.invite.code

    @admin.display(description=_("referrals"), ordering="invite__referrals_count")
    def referrals_count(self, user: User) -> int:
        return user.invite.referrals_count

    @admin.display(description=_("invited by"), ordering="referral__inviter__phone")
    def invited_by(self, user: User) -> str:
        referral = getattr(user, "referral", None)  # None: the user activated no code
        if referral is None:
            return "-"
        url = reverse("admin:accounts_user_change", args=[referral.inviter_id])
        return format_html('<a href="{}">{}</a>', url, referral.inviter.phone)

    # Users appear by logging in and are deactivated, never deleted: deleting one would
    # rewrite other users' referral histories and counts.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False
