"""Grounding exercises in Chromium: by keyboard, with reduced motion, and without a connection."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Playwright, expect

from tests.browser.conftest import CHROMIUM_ARGS, Visitor, _chromium_or_skip

pytestmark = pytest.mark.browser


def test_breathing_and_the_body_scan_by_keyboard_announced_never_moving_focus(
    new_visitor: Callable[..., Visitor],
) -> None:
    page = new_visitor("member", viewport={"width": 390, "height": 844}).page
    page.goto("/grounding")
    start = page.get_by_role("button", name="Start breathing")
    start.focus()
    page.keyboard.press("Enter")
    cue = page.locator(".breath-cue")
    expect(cue).to_have_text("Breathe in")
    expect(cue).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("button", name="Stop")).to_be_focused()
    expect(cue).to_have_text("Breathe out, slowly", timeout=8000)
    page.keyboard.press("Enter")
    expect(cue).to_have_text("Stopped. Notice how you feel now.")

    page.get_by_role("button", name="Go through it step by step").click()
    step = page.locator(".senses-step")
    expect(step).to_contain_text("Step 1 of 5: 5 things you can see.")
    for _ in range(5):
        page.get_by_role("button", name="Next").click()
    expect(step).to_contain_text("Done.")

    page.select_option("#scan-seconds", "20")
    page.get_by_role("button", name="Start the body scan").click()
    expect(page.locator(".scan-area")).to_have_text("Now: Feet and toes")
    expect(page.locator(".scan-areas li").first).to_have_attribute("aria-current", "step")
    page.get_by_role("button", name="Pause").click()
    expect(page.locator(".scan-area")).to_have_text("Paused.")
    overflow = page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth")
    assert overflow is False


def test_with_reduced_motion_the_circle_stays_still(new_visitor: Callable[..., Visitor]) -> None:
    page = new_visitor("member", reduced_motion="reduce").page
    page.goto("/grounding")
    page.get_by_role("button", name="Start breathing").click()
    expect(page.locator(".breath-cue")).to_have_text("Breathe in")
    transform = page.locator(".breath-circle").evaluate("el => getComputedStyle(el).transform")
    assert transform == "none"


def test_help_and_exercises_open_offline_once_visited(
    new_visitor: Callable[..., Visitor], live_server: str
) -> None:
    visitor = new_visitor("member")
    page = visitor.page
    page.goto("/grounding")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # The worker keeps its copies when it installs; wait until they are there.
    page.wait_for_function(
        "caches.keys().then(names => names.length === 1"
        " && caches.open(names[0]).then(c => c.match('/help')).then(Boolean))"
    )
    visitor.context.set_offline(True)
    page.goto("/grounding")
    expect(page.get_by_role("heading", name="Grounding exercises", level=1)).to_be_visible()
    page.goto("/help")
    expect(page.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()
    page.goto("/journal")
    expect(page.get_by_role("heading", name="You are offline", level=1)).to_be_visible()
    assert visitor.foreign_requests(live_server) == []


def test_chromium_finds_circles_installable(
    playwright: Playwright, live_server: str, tmp_path: Path
) -> None:
    """Chromium's own check (the one behind "Install app"): manifest, icon, service worker.
    Incognito contexts are never installable, so this one keeps a profile of its own."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=_chromium_or_skip(), args=CHROMIUM_ARGS
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/grounding")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors") == {"installabilityErrors": []}
        assert cdp.send("Page.getAppManifest")["errors"] == []
    finally:
        context.close()
