"""Browser fixtures: the test app served on a real port, headless Chromium pages.

Chromium is Debian's /usr/bin/chromium, never a Playwright download; when it is
absent the tests skip, or fail under RONGRIAN_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from werkzeug.serving import make_server

from tests.conftest import service_unavailable
from tests.processes import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The app is local, but on a loaded 2-core machine the first intake also loads the
# Thai classifier (a few seconds of CPU): 10 s proved too short there.
TIMEOUT_MS = 30_000

# Injected before any page script: records CSP violations the page itself sees.
# Init scripts are not subject to the page's CSP.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def live_server(app):
    """The function-scoped `app` served by Werkzeug in a daemon thread; yields the base URL."""
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        service_unavailable(f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageLog:
    """What the page said on its console and the errors it threw."""

    console: list = field(default_factory=list)  # (type, text, url)
    page_errors: list = field(default_factory=list)
    failed_requests: list = field(default_factory=list)

    def errors(self) -> list[str]:
        """Console errors and warnings, page errors, failed requests.

        Chromium's own /favicon.ico probe is left out: the app serves no favicon
        and the 404 it logs says nothing about the page's scripts.
        """
        return (
            [
                f"console.{t}: {text} ({url})"
                for t, text, url in self.console
                if t in ("error", "warning") and not url.endswith("/favicon.ico")
            ]
            + [f"pageerror: {e}" for e in self.page_errors]
            + [f"requestfailed: {r}" for r in self.failed_requests]
        )


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(browser, page_log):
    """A fresh browser context (no cookies) and page per test, Thai locale."""
    context = browser.new_context(locale="th-TH", viewport={"width": 1000, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    page.on("console", lambda m: page_log.console.append((m.type, m.text, m.location.get("url", ""))))
    page.on("pageerror", lambda e: page_log.page_errors.append(str(e)))
    page.on("requestfailed", lambda r: page_log.failed_requests.append(f"{r.method} {r.url}: {r.failure}"))
    try:
        yield page
    finally:
        context.close()


def sign_in(page: Page, base_url: str, username: str, password: str) -> Response | None:
    """Sign in on the login page as a person does; returns the response it led to."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/login")
    expect(page.locator("h1")).to_contain_text("เข้าสู่ระบบเจ้าหน้าที่")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation() as navigation:
        page.click("#login")
    return navigation.value
