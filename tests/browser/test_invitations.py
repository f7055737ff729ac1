"""The invitation is never lost, in a real browser at desktop and phone widths: a facilitator
makes a named link and copies it; a logged-out person opens it, signs up through the header's
link, confirms their email and arrives at the join step of that circle, and joins."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Visitor, log_in
from tests.browser.test_accessibility import serious_violations
from tests.browser.test_journey import confirm_email, sign_up

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def assert_no_horizontal_overflow(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the viewport"


def header_link(page: Page, name: str) -> None:
    """Follow a link of the site's header, opening its menu first where it is folded (phones)."""
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        page.locator("header summary").click()
    link.click()


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_a_copied_link_leads_a_new_person_through_sign_up_to_the_join_step(
    new_visitor: Callable[..., Visitor],
    live_server: str,
    make: Any,
    outbox: list[Any],
    viewport: dict[str, int],
) -> None:
    owner = make.create_user("Fran Oakley", email="fran@example.org")
    org = make.create_org("Riverside practice", owner=owner)
    circle = make.create_circle(org, owner, "Thursday circle")
    facilitator = new_visitor("facilitator", viewport=viewport)
    facilitator.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    newcomer = new_visitor("newcomer", viewport=viewport)
    fpage, npage = facilitator.page, newcomer.page

    # 1. The facilitator names a link and copies it with one click.
    log_in(fpage, "fran@example.org")
    fpage.goto(f"/circles/{circle.id}/next-steps")
    expect(fpage.get_by_role("heading", name="Invite people", level=3)).to_contain_text(
        "Not done yet"
    )
    violations = serious_violations(facilitator)
    fpage.get_by_role("link", name="Invite people").click()
    fpage.get_by_label("Name for this link (optional)", exact=True).fill("for Maria")
    fpage.get_by_role("button", name="Create invitation link").click()
    link_input = fpage.get_by_label("Invitation link", exact=True)
    invite_link = link_input.input_value()
    assert re.fullmatch(re.escape(live_server) + r"/join/[^/?#]+", invite_link), invite_link
    fpage.get_by_role("button", name="Copy link").click()
    expect(fpage.get_by_text("Link copied.")).to_be_visible()
    assert fpage.evaluate("navigator.clipboard.readText()") == invite_link
    expect(fpage.get_by_role("heading", name="for Maria", level=3)).to_be_visible()
    assert_no_horizontal_overflow(fpage)
    violations += serious_violations(facilitator)

    # 2. Someone without an account opens it: the invitation, not a login form.
    npage.goto(invite_link)
    expect(npage.get_by_role("heading", name="Thursday circle", level=1)).to_be_visible()
    expect(npage.get_by_text("Facilitated by")).to_contain_text("Fran")
    expect(npage.get_by_role("heading", name="What joining means")).to_be_visible()
    expect(npage.get_by_role("link", name="Create an account")).to_be_visible()
    expect(npage.get_by_role("link", name="I already have an account")).to_be_visible()
    assert_no_horizontal_overflow(npage)
    violations += serious_violations(newcomer)

    # 3. They sign up through the header's link instead, and confirm their email.
    header_link(npage, "Sign up")
    expect(npage.get_by_text("you go straight on to your invitation")).to_be_visible()
    violations += serious_violations(newcomer)
    sign_up(npage, "Maria Lind", "maria@example.org", "Join a circle I was invited to")
    confirm_email(npage, outbox, "maria@example.org")

    # 4. They arrive at the join step of that circle, and join.
    expect(npage).to_have_url(invite_link)
    expect(npage.get_by_role("heading", name="Join Thursday circle", level=1)).to_be_visible()
    assert_no_horizontal_overflow(npage)
    npage.get_by_label("I have read the circle agreement and accept it", exact=True).check()
    npage.get_by_label("Your name in this circle", exact=True).fill("Mari")
    npage.get_by_role("button", name="Join the circle").click()
    expect(npage).to_have_url(f"{live_server}/circles/{circle.id}")
    expect(npage.get_by_text("Welcome to Thursday circle.")).to_be_visible()

    # 5. The facilitator sees who joined through the link.
    fpage.reload()
    named = fpage.get_by_role("listitem").filter(has=fpage.get_by_role("heading", name="for Maria"))
    expect(named).to_contain_text("Joined through it")
    expect(named).to_contain_text("Mari")
    violations += serious_violations(facilitator)
    assert violations == []
    assert newcomer.foreign_requests(live_server) == []
    assert facilitator.foreign_requests(live_server) == []
