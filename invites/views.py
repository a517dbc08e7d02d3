"""The profile page: the invite code and link, activating someone's code, and the referrals.

A referral link (`/?ref=CODE`) leaves its code in the session; the profile page fills the
activation form in with it, and the user still confirms it.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from invites.forms import InviteCodeForm
from invites.selectors import profile_get, referrals_of
from invites.services import invite_activate
from project.web import REFUSALS, OutageMixin, Refusal, refuse

REFERRALS_PER_PAGE = 20
REFERRAL_SESSION_KEY = "referral_code"


def referral_remember(request: HttpRequest, raw: str | None) -> None:
    """Keep the code of a referral link in the session, if it is a well-formed one."""
    if raw is None:
        return
    form = InviteCodeForm(data={"invite_code": raw})
    if form.is_valid():
        request.session[REFERRAL_SESSION_KEY] = form.cleaned_data["invite_code"]


def referral_link(request: HttpRequest, invite_code: str) -> str:
    return request.build_absolute_uri(f"{reverse('web:phone')}?{urlencode({'ref': invite_code})}")


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
            invite_activate(user=request.user, code=code)
        except REFUSALS as exc:
            refusal = refuse(form, "invite_code", exc)
            return refusal.apply(self.page(request, form))
        request.session.pop(REFERRAL_SESSION_KEY, None)
        messages.success(request, _("You activated the invite code %(code)s.") % {"code": code})
        return redirect("web:profile")

    def page(self, request: HttpRequest, form: InviteCodeForm | None = None) -> HttpResponse:
        profile = profile_get(user=request.user, newest=0)  # the page lists its own referrals
        suggested = request.session.get(REFERRAL_SESSION_KEY)
        if suggested and (profile.activated_invite_code or suggested == profile.invite_code):
            # Nothing left to suggest: a code is already activated, or this is one's own link.
            del request.session[REFERRAL_SESSION_KEY]
            suggested = None
        if form is None:
            form = InviteCodeForm(initial={"invite_code": suggested or ""})

        paginator = Paginator(referrals_of(user=request.user), REFERRALS_PER_PAGE)
        paginator.count = profile.referrals_count  # kept with the referrals: no COUNT(*) here
        referrals = paginator.get_page(request.GET.get("page"))
        context = {
            "profile": profile,
            "form": form,
            "suggested": suggested if not form.is_bound else None,
            "referral_link": referral_link(request, profile.invite_code),
            "referrals": referrals,
        }
        return render(request, self.template_name, context)
