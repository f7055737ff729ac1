"""The first journey, in a real browser: a facilitator signs up and invites; a member joins.

Two browser contexts (two people, two cookie jars) use the pages the way a person would: by
labels, roles and visible text. CSRF protection is on, so the real forms are exercised.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Visitor
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

FACILITATOR = {"name": "Alex Morgan", "email": "alex@example.org"}
MEMBER = {"name": "Robin Hale", "email": "robin@example.org"}
CIRCLE_NAME = "Thursday integration circle"
FACILITATOR_CIRCLE_NAME = "Alex"
MEMBER_CIRCLE_NAME = "Wren"


def sign_up(page: Page, name: str, email: str, kind: str) -> None:
    """Fill the sign-up form as a person would and submit it."""
    expect(page.get_by_role("heading", name="Create an account", level=1)).to_be_visible()
    page.get_by_label("Your name", exact=True).fill(name)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password", exact=True).fill(PASSWORD)
    page.get_by_label("Time zone", exact=True).select_option("Europe/London")
    page.get_by_role("radio", name=kind, exact=True).check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your inbox", level=1)).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()


def confirm_email(page: Page, outbox: list[Any], email: str) -> None:
    """Open the link of the confirmation mail, as the person would from their inbox."""
    (mail,) = [m for m in outbox if m.to == email]
    link = re.search(r"https?://\S+/signup/confirm/\S+", mail.body)
    assert link, mail.body
    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="Confirm your email", level=1)).to_be_visible()
    page.get_by_label("The password you chose", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirm and open my account").click()


def test_facilitator_invites_and_member_joins(
    new_visitor: Callable[..., Visitor], live_server: str, artifacts_dir: Path, outbox: list[Any]
) -> None:
    facilitator = new_visitor("facilitator")
    member = new_visitor("member")
    fpage, mpage = facilitator.page, member.page

    # 1. The facilitator signs up, which makes their personal practice, and creates a circle.
    fpage.goto("/signup")
    sign_up(fpage, FACILITATOR["name"], FACILITATOR["email"], "Host circles as a facilitator")
    confirm_email(fpage, outbox, FACILITATOR["email"])
    expect(fpage).to_have_url(f"{live_server}/")
    expect(fpage.get_by_role("heading", name=f"Hello, {FACILITATOR['name']}")).to_be_visible()
    expect(fpage.get_by_role("heading", name="Your organisations")).to_be_visible()
    fpage.get_by_role("link", name=f"{FACILITATOR['name']}'s practice").click()
    expect(
        fpage.get_by_role("heading", name=f"{FACILITATOR['name']}'s practice", level=1)
    ).to_be_visible()

    fpage.get_by_role("link", name="New circle").click()
    fpage.get_by_label("Circle name", exact=True).fill(CIRCLE_NAME)
    agreement = fpage.get_by_label("Circle agreement", exact=True)
    expect(agreement).to_have_value(re.compile(r"stays in the circle"))
    fpage.get_by_label("Capacity (members)", exact=True).fill("8")
    facilitator_name = fpage.get_by_label("Your name in this circle", exact=True)
    expect(facilitator_name).to_have_value(FACILITATOR["name"].split()[0])  # first name suggested
    facilitator_name.fill(FACILITATOR_CIRCLE_NAME)
    fpage.get_by_role("button", name="Create circle").click()

    expect(fpage).to_have_url(re.compile(r"/circles/\d+/next-steps$"))
    expect(fpage.get_by_role("heading", name=CIRCLE_NAME, level=1)).to_be_visible()
    expect(fpage.get_by_text("Your circle is ready. Next, invite people to it.")).to_be_visible()
    fpage.get_by_role("link", name="Invite people").click()
    expect(fpage).to_have_url(re.compile(r"/circles/\d+/invitations$"))
    fpage.get_by_role("button", name="Create invitation link").click()
    link_input = fpage.get_by_label("Invitation link", exact=True)
    expect(link_input).to_be_visible()
    expect(link_input).to_have_attribute("readonly", "")
    invite_link = link_input.input_value()
    assert re.fullmatch(re.escape(live_server) + r"/join/[^/?#]+", invite_link), invite_link
    expect(fpage.get_by_role("listitem").filter(has_text="Link for anyone")).to_contain_text(
        "0 of 1"
    )

    # 2. The member opens the link, sees the invitation, creates an account and joins.
    join_path = invite_link.removeprefix(live_server)
    next_join = re.escape(quote(join_path, safe="")) + "|" + re.escape(join_path)
    mpage.goto(invite_link)
    expect(mpage.get_by_role("heading", name=CIRCLE_NAME, level=1)).to_be_visible()
    mpage.get_by_role("link", name="Create an account").click()
    expect(mpage).to_have_url(re.compile(rf"/signup\?next=({next_join})$"))
    expect(mpage.get_by_role("radio", name="Join a circle I was invited to")).to_be_checked()
    sign_up(mpage, MEMBER["name"], MEMBER["email"], "Join a circle I was invited to")
    confirm_email(mpage, outbox, MEMBER["email"])

    expect(mpage).to_have_url(invite_link)
    expect(mpage.get_by_role("heading", name=f"Join {CIRCLE_NAME}", level=1)).to_be_visible()
    expect(mpage.get_by_role("heading", name="The circle agreement")).to_be_visible()
    expect(mpage.locator("#agreement-text")).to_contain_text("stays in the circle")

    accept = mpage.get_by_label("I have read the circle agreement and accept it", exact=True)
    display_name = mpage.get_by_label("Your name in this circle", exact=True)
    expect(accept).not_to_be_checked()
    expect(display_name).to_have_value("Robin")  # first name suggested
    display_name.fill(MEMBER_CIRCLE_NAME)
    mpage.get_by_role("button", name="Join the circle").click()

    # Not accepted: the page says why, keeps the typed name, and marks the checkbox invalid.
    expect(mpage.get_by_role("alert")).to_contain_text("Please correct the fields marked below.")
    expect(
        mpage.get_by_text("Please read the agreement and tick the box to accept it.")
    ).to_be_visible()
    accept = mpage.get_by_label("I have read the circle agreement and accept it", exact=True)
    expect(accept).to_have_attribute("aria-invalid", "true")
    expect(accept).to_have_accessible_description(
        "Please read the agreement and tick the box to accept it."
    )
    expect(mpage.get_by_label("Your name in this circle", exact=True)).to_have_value(
        MEMBER_CIRCLE_NAME
    )

    accept.check()
    mpage.get_by_label("Your name in this circle", exact=True).fill(MEMBER_CIRCLE_NAME)
    mpage.get_by_role("button", name="Join the circle").click()

    expect(mpage).to_have_url(re.compile(r"/circles/\d+$"))
    expect(mpage.get_by_role("heading", level=1)).to_have_text(CIRCLE_NAME)
    expect(mpage.get_by_text(f"Welcome to {CIRCLE_NAME}.")).to_be_visible()
    expect(mpage.get_by_text(f"You are {MEMBER_CIRCLE_NAME} in this circle")).to_be_visible()
    circle_url = mpage.url

    # The member's view of the others: names in the circle only, never an email address.
    mpage.get_by_role("navigation", name="Circle").get_by_role("link", name="Who is here").click()
    expect(mpage.get_by_role("heading", name="Who is here", level=2)).to_be_visible()
    names = mpage.get_by_role("main").get_by_role("listitem")
    expect(names).to_have_count(2)
    expect(names.filter(has_text=MEMBER_CIRCLE_NAME)).to_have_count(1)
    expect(names.filter(has_text=FACILITATOR_CIRCLE_NAME)).to_contain_text("(facilitator)")
    expect(mpage.get_by_role("link", name="Invitations")).to_have_count(0)
    body = mpage.content()
    for secret in (FACILITATOR["email"], MEMBER["email"], FACILITATOR["name"], "@"):
        assert secret not in body, f"{secret!r} shown to a member"

    # 3. The facilitator's roster now lists the member, with their account for follow-up.
    fpage.get_by_role("navigation", name="Circle").get_by_role("link", name="Roster").click()
    expect(fpage.get_by_role("heading", name="Roster", level=2)).to_be_visible()
    fpage.reload()
    roster = fpage.get_by_role("table", name="People in this circle")
    row = roster.get_by_role("row").filter(has_text=MEMBER_CIRCLE_NAME)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Member")
    expect(row).to_contain_text(f"{MEMBER['name']} <{MEMBER['email']}>")
    expect(roster.get_by_role("row").filter(has_text=FACILITATOR["email"])).to_contain_text(
        "Facilitator"
    )

    # 4. A picture of the member's circle page, for people reviewing the build.
    mpage.goto(circle_url)
    expect(mpage.get_by_role("heading", level=1)).to_have_text(CIRCLE_NAME)
    mpage.screenshot(path=artifacts_dir / "circle-page.png", full_page=True)

    # Nothing left the live server: no CDN, font, analytics or other host was contacted.
    for visitor in (facilitator, member):
        assert visitor.requests, f"no requests recorded for the {visitor.label}"
        assert visitor.foreign_requests(live_server) == [], visitor.label
