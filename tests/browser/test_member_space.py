"""The member's space in Chromium: note a session, open its 72-hour plan, write in the journal
from the day's prompt, choose an action, and later mark it done; at desktop and phone widths."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Visitor, log_in

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1280, 390])
def test_session_plan_journal_action_done(
    make, new_visitor: Callable[..., Visitor], live_server: str, width: int
) -> None:
    owner = make.create_user("Fran Okafor", f"fran{width}@example.org", timezone="Europe/London")
    circle = make.create_circle(make.create_org("Harbour", owner=owner), owner, "Thursday circle")
    sam = make.create_user("Sam Ortiz", f"sam{width}@example.org", timezone="Europe/London")
    make.add_member(circle, sam, "Sam")
    visitor = new_visitor("member", viewport={"width": width, "height": 900})
    page = visitor.page
    log_in(page, f"sam{width}@example.org")

    page.goto("/integration")
    taken = datetime.now(LONDON) - timedelta(hours=3)
    page.get_by_label("Date").fill(taken.strftime("%Y-%m-%d"))
    page.get_by_label("Time").fill(taken.strftime("%H:%M"))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your plan for the three days after your session"
    )
    plan_url = page.url
    assert re.search(r"/integration/\d+/plan$", plan_url)
    expect(page.get_by_text("Today", exact=True)).to_be_visible()
    no_sideways_scroll(page)

    page.get_by_role("link", name="Write about it in your journal (day 1)").click()
    expect(page.locator("#entry-prompt")).to_contain_text("What is still with you")
    page.get_by_label("Your entry").fill("The warmth in my hands, and a picture of the sea.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flashes")).to_contain_text("Only you can read it")
    expect(page.locator(".journal-entry .prose")).to_have_text(
        "The warmth in my hands, and a picture of the sea."
    )
    expect(page.locator(".journal-entry")).to_contain_text("Session of")
    no_sideways_scroll(page)

    page.goto(plan_url)
    expect(page.get_by_text("You have written 1 journal entry about this session.")).to_be_visible()
    page.get_by_label("Give myself an hour of rest with no screens").check()
    page.get_by_label("Email me a short note on each of the three days").check()
    page.get_by_role("button", name="Save my plan").click()
    expect(page.get_by_role("button", name="Save changes")).to_be_visible()

    page.get_by_role("link", name="your commitments").click()
    item = page.locator(".commitment", has_text="Give myself an hour of rest with no screens")
    expect(item).to_contain_text("From a 72-hour plan")
    item.get_by_label("A note for yourself (optional)").fill("Sunday afternoon, it helped.")
    item.get_by_role("button", name="Done").click()
    item = page.locator(".commitment", has_text="Give myself an hour of rest with no screens")
    expect(item.get_by_role("button", name="Done")).to_have_attribute("aria-pressed", "true")
    expect(item).to_contain_text("Sunday afternoon, it helped.")
    no_sideways_scroll(page)
    assert visitor.foreign_requests(live_server) == []
