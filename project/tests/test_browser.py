"""The web pages in a real browser (Chromium), on the live stack: gunicorn, PostgreSQL, Redis,
the broker and a Celery worker delivering the SMS through the simulated gateway.

Errors are found by their service code (`data-code`), not by their translated text.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from accounts.models import User
from harness import code_from_sms
from invites.codes import INVITE_CODE_ALPHABET
from invites.models import Referral
from project.tests.conftest import LIVE_RESEND_COOLDOWN_SECONDS

pytestmark = pytest.mark.browser


def read_inbox(context, page, *, messages: int = 1) -> str:
    """Open the code page's link to the simulated SMS inbox and wait for the `messages`-th SMS.

    Returns the code in the newest one. The gateway takes 1-2 s to deliver.
    """
    with context.expect_page() as opened:
        page.click("#dev-inbox")
    inbox = opened.value
    inbox.wait_for_load_state()
    assert "/api/v1/dev/sms/?phone=" in inbox.url
    deadline = time.monotonic() + 15
    while True:
        results = inbox.goto(inbox.url).json()["results"]
        if len(results) >= messages:
            break
        assert time.monotonic() < deadline, f"no SMS number {messages} in the inbox"
        time.sleep(0.2)
    inbox.close()
    return code_from_sms(results[0]["text"])


def ask_for_code(page, phone: str, path: str = "/") -> None:
    page.goto(path)
    page.fill("input[name=phone]", phone)
    page.click("button.primary")
    page.wait_for_url("**/code/")


def log_in(context, phone: str, path: str = "/"):
    """Log in as `phone` through the pages, reading the code from the inbox; returns the page."""
    page = context.new_page()
    ask_for_code(page, phone, path)
    page.fill("input[name=code]", read_inbox(context, page))
    page.click("button.primary")
    page.wait_for_url("**/profile/")
    return page


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10_000:04d}"


def error_codes(page) -> list[str]:
    return page.locator(".error[data-code]").evaluate_all("els => els.map(e => e.dataset.code)")


def test_a_new_user_logs_in_with_the_code_from_the_dev_inbox(browser, phone, screenshot):
    context = browser()
    page = context.new_page()
    page.goto("/")
    page.fill("input[name=phone]", phone)
    screenshot(page, "phone")
    page.click("button.primary")
    page.wait_for_url("**/code/")
    assert page.locator("main").inner_text().count(phone) == 1
    code = read_inbox(context, page)
    page.fill("input[name=code]", code)
    screenshot(page, "code")
    page.click("button.primary")

    page.wait_for_url("**/profile/")
    shown = page.locator("#invite-code").inner_text()
    assert re.fullmatch(f"[{INVITE_CODE_ALPHABET}]{{6}}", shown)
    assert User.objects.get(phone=phone).invite.code == shown
    assert page.locator("#referral-link").input_value().endswith(f"/?ref={shown}")
    assert page.locator("#referrals-count").inner_text() == "0"

    # The profile needs the session: after logging out it sends the browser to the phone page.
    page.click("text=Log out")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/profile/")
    assert page.url.endswith("/")
    assert page.locator("input[name=phone]").is_visible()


def test_the_copy_button_copies_the_invite_code(browser, phone):
    context = browser(permissions=["clipboard-read", "clipboard-write"])
    page = log_in(context, phone)
    button = page.locator("button[data-copy=invite-code]")
    button.click()
    # The clipboard's promise resolves a moment after the click: expect() waits for it.
    expect(button).to_have_text("Copied")
    expect(page.locator("#copy-status")).to_have_text("Copied")  # said to screen readers too
    assert page.evaluate("navigator.clipboard.readText()") == page.inner_text("#invite-code")

    page.click("button[data-copy=referral-link]")
    link = page.evaluate("navigator.clipboard.readText()")
    assert link == page.locator("#referral-link").input_value()
    assert link.endswith(f"/?ref={page.inner_text('#invite-code')}")


def test_a_friend_logs_in_through_the_referral_link_and_activates_it(
    browser, new_phone, screenshot
):
    inviter_phone, friend_phone = new_phone(), new_phone()
    inviter = log_in(browser(), inviter_phone)
    link = inviter.locator("#referral-link").input_value()
    invite_code = inviter.inner_text("#invite-code")

    # The friend follows the link: the code rides through the login in the session...
    friend = browser()
    page = friend.new_page()
    page.goto(link)
    assert invite_code in page.locator(".note").inner_text()
    page.fill("input[name=phone]", friend_phone)
    page.click("button.primary")
    page.wait_for_url("**/code/")
    page.fill("input[name=code]", read_inbox(friend, page))
    page.click("button.primary")
    page.wait_for_url("**/profile/")
    # ...and fills the activation form in, which the friend still has to confirm.
    assert page.locator("input[name=invite_code]").input_value() == invite_code
    assert not Referral.objects.filter(invitee__phone=friend_phone).exists()
    page.click("button.primary")
    page.wait_for_url("**/profile/")
    assert page.locator("#activated").inner_text().count(inviter_phone) == 1
    assert invite_code in page.inner_text("#activated")
    assert page.locator("input[name=invite_code]").count() == 0

    # The inviter sees the friend at the top of the referral list.
    inviter.reload()
    assert inviter.inner_text("#referrals-count") == "1"
    assert inviter.locator("table tbody tr").first.inner_text().startswith(friend_phone)
    screenshot(inviter, "profile")


def test_a_wrong_code_shows_the_attempts_left_next_to_the_field(browser, phone):
    context = browser()
    page = context.new_page()
    ask_for_code(page, phone)
    code = read_inbox(context, page)

    page.fill("input[name=code]", wrong(code))
    page.click("button.primary")
    assert error_codes(page) == ["invalid_code"]
    assert "4" in page.inner_text("#id_code_error")
    field = page.locator("input[name=code]")
    assert field.get_attribute("aria-invalid") == "true"
    assert "id_code_error" in field.get_attribute("aria-describedby")

    page.fill("input[name=code]", "12a")
    page.click("button.primary")
    assert error_codes(page) == ["invalid"]  # a malformed code uses up no attempt

    page.fill("input[name=code]", wrong(code))
    page.click("button.primary")
    assert "3" in page.inner_text("#id_code_error")

    page.fill("input[name=code]", code)
    page.click("button.primary")
    page.wait_for_url("**/profile/")


def test_the_resend_button_waits_out_the_cooldown(browser, phone):
    context = browser()
    page = context.new_page()
    ask_for_code(page, phone)

    resend = page.locator("button[name=resend]")
    assert resend.is_disabled()
    seconds = page.locator("#resend-wait [data-seconds]")
    assert 1 <= int(seconds.inner_text()) <= LIVE_RESEND_COOLDOWN_SECONDS
    # A resend forced through before its time is refused by the service, next to the button.
    page.evaluate("document.querySelector('button[name=resend]').disabled = false")
    resend.click()
    assert error_codes(page) == ["resend_too_soon"]
    assert page.locator("button[name=resend]").is_disabled()
    first = read_inbox(context, page)

    # The countdown runs down in the page, and then the button sends a new code.
    # (A locator, not wait_for_function: that evals a string, which the pages' CSP forbids.)
    page.locator("button[name=resend]:enabled").wait_for(
        timeout=(LIVE_RESEND_COOLDOWN_SECONDS + 5) * 1000
    )
    assert page.locator("#resend-wait").is_hidden()
    page.click("button[name=resend]")
    assert page.locator(".message-success").is_visible()
    assert page.locator("button[name=resend]").is_disabled()
    second = read_inbox(context, page, messages=2)

    if second != first:  # one draw in 10,000 repeats the old code
        page.fill("input[name=code]", first)
        page.click("button.primary")
        assert error_codes(page) == ["invalid_code"]  # the new code replaced the old one
    page.fill("input[name=code]", second)
    page.click("button.primary")
    page.wait_for_url("**/profile/")


def test_invite_codes_that_cannot_be_activated_are_refused_next_to_the_field(browser, phone):
    page = log_in(browser(), phone)
    own = page.inner_text("#invite-code")
    for typed, expected in [
        ("abc", "invalid"),
        (own.lower(), "own_invite_code"),
        ("ZZZZZZ" if own != "ZZZZZZ" else "YYYYYY", "invite_code_not_found"),
    ]:
        page.fill("input[name=invite_code]", typed)
        page.click("button.primary")
        assert error_codes(page) == [expected], typed
        assert page.locator("#id_invite_code_error").is_visible()
    assert not Referral.objects.filter(invitee__phone=phone).exists()


@pytest.mark.parametrize("locale", ["en-US", "ru-RU"])
def test_the_pages_fit_a_phone_screen(browser, phone, locale, tmp_path):
    context = browser(
        locale=locale, viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    page = context.new_page()

    def fits() -> bool:
        return page.evaluate("document.documentElement.scrollWidth") <= 375

    page.goto("/")
    assert fits()
    page.fill("input[name=phone]", phone)
    page.click("button.primary")
    page.wait_for_url("**/code/")
    assert fits()
    page.fill("input[name=code]", read_inbox(context, page))
    page.click("button.primary")
    page.wait_for_url("**/profile/")
    assert fits()
    for selector in ("#invite-code", "#referral-link", "input[name=invite_code]", ".logout button"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 375, selector
    page.screenshot(path=tmp_path / f"profile-{locale}.png", full_page=True)


def test_the_pages_follow_the_browsers_language_and_switch_it(browser):
    page = browser(locale="ru-RU").new_page()
    page.goto("/")
    assert page.get_attribute("html", "lang") == "ru"
    assert page.inner_text("h1") == "Вход или регистрация"

    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("h1") == "Log in or sign up"
    page.reload()  # the choice is kept (a cookie) over the browser's Accept-Language
    assert page.get_attribute("html", "lang") == "en"


# Content-Security-Policy: every page and the API docs run under it without a violation.

REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


def refusals(context) -> list[str]:
    """Collects what Chromium refused under the policy, on every page of `context`."""
    refused: list[str] = []

    def console(message) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    context.on("console", console)
    context.add_init_script(CSP_LISTENER)
    return refused


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("/", "input[name=phone]"),
        ("/api/docs/", ".swagger-ui .info .title"),
        ("/api/redoc/", "[role=search], .api-info"),
        ("/admin/login/", "#id_password"),
    ],
)
def test_the_pages_and_the_api_docs_run_without_csp_violations(browser, path, ready):
    context = browser()
    refused = refusals(context)
    page = context.new_page()
    answer = page.goto(path)
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    page.locator(ready).first.wait_for()
    page.wait_for_load_state("networkidle")
    if path == "/api/docs/":  # open an operation: its example answers render too
        page.locator(".opblock-summary").first.click()
        page.locator(".opblock-body").first.wait_for()
    if path == "/api/redoc/":
        assert "Referral API" in page.inner_text("body")
        page.fill("[role=search] input", "invite")  # the search runs in a Worker
        page.locator("[role=search] li, [data-role='search:results'] li").first.wait_for()
    page.wait_for_timeout(300)
    violations = page.evaluate("window.__cspViolations")
    # The one thing the policy refuses on purpose: ReDoc's "by Redocly" logo, on the internet.
    outside = [v for v in violations if v.startswith(f"img-src {REDOCLY_LOGO} ")]
    assert [v for v in violations if v not in outside] == []
    assert [r for r in refused if REDOCLY_LOGO not in r] == []


def test_the_admin_runs_without_csp_violations(browser):
    User.objects.create_superuser("+79001112233", "an operator password")
    context = browser()
    refused = refusals(context)
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("#id_username", "+79001112233")
    page.fill("#id_password", "an operator password")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    for path in ("/admin/accounts/user/", "/admin/accounts/user/add/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__cspViolations") == [], path
    assert refused == []


def test_the_login_and_the_profile_run_without_csp_violations(browser, phone):
    context = browser(permissions=["clipboard-read", "clipboard-write"])
    refused = refusals(context)
    page = log_in(context, phone)
    page.click("button[data-copy=invite-code]")  # the pages' script runs
    expect(page.locator("button[data-copy=invite-code]")).to_have_text("Copied")
    assert page.evaluate("window.__cspViolations") == []
    assert refused == []


def test_the_profile_shows_the_qr_code_the_chart_and_a_referral_in_review(browser, new_phone):
    inviter_phone, friend_phone = new_phone(), new_phone()
    inviter = log_in(browser(), inviter_phone)
    invite_code = inviter.inner_text("#invite-code")
    qr = inviter.locator("#qr-code svg")
    assert qr.is_visible()
    assert qr.bounding_box()["width"] >= 100
    with inviter.expect_download() as downloaded:
        inviter.click("#qr-download-png")
    assert downloaded.value.suggested_filename == f"referral-{invite_code}.png"
    assert downloaded.value.path().read_bytes().startswith(b"\x89PNG")

    # The friend logs in from the same machine, so the same network: held for review.
    friend = log_in(browser(locale="ru-RU"), friend_phone)
    friend.fill("input[name=invite_code]", invite_code)
    friend.click("button.primary")
    friend.wait_for_url("**/profile/")
    assert Referral.objects.get(invitee__phone=friend_phone).status == "pending_review"

    inviter.reload()
    assert inviter.inner_text("#referrals-count") == "1"
    status = inviter.locator("table tbody tr").first.locator("[data-status]")
    assert status.get_attribute("data-status") == "pending_review"
    assert status.inner_text() == "in review"
    bars = inviter.locator("#activations-chart rect")
    assert bars.count() == 30
    assert bars.last.get_attribute("data-count") == "1"
    assert inviter.locator("#activations-chart rect.bar:not(.empty)").count() == 1
