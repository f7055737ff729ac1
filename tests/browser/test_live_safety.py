"""The live room keeps what a member types where they typed it, and tells a removed member calmly.

A member writing a private support request must never have the rest of their words land in the
anonymous group answer box because a prompt opened; a member asked to leave must learn it, with
a way to help, instead of "Connection lost. Reconnecting…" for ever.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Visitor, log_in

pytestmark = pytest.mark.browser

SOON_MS = 5_000


def _room(make, new_visitor: Callable[..., Visitor]) -> tuple[Page, Page]:
    fran = make.create_user("Fran Okafor", "fran@example.org")
    org = make.create_org("Harbour Practice", owner=fran)
    circle = make.create_circle(org, fran, "Tuesday circle")
    mo = make.create_user("Morgan Lee", "mo@example.org")
    make.add_member(circle, mo, "Mo")
    session = make.live_session(circle, fran)
    url = f"/circles/{circle.id}/live/{session.id}"
    fpage, mopage = new_visitor("facilitator").page, new_visitor("mo").page
    log_in(fpage, "fran@example.org")
    log_in(mopage, "mo@example.org")
    for page in (fpage, mopage):
        page.goto(url)
        expect(page.get_by_role("status").first).to_contain_text("You are in")
    return fpage, mopage


def test_a_new_prompt_is_announced_and_never_takes_the_focus(
    make, new_visitor: Callable[..., Visitor]
) -> None:
    fpage, mopage = _room(make, new_visitor)
    mopage.get_by_text("Ask a facilitator to reach out").first.click()
    support = mopage.get_by_label("Anything you would like them to know (optional)")
    support.click()
    mopage.keyboard.type("I am finding tonight ")

    fpage.get_by_role("textbox", name="Prompt", exact=True).fill("What did you notice?")
    fpage.get_by_role("button", name="Share prompt").click()
    answer = mopage.get_by_label("Your answer", exact=True)
    expect(answer).to_be_visible(timeout=SOON_MS)
    mopage.keyboard.type("hard.")
    expect(support).to_be_focused()
    expect(support).to_have_value("I am finding tonight hard.")
    expect(answer).to_have_value("")
    expect(mopage.locator("#prompt-news")).to_have_text(
        "A new prompt is open: What did you notice?"
    )


def test_a_removed_member_is_told_calmly_where_to_find_help(
    make, new_visitor: Callable[..., Visitor]
) -> None:
    fpage, mopage = _room(make, new_visitor)
    fpage.on("dialog", lambda dialog: dialog.accept())
    fpage.get_by_role("button", name="Remove Mo from this session").click()

    notice = mopage.locator("#removed")
    expect(notice).to_be_visible(timeout=SOON_MS)
    expect(notice).to_contain_text("The facilitator has asked you to leave this session.")
    expect(notice.get_by_role("link", name="Find help now")).to_have_attribute("href", "/help")
    expect(notice.get_by_role("link", name="Back to the circle")).to_be_visible()
    expect(mopage.get_by_label("Your answer", exact=True)).to_have_count(0)
    # No reconnect loop: the page stays calm a while later.
    mopage.wait_for_timeout(1500)
    expect(mopage.get_by_text("Reconnecting")).to_have_count(0)
    expect(mopage.get_by_text("Trying again")).to_have_count(0)
