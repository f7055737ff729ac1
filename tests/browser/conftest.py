"""Browser fixtures: the app on a real port, one Chromium for the session, fresh contexts per test.

Browser tests run only when TEST_CHROMIUM names a Chromium binary (CI sets it to
/usr/bin/chromium); otherwise every test here is skipped. Playwright never downloads a browser.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from werkzeug.serving import make_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Fail fast: every page of the app answers locally in well under a second.
TIMEOUT_MS = 10_000


def _chromium_or_skip() -> str:
    path = os.environ.get("TEST_CHROMIUM")
    if not path:
        pytest.skip("browser tests need TEST_CHROMIUM=/path/to/chromium")
    return path


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def _server(app: Flask) -> Iterator[str]:
    """The session's app served on a free local port from a daemon thread."""
    _chromium_or_skip()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    # Pages open live sockets from this origin; the app allows its base URL plus these.
    app.config["CIRCLES_ALLOWED_ORIGINS"] = [app.config["CIRCLES_BASE_URL"], url]
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def live_server(app: Flask, _server: str) -> Iterator[str]:
    """Base URL of the live server, with CSRF on and links built for it, for this test only.

    The app is shared with the rest of the suite (which runs with CSRF off), so the settings
    are restored after each browser test.
    """
    saved = {key: app.config.get(key) for key in ("WTF_CSRF_ENABLED", "CIRCLES_BASE_URL")}
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["CIRCLES_BASE_URL"] = _server
    try:
        yield _server
    finally:
        app.config.update(saved)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    _chromium_or_skip()
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright, _server: str) -> Iterator[Browser]:
    # Depends on the server so that the browser closes before the server stops.
    browser = playwright.chromium.launch(executable_path=_chromium_or_skip(), args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@dataclass
class Visitor:
    """One person at one browser: their context, their page and every URL it requested."""

    label: str
    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)

    def foreign_requests(self, base_url: str) -> list[str]:
        """Requests to anywhere but the live server (data: and blob: URLs stay in the page)."""
        own = urlsplit(base_url)
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in {"data", "blob"}
            and (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
        ]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_visitor(
    request: pytest.FixtureRequest, browser: Browser, live_server: str, artifacts_dir: Path
) -> Iterator[Callable[..., Visitor]]:
    """``new_visitor("member")`` opens a fresh context (own cookies) with one page.

    Every context is closed after the test; when the test failed, each page's screenshot and a
    Playwright trace are saved to test-artifacts/ for debugging.
    """
    visitors: list[Visitor] = []

    def open_visitor(label: str, **options: Any) -> Visitor:
        options.setdefault("locale", "en-GB")
        options.setdefault("timezone_id", "Europe/London")
        context = browser.new_context(base_url=live_server, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.tracing.start(screenshots=True, snapshots=True)
        visitor = Visitor(label=label, context=context, page=context.new_page())
        context.on("request", lambda req: visitor.requests.append(req.url))
        visitors.append(visitor)
        return visitor

    yield open_visitor

    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    for visitor in visitors:
        if failed:
            for index, page in enumerate(visitor.context.pages):
                if not page.is_closed():
                    page.screenshot(
                        path=artifacts_dir / f"{stem}-{visitor.label}-{index}.png", full_page=True
                    )
            visitor.context.tracing.stop(path=artifacts_dir / f"{stem}-{visitor.label}-trace.zip")
        else:
            visitor.context.tracing.stop()
        visitor.context.close()


def log_in(page: Page, email: str) -> None:
    """Log in through the real login page, as a person would, and wait for the home page."""
    from tests.factories import PASSWORD

    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hello, "))
