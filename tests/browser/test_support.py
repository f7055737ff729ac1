"""A support request in a real browser: Mo asks from the live room; Fran, still running the
room, opens the list in another tab and marks it seen; Mo's room shows the new status."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Visitor, log_in

pytestmark = pytest.mark.browser

SOON_MS = 5_000


def test_member_asks_from_the_live_room_and_sees_the_facilitator_acknowledge(
    make, outbox, new_visitor: Callable[..., Visitor], live_server: str
) -> None:
    fran = make.create_user("Fran Okafor", "fran@example.org", timezone="Europe/London")
    org = make.create_org("Harbour Practice", owner=fran)
    circle = make.create_circle(org, fran, "Thursday circle")
    mo = make.create_user("Morgan Lee", "mo@example.org", timezone="Europe/London")
    make.add_member(circle, mo, "Mo")
    staff, member = new_visitor("facilitator"), new_visitor("member")
    fpage, mpage = staff.page, member.page
    log_in(fpage, "fran@example.org")
    log_in(mpage, "mo@example.org")

    fpage.goto(f"/circles/{circle.id}")
    fpage.get_by_role("button", name="Open the live room").click()
    expect(fpage.locator("#live-status")).to_contain_text("You are in")
    mpage.goto(f"/circles/{circle.id}")
    mpage.get_by_role("link", name="Join the live room").click()
    expect(mpage.locator("#live-status")).to_contain_text("You are in")

    # Mo asks, from the room, without leaving it.
    mpage.locator("summary", has_text="Ask a facilitator to reach out").click()
    expect(mpage.get_by_text("This is not anonymous.")).to_be_visible()
    mpage.get_by_label("Anything you would like them to know (optional)").fill(
        "Something came up in my session that I would like to talk through."
    )
    mpage.locator("#support-form").get_by_role("button").click()
    expect(mpage.locator("#support-announcer")).to_have_text(
        "Your facilitators have been asked to reach out to you."
    )
    expect(mpage.locator("#support-list li")).to_have_count(1)
    expect(mpage.locator("#support-list li")).to_contain_text("New")

    # Fran's console says one request waits, never who; the list opens in a new tab.
    notice = fpage.get_by_role("link", name=re.compile(r"^1 support request is waiting"))
    expect(notice).to_be_visible(timeout=SOON_MS)
    with staff.context.expect_page() as opened:
        notice.click()
    inbox = opened.value
    expect(inbox.get_by_role("heading", level=1)).to_have_text("Support requests")
    expect(inbox.get_by_text("Something came up in my session")).to_be_visible()
    expect(inbox.get_by_text("Mo", exact=True)).to_be_visible()
    inbox.get_by_role("button", name="Seen by a facilitator").click()
    expect(inbox.get_by_role("status")).to_contain_text("Status saved.")

    # Mo sees it at once, announced, and on the circle page afterwards.
    expect(mpage.locator("#support-announcer")).to_have_text(
        "Your request is now: Seen by a facilitator.", timeout=SOON_MS
    )
    expect(mpage.locator("#support-list li")).to_contain_text("Seen by a facilitator")
    mpage.goto(f"/circles/{circle.id}")
    expect(mpage.locator("#support")).to_contain_text("Seen by a facilitator")
    assert [m.to for m in outbox] == ["fran@example.org"]
    assert staff.foreign_requests(live_server) == []
    assert member.foreign_requests(live_server) == []
