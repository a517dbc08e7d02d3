"""The profile page: the invite code, link and QR code, activating someone's code, the
referrals and a chart of their activations.

A referral link (`/?ref=CODE`) leaves its code in a signed cookie; the profile page fills the
activation form in with it, and the user still confirms it. Not in the session: every
anonymous visit by a link would write a session row, kept for weeks.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from invites.charts import bar_chart
from invites.forms import InviteCodeForm
from invites.links import site_url
from invites.qr import QR_MEDIA_TYPES, qr_code_svg_inline, referral_qr_response
from invites.selectors import activations_per_day, local_today, profile_get, referrals_of
from invites.services import invite_activate
from project.throttling import client_ip
from project.web import REFUSALS, OutageMixin, Refusal, refuse

REFERRALS_PER_PAGE = 20
REFERRAL_COOKIE = "referral_code"
REFERRAL_COOKIE_SALT = "invites.referral"
REFERRAL_COOKIE_MAX_AGE = 14 * 24 * 60 * 60  # as long as a session (which kept it before)
CHART_DAYS = 30


def referral_from_link(request: HttpRequest) -> str | None:
    """The code of the referral link this request came by (`?ref=`), if well-formed."""
    raw = request.GET.get("ref")
    if raw is None:
        return None
    form = InviteCodeForm(data={"invite_code": raw})
    return form.cleaned_data["invite_code"] if form.is_valid() else None


def referral_remembered(request: HttpRequest) -> str | None:
    """The code of the last referral link followed in this browser; None if it is not one the
    service signed (a forged or altered cookie) or it is older than two weeks."""
    return request.get_signed_cookie(
        REFERRAL_COOKIE, default=None, salt=REFERRAL_COOKIE_SALT, max_age=REFERRAL_COOKIE_MAX_AGE
    )


def referral_remember(response: HttpResponse, code: str) -> None:
    response.set_signed_cookie(
        REFERRAL_COOKIE,
        code,
        salt=REFERRAL_COOKIE_SALT,
        max_age=REFERRAL_COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def referral_forget(response: HttpResponse) -> None:
    response.delete_cookie(REFERRAL_COOKIE, samesite="Lax")


@method_decorator(never_cache, name="dispatch")  # a person's phone, code and referrals
class ProfileView(OutageMixin, LoginRequiredMixin, View):
    template_name = "invites/profile.html"
    redirect_field_name = None  # there is one page behind the login: no ?next= needed

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = InviteCodeForm(request.POST)
        if not form.is_valid():
            return Refusal(status=400).apply(self.page(request, form))
        code = form.cleaned_data["invite_code"]
        try:
            invite_activate(user=request.user, code=code, ip=client_ip(request))
        except REFUSALS as exc:
            refusal = refuse(form, "invite_code", exc)
            return refusal.apply(self.page(request, form))
        messages.success(request, _("You activated the invite code %(code)s.") % {"code": code})
        response = redirect("web:profile")
        referral_forget(response)
        return response

    def page(self, request: HttpRequest, form: InviteCodeForm | None = None) -> HttpResponse:
        # The page lists its own referrals, a page at a time.
        profile = profile_get(user=request.user, base_url=site_url(request), newest=0)
        suggested = referral_remembered(request)
        spent = suggested is not None and (
            # Nothing left to suggest: a code is already activated, or this is one's own link.
            bool(profile.activated_invite_code) or suggested == profile.invite_code
        )
        if spent:
            suggested = None
        if form is None:
            form = InviteCodeForm(initial={"invite_code": suggested or ""})

        paginator = Paginator(referrals_of(user=request.user), REFERRALS_PER_PAGE)
        paginator.count = profile.referrals_count  # kept with the referrals: no COUNT(*) here
        referrals = paginator.get_page(request.GET.get("page"))
        zone = timezone.get_current_timezone()
        last = local_today(zone)
        days = activations_per_day(
            first=last - timedelta(days=CHART_DAYS - 1),
            last=last,
            zone=zone,
            inviter_id=request.user.pk,
        )
        context = {
            "profile": profile,
            "form": form,
            "suggested": suggested if not form.is_bound else None,
            "referral_link": profile.referral_link,
            "referrals": referrals,
            "chart": bar_chart(days),
            "qr_svg": qr_code_svg_inline(text=profile.referral_link),
        }
        response = render(request, self.template_name, context)
        if spent:
            referral_forget(response)
        return response


@method_decorator(never_cache, name="dispatch")
class ProfileQrView(OutageMixin, LoginRequiredMixin, View):
    """The referral link's QR code for download from the page (the API's needs a token)."""

    redirect_field_name = None

    def get(self, request: HttpRequest) -> HttpResponse:
        kind = request.GET.get("format", "svg")
        if kind not in QR_MEDIA_TYPES:
            return HttpResponse(
                _("The format is svg or png."), status=400, content_type="text/plain"
            )
        return referral_qr_response(request, kind=kind, disposition="attachment")
