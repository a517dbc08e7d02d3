"""The operators' SMS pages: the message log (what was sent, through which gateway, what
arrived), and the blocked ranges (block a prefix, lift a block, keep one of the watch's for
good)."""

import re

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sms.blocks import (
    blocked_ranges_changed,
    blocked_ranges_lift,
    blocked_ranges_make_permanent,
)
from sms.models import BlockedRange, SmsLog


class BlockedRangeForm(forms.ModelForm):
    class Meta:
        model = BlockedRange
        fields = ["prefix", "until", "note"]

    def clean_prefix(self) -> str:
        # Typed the way numbers are written: "+7 902", "+7 (902) 12-34".
        return re.sub(r"[\s()\-]", "", self.cleaned_data["prefix"])


class InForceFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No, ended"))]

    def queryset(self, request, queryset: QuerySet[BlockedRange]) -> QuerySet[BlockedRange]:
        in_force = BlockedRange.objects.in_force()
        if self.value() == "yes":
            return queryset.filter(pk__in=in_force.values("pk"))
        if self.value() == "no":
            return queryset.exclude(pk__in=in_force.values("pk"))
        return queryset


@admin.register(BlockedRange)
class BlockedRangeAdmin(admin.ModelAdmin):
    form = BlockedRangeForm
    list_display = ["prefix", "reason", "state", "created", "note"]
    list_filter = [InForceFilter, "reason"]
    search_fields = ["^prefix"]
    ordering = ["-created"]
    fields = ["prefix", "until", "note", "reason", "created"]
    readonly_fields = ["reason", "created"]
    actions = ["lift", "make_permanent"]

    @admin.display(description=_("state"))
    def state(self, block: BlockedRange) -> str:
        if block.until is None:
            return _("permanent")
        if block.until <= timezone.now():
            return _("ended")
        return _("until %(time)s") % {
            "time": date_format(timezone.localtime(block.until), "DATETIME_FORMAT")
        }

    def save_model(self, request: HttpRequest, obj: BlockedRange, form, change: bool) -> None:
        previous = form.initial.get("prefix")
        if not change:
            obj.reason = BlockedRange.Reason.OPERATOR
        super().save_model(request, obj, form, change)
        prefixes = {obj.prefix, previous} - {None}
        transaction.on_commit(lambda: blocked_ranges_changed(prefixes=prefixes))

    def delete_model(self, request: HttpRequest, obj: BlockedRange) -> None:
        blocked_ranges_lift(prefixes=[obj.prefix])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[BlockedRange]) -> None:
        blocked_ranges_lift(prefixes=list(queryset.values_list("prefix", flat=True)))

    @admin.action(description=_("Lift the selected blocks"), permissions=["delete"])
    def lift(self, request: HttpRequest, queryset: QuerySet[BlockedRange]) -> None:
        prefixes = list(queryset.values_list("prefix", flat=True))
        self.log_deletions(request, queryset)  # the admin's history keeps who lifted what
        lifted = blocked_ranges_lift(prefixes=prefixes)
        message = ngettext("%(count)d block lifted.", "%(count)d blocks lifted.", lifted)
        self.message_user(request, message % {"count": lifted}, messages.SUCCESS)

    @admin.action(description=_("Make the selected blocks permanent"), permissions=["change"])
    def make_permanent(self, request: HttpRequest, queryset: QuerySet[BlockedRange]) -> None:
        changed = blocked_ranges_make_permanent(
            prefixes=list(queryset.values_list("prefix", flat=True))
        )
        message = ngettext(
            "%(count)d block is now permanent.", "%(count)d blocks are now permanent.", changed
        )
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)


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
