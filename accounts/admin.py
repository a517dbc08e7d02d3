"""The operators' view of users: search by phone or invite code, who invited whom, and the
support staff's reset of a phone's login limits."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework.exceptions import APIException

from accounts.models import User
from accounts.selectors import login_limits_get
from accounts.services import login_limits_reset


class PhoneLimitsForm(forms.Form):
    phone = forms.CharField(label=_("Phone number"), max_length=64)


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
    actions = ["reset_login_limits"]
    change_list_template = "admin/accounts/user/change_list.html"

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

    @admin.action(
        description=_("Reset login limits (cooldown, caps, wrong codes)"), permissions=["change"]
    )
    def reset_login_limits(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        phones = list(queryset.values_list("phone", flat=True))
        for phone in phones:
            login_limits_reset(phone=phone)
        message = ngettext(
            "Login limits reset for %(count)d user.",
            "Login limits reset for %(count)d users.",
            len(phones),
        )
        self.message_user(request, message % {"count": len(phones)}, messages.SUCCESS)

    def get_urls(self):
        limits = path(
            "login-limits/",
            self.admin_site.admin_view(self.login_limits_view),
            name="accounts_user_login_limits",
        )
        return [limits, *super().get_urls()]

    def login_limits_view(self, request: HttpRequest) -> HttpResponse:
        """Any phone, a user's or not yet (a stranger can lock out a number before it signs
        up): what stops it from logging in, and a button that lifts it."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        form = PhoneLimitsForm(data if "phone" in data else None)
        phone = limits = None
        if form.is_valid():
            try:
                phone, limits = login_limits_get(phone=form.cleaned_data["phone"])
            except APIException as exc:
                form.add_error("phone", str(exc.detail))
        if phone and request.method == "POST":
            login_limits_reset(phone=phone)
            self.message_user(
                request, _("Login limits of %(phone)s reset.") % {"phone": phone}, messages.SUCCESS
            )
            url = reverse("admin:accounts_user_login_limits")
            return redirect(f"{url}?{urlencode({'phone': phone})}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Login limits of a phone"),
            "form": form,
            "phone": phone,
            "limits": limits,
        }
        return TemplateResponse(request, "admin/accounts/user/login_limits.html", context)

    # Users appear by logging in and are deactivated, never deleted: deleting one would
    # rewrite other users' referral histories and counts.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False
