"""The login pages: the phone (`/`), then the code; a Django session once the code is right.

They call the API's services (code_send, code_verify) under the API's per-client-IP
throttles, and show the services' refusals next to the field they are about.
"""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View

from accounts.errors import ResendTooSoon
from accounts.forms import CodeForm, PhoneForm, ResendForm
from accounts.otp import otp_resend_in
from accounts.services import code_send, code_verify
from invites.views import referral_remember
from project.outages import INFRASTRUCTURE_ERRORS
from project.throttling import SendCodeThrottle, VerifyCodeThrottle, client_ip
from project.web import REFUSALS, OutageMixin, Refusal, refuse, throttle_check
from sms.phones import phone_normalize

# The phone the code was sent to, from the phone page to the code page.
PHONE_SESSION_KEY = "login_phone"


class LoginPageMixin:
    """The login pages are for visitors: a logged-in user is sent on to the profile.

    A referral link's code is kept in the session on the way (it fills the profile's form in).
    """

    needs_phone = False  # the code page needs the phone a code was asked for

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "GET":
            referral_remember(request, request.GET.get("ref"))
        if request.user.is_authenticated:
            return redirect("web:profile")
        if self.needs_phone and PHONE_SESSION_KEY not in request.session:
            return redirect("web:phone")
        return super().dispatch(request, *args, **kwargs)


class PhoneView(OutageMixin, LoginPageMixin, View):
    template_name = "accounts/phone.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = PhoneForm(initial={"phone": request.session.get(PHONE_SESSION_KEY, "")})
        return self.page(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PhoneForm(request.POST)
        try:
            throttle_check(request, SendCodeThrottle)
            if not form.is_valid():
                return Refusal(status=400).apply(self.page(request, form))
            sent = code_send(phone=form.cleaned_data["phone"])
        except ResendTooSoon as exc:
            # A code went to this phone a moment ago: it is still good, so ask for that one.
            request.session[PHONE_SESSION_KEY] = phone_normalize(form.cleaned_data["phone"])
            messages.info(request, exc.detail)
            return redirect("web:code")
        except REFUSALS as exc:
            refusal = refuse(form, "phone", exc)
            return refusal.apply(self.page(request, form))
        request.session[PHONE_SESSION_KEY] = sent.phone
        return redirect("web:code")

    def page(self, request: HttpRequest, form: PhoneForm) -> HttpResponse:
        return render(request, self.template_name, {"form": form})


class CodeView(OutageMixin, LoginPageMixin, View):
    """The code page: log in with the code, or ask for a new one when the cooldown allows."""

    template_name = "accounts/code.html"
    needs_phone = True

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(request, CodeForm(), ResendForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if "resend" in request.POST:
            return self.resend(request)
        phone = request.session[PHONE_SESSION_KEY]
        form = CodeForm(request.POST)
        try:
            throttle_check(request, VerifyCodeThrottle)
            if not form.is_valid():
                return Refusal(status=400).apply(self.page(request, form, ResendForm()))
            user, created = code_verify(
                phone=phone, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except REFUSALS as exc:
            refusal = refuse(form, "code", exc)
            return refusal.apply(self.page(request, form, ResendForm()))
        login(request, user)  # keeps the session's data (a referral code) under a new key
        del request.session[PHONE_SESSION_KEY]
        if created:
            messages.success(request, _("Welcome! Your account is ready."))
        return redirect("web:profile")

    def resend(self, request: HttpRequest) -> HttpResponse:
        phone = request.session[PHONE_SESSION_KEY]
        form = ResendForm(request.POST)
        try:
            throttle_check(request, SendCodeThrottle)
            code_send(phone=phone)
        except REFUSALS as exc:
            refusal = refuse(form, None, exc)
            return refusal.apply(self.page(request, CodeForm(), form))
        messages.success(request, _("A new code was sent."))
        return redirect("web:code")

    def page(self, request: HttpRequest, form: CodeForm, resend_form: ResendForm) -> HttpResponse:
        phone = request.session[PHONE_SESSION_KEY]
        try:
            resend_in = math.ceil(otp_resend_in(phone=phone))
        except INFRASTRUCTURE_ERRORS:
            resend_in = 0  # unknown while the code store is down: a resend will say
        context = {
            "phone": phone,
            "form": form,
            "resend_form": resend_form,
            "resend_in": resend_in,
            "inbox_url": (
                f"{reverse('dev-sms-inbox')}?{urlencode({'phone': phone})}"
                if settings.SMS_INBOX_ENABLED
                else None
            ),
        }
        return render(request, self.template_name, context)


class LogoutPage(OutageMixin, LogoutView):
    """Django's logout (POST only, CSRF-checked), with the pages' answer to an outage."""
