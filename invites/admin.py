"""The operators' view of activations: who took whose code, the fraud review, and reports.

Referrals are read-only except for the review decisions (confirm, reject, restore), which
go through the service that keeps the inviters' counts in step, and are each recorded in the
admin's history. Reports: the leaderboard and activations per day for a period, and the CSV
export of every referral (streamed).
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from invites.charts import bar_chart
from invites.exports import referrals_csv
from invites.models import Referral, ReferralFlag
from invites.selectors import activations_per_day, local_today, top_inviters
from invites.services import referral_review
from project.heartbeat import reporting_alive

REPORT_DAYS_DEFAULT = 30
REPORT_DAYS_MAX = 366
LEADERBOARD_SIZE = 20
REVIEW_LOG = {"confirm": "Confirmed", "reject": "Rejected", "restore": "Restored"}


class FlaggedFilter(admin.SimpleListFilter):
    title = _("flagged")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset: QuerySet[Referral]) -> QuerySet[Referral]:
        if self.value() == "yes":
            return queryset.exclude(flags=[])
        if self.value() == "no":
            return queryset.filter(flags=[])
        return queryset


class ReportPeriodForm(forms.Form):
    first = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label=_("to"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last:
            if first > last:
                raise forms.ValidationError(_("The period ends before it starts."))
            if (last - first).days >= REPORT_DAYS_MAX:
                raise forms.ValidationError(_("A period is at most 366 days."))
        return cleaned


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["invitee", "inviter", "activated_at", "status", "flag_list", "ip"]
    list_select_related = ["invitee", "inviter"]
    list_filter = [FlaggedFilter, "status"]
    search_fields = ["invitee__phone", "inviter__phone", "=inviter__invite__code"]
    date_hierarchy = "activated_at"
    fields = ["invitee", "inviter", "activated_at", "status", "flag_list", "ip", "inviter_ip"]
    readonly_fields = fields
    actions = ["confirm", "reject", "restore"]
    change_list_template = "admin/invites/referral/change_list.html"

    @admin.display(description=_("flags"))
    def flag_list(self, referral: Referral) -> str:
        labels = dict(ReferralFlag.choices)
        return ", ".join(str(labels.get(flag, flag)) for flag in referral.flags) or "-"

    # Read-only: activations happen through the service, which keeps the counts in step;
    # operators decide on them with the actions below.
    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("invites.change_referral")

    def _decide(self, request: HttpRequest, queryset: QuerySet, decision: str, label) -> None:
        changed = skipped = 0
        for referral_id in queryset.values_list("pk", flat=True):
            reviewed = referral_review(referral_id=referral_id, decision=decision)
            if reviewed is None:
                skipped += 1
                continue
            changed += 1
            # The history keeps one language: the decision and the statuses as stored.
            self.log_change(
                request,
                reviewed.referral,
                f"{REVIEW_LOG[decision]}: {reviewed.before} -> {reviewed.after}",
            )
        if changed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d referral: %(label)s.", "%(count)d referrals: %(label)s.", changed
                )
                % {"count": changed, "label": label},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d referral left as it was: the decision does not apply to it.",
                    "%(count)d referrals left as they were: the decision does not apply to them.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Confirm: active"), permissions=["review"])
    def confirm(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, "confirm", _("confirmed"))

    @admin.action(description=_("Reject: neither listed nor counted"), permissions=["review"])
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, "reject", _("rejected"))

    @admin.action(description=_("Restore rejected ones"), permissions=["review"])
    def restore(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, "restore", _("restored"))

    # Reports

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("reports/", view(self.reports_view), name="invites_referral_reports"),
            path("export.csv", view(self.export_view), name="invites_referral_export"),
            *super().get_urls(),
        ]

    def reports_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        zone = timezone.get_current_timezone()
        today = local_today(zone)
        initial = {"first": today - timedelta(days=REPORT_DAYS_DEFAULT - 1), "last": today}
        form = ReportPeriodForm(request.GET or initial)
        period = form.cleaned_data if form.is_valid() else initial
        days = activations_per_day(first=period["first"], last=period["last"], zone=zone)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Referral reports"),
            "form": form,
            "period": period,
            "leaders": top_inviters(
                first=period["first"], last=period["last"], zone=zone, limit=LEADERBOARD_SIZE
            ),
            "days": days,
            "chart": bar_chart(days, width=800, height=160),
        }
        return TemplateResponse(request, "admin/invites/referral/reports.html", context)

    def export_view(self, request: HttpRequest) -> StreamingHttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        response = StreamingHttpResponse(
            reporting_alive(referrals_csv()), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="referrals-{stamp}.csv"'
        return response
