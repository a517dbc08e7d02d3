"""Fixtures of the browser tests: the live stack (gunicorn on the test database) and Chromium.

The web server is the real thing, `gunicorn -c gunicorn.conf.py project.wsgi`, started once
per test module on a spare port and pointed at the database pytest-django created; tests that use
it are transactional, so what they write is committed where gunicorn can see it. SMS go out
through the real Celery worker of the root conftest (`celery_worker`).

Chromium is Debian's (`/usr/bin/chromium`), driven by Playwright; Playwright's own browser
download is not used. Without Chromium the browser tests fail in CI and are skipped elsewhere.
"""

import os
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
# The resend cooldown of the live stack: short, so that a test can wait it out.
LIVE_RESEND_COOLDOWN_SECONDS = 8
SCREENSHOTS = BASE_DIR / "docs" / "screenshots"


@pytest.fixture(scope="module")
def live_stack(test_stack, celery_worker):
    """The base URL of gunicorn serving the project on the test database, with a worker."""
    web = test_stack.web(
        "live-web",
        WEB_CONCURRENCY="2",
        OTP_RESEND_COOLDOWN_SECONDS=str(LIVE_RESEND_COOLDOWN_SECONDS),
    )
    yield web.url
    web.stop()


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop marked as running in this thread (it runs in a
    # greenlet), so Django would refuse the tests' own ORM calls as if made from async code.
    # No Django code runs on that loop: the check does not apply, and is lifted for as long.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser(live_stack, transactional_db, chromium):
    """A function that opens a fresh browser (its own cookies) on the live stack.

    `browser()` is a desktop English one; keyword arguments go to Playwright's new_context.
    """
    contexts = []

    def open_browser(**options):
        options = {
            "base_url": live_stack,
            "locale": "en-US",
            "viewport": {"width": 1024, "height": 720},
            **options,
        }
        context = chromium.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield open_browser
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(tmp_path):
    """A function that saves a full-page screenshot: into docs/ with UPDATE_SCREENSHOTS=1."""
    directory = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path

    def take(page, name: str) -> Path:
        path = directory / f"{name}.png"
        page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
        return path

    return take
