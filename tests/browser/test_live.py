"""The live room in a real browser: a facilitator and two members, three Chromium contexts.

Fran opens the room from the circle page; Mo and Nic join from theirs. Fran shares an anonymous
text prompt, Mo answers and Nic passes, Fran reveals the answers, runs a timer and a talking
round, sees a raised hand, and ends the session. Every step goes over the real Socket.IO
connection each page opens to the live server, and every page is checked the way a person would
see it: by roles, labels and visible text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Visitor, log_in

pytestmark = pytest.mark.browser

FACILITATOR = {"name": "Fran Okafor", "email": "fran@example.org", "in_circle": "Fran"}
MO = {"name": "Morgan Lee", "email": "mo@example.org", "in_circle": "Mo"}
NIC = {"name": "Nicola Brandt", "email": "nic@example.org", "in_circle": "Nic"}
CIRCLE_NAME = "Tuesday integration circle"
PROMPT = "What are you carrying into this week?"
ANSWER = "A quiet sense of gratitude, and a little tiredness."
TIMER_SECONDS = 30
#: Socket events reach the other pages within milliseconds; allow for a slow CI machine.
SOON_MS = 5_000


def person(people: Locator, name: str) -> Locator:
    """One entry of a "Here now" or round list, by the name it starts with.

    A plain has_text="Mo" would also match "Remove" on every member's row.
    """
    return people.filter(has_text=re.compile(rf"^{re.escape(name)}\b"))


def here_now(page: Page) -> Locator:
    return page.get_by_role("complementary", name="Here now").get_by_role("list").first


def speakers(page: Page) -> Locator:
    """The talking round's order (the list under the "Talking round" heading)."""
    return page.locator("#round").get_by_role("listitem")


def answers(page: Page) -> Locator:
    return page.get_by_role("list", name="Answers, in random order").get_by_role("listitem")


def test_facilitator_and_two_members_share_a_prompt_timer_and_round(
    make, new_visitor: Callable[..., Visitor], live_server: str, artifacts_dir: Path
) -> None:
    fran = make.create_user(FACILITATOR["name"], FACILITATOR["email"], timezone="Europe/London")
    org = make.create_org("Harbour Practice", owner=fran)
    circle = make.create_circle(org, fran, CIRCLE_NAME)  # Fran facilitates, as "Fran"
    for who in (MO, NIC):
        user = make.create_user(who["name"], who["email"], timezone="Europe/London")
        make.add_member(circle, user, who["in_circle"])
    circle_path = f"/circles/{circle.id}"

    facilitator = new_visitor("facilitator")
    mo = new_visitor("mo")
    nic = new_visitor("nic")
    fpage, mopage, nicpage = facilitator.page, mo.page, nic.page
    members = (mopage, nicpage)
    everyone = (fpage, mopage, nicpage)
    # Socket connections are not "requests" to Playwright; keep their URLs to check the host.
    sockets: list[str] = []
    for page in everyone:
        page.on("websocket", lambda ws: sockets.append(ws.url))

    log_in(fpage, FACILITATOR["email"])
    log_in(mopage, MO["email"])
    log_in(nicpage, NIC["email"])

    # 1. Fran opens the live room from the circle page.
    fpage.goto(circle_path)
    expect(fpage.get_by_role("heading", name=CIRCLE_NAME, level=1)).to_be_visible()
    fpage.get_by_role("button", name="Open the live room").click()
    expect(fpage).to_have_url(re.compile(rf"{re.escape(circle_path)}/live/\d+$"))
    room_url = fpage.url
    session_id = urlsplit(room_url).path.rsplit("/", 1)[1]
    expect(fpage.get_by_role("heading", name=f"{CIRCLE_NAME}: live", level=1)).to_be_visible()
    expect(fpage.locator("#live")).to_have_attribute("data-live-session", session_id)
    expect(fpage.locator("#live")).to_have_attribute("data-role", "facilitator")
    expect(fpage.get_by_role("status")).to_contain_text("You are in")
    expect(fpage.get_by_role("heading", name="Facilitator console")).to_be_visible()
    expect(person(here_now(fpage).get_by_role("listitem"), "Fran")).to_have_text(
        "Fran (facilitator)"
    )

    # 2. Mo and Nic see "Live now" on the circle page and join.
    for page in members:
        page.goto(circle_path)
        live_now = page.get_by_role("region", name="Live now")
        expect(live_now).to_contain_text("The circle's live room is open.")
        live_now.get_by_role("link", name="Join the live room").click()
        expect(page).to_have_url(room_url)
        expect(page.locator("#live")).to_have_attribute("data-role", "member")
        expect(page.get_by_role("status")).to_contain_text("You are in")
        expect(page.get_by_role("heading", name="Facilitator console")).to_have_count(0)
        expect(page.get_by_text("Waiting for the facilitator to share a prompt.")).to_be_visible()

    present = here_now(fpage).get_by_role("listitem")
    expect(present).to_have_count(3, timeout=SOON_MS)
    for who in (MO, NIC):
        expect(person(present, who["in_circle"])).to_have_count(1)
        expect(
            fpage.get_by_role("button", name=f"Remove {who['in_circle']} from this session")
        ).to_be_visible()
    expect(here_now(mopage).get_by_role("listitem")).to_have_count(3, timeout=SOON_MS)

    # 3. Fran shares an anonymous text prompt; Mo answers, Nic passes.
    expect(fpage.get_by_label("Kind", exact=True)).to_have_value("text")
    fpage.get_by_role("textbox", name="Prompt", exact=True).fill(PROMPT)
    anonymous = fpage.get_by_label(re.compile(r"^Anonymous answers"))
    expect(anonymous).to_be_checked()
    reveal = fpage.get_by_role("button", name="Reveal answers")
    expect(reveal).to_be_disabled()
    fpage.get_by_role("button", name="Share prompt").click()
    expect(fpage.get_by_role("textbox", name="Prompt", exact=True)).to_have_value("")
    expect(fpage.get_by_role("alert").filter(has_text=re.compile(r"\S"))).to_have_count(0)
    expect(reveal).to_be_enabled()
    count = fpage.get_by_text("Answers so far:")
    expect(count).to_have_text("Answers so far: 0")

    for page in everyone:
        prompt = page.get_by_role("region", name="Prompt")
        expect(prompt.get_by_text(PROMPT, exact=True)).to_be_visible(timeout=SOON_MS)
        expect(prompt).to_contain_text("Anonymous")
    for page in members:
        expect(page.get_by_label("Your answer", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Pass")).to_be_visible()

    mopage.get_by_label("Your answer", exact=True).fill(ANSWER)
    mopage.get_by_role("button", name="Share my answer").click()
    nicpage.get_by_role("button", name="Pass").click()
    for page in members:
        expect(page.get_by_text("Your answer is in.")).to_be_visible()
        expect(page.get_by_label("Your answer", exact=True)).to_be_hidden()
    expect(count).to_have_text("Answers so far: 2", timeout=SOON_MS)
    # Nothing is shown before the reveal.
    for page in everyone:
        expect(answers(page)).to_have_count(0)
        expect(page.get_by_text(ANSWER)).to_have_count(0)

    # 4. Fran reveals: everyone sees Mo's answer with no name; Nic's pass shows nothing.
    reveal.click()
    for page in everyone:
        expect(page.get_by_role("heading", name="Answers, in random order")).to_be_visible(
            timeout=SOON_MS
        )
        shown = answers(page)
        expect(shown).to_have_count(1)
        expect(shown.first).to_contain_text(ANSWER)
        item = shown.first.inner_text()
        for name in (MO["in_circle"], MO["name"], NIC["in_circle"], NIC["name"]):
            assert name not in item, f"{name!r} shown next to an anonymous answer: {item!r}"
    for page in members:
        expect(answers(page).first).to_have_text(ANSWER)
        expect(page.get_by_text("Your answer is in.")).to_be_hidden()
    expect(answers(fpage).first.get_by_role("button")).to_have_accessible_name(
        f'Hide the answer "{ANSWER[:40]}"'
    )
    expect(reveal).to_be_disabled()
    mopage.screenshot(path=artifacts_dir / "live-room.png", full_page=True)

    # 5. A timer: the members see it count down; Fran stops it.
    fpage.get_by_label("Seconds", exact=True).fill(str(TIMER_SECONDS))
    fpage.get_by_role("button", name="Start timer").click()
    for page in members:
        timer = page.locator("#timer")
        expect(timer).to_be_visible(timeout=SOON_MS)
        expect(timer).to_have_text(re.compile(r"^Time left: 0:[0-3][0-9]$"))
    first = mopage.locator("#timer-value").inner_text()
    expect(mopage.locator("#timer-value")).not_to_have_text(first, timeout=SOON_MS)  # it ticks
    fpage.get_by_role("button", name="Stop timer").click()
    for page in everyone:
        expect(page.locator("#timer")).to_be_hidden(timeout=SOON_MS)

    # 6. A talking round through the members, in the order of their names.
    fpage.get_by_role("button", name="Start a round").click()
    for page in everyone:
        expect(page.get_by_role("heading", name="Talking round")).to_be_visible(timeout=SOON_MS)
        expect(speakers(page)).to_have_text(["Mo (speaking now)", "Nic"])
        expect(page.get_by_text("Mo (speaking now)", exact=True)).to_be_visible()
        expect(page.get_by_role("status")).to_have_text("Talking round: Mo is speaking.")
    fpage.get_by_role("button", name="Next speaker").click()
    for page in everyone:
        expect(speakers(page)).to_have_text(["Mo", "Nic (speaking now)"], timeout=SOON_MS)
        expect(page.get_by_text("Nic (speaking now)", exact=True)).to_be_visible()
        expect(page.get_by_text("Mo (speaking now)", exact=True)).to_have_count(0)
        expect(page.get_by_role("status")).to_have_text("Talking round: Nic is speaking.")

    # 7. Mo raises a hand; Fran sees it next to Mo's name.
    hand = mopage.get_by_role("button", name="Raise hand")
    expect(hand).to_have_attribute("aria-pressed", "false")
    hand.click()
    lower = mopage.get_by_role("button", name="Lower hand")
    expect(lower).to_have_attribute("aria-pressed", "true")
    expect(person(present, "Mo")).to_contain_text("hand raised", timeout=SOON_MS)
    expect(person(present, "Nic")).not_to_contain_text("hand raised")

    # 8. Fran ends the session: every page reloads to the ended room.
    fpage.once("dialog", lambda dialog: dialog.accept())
    fpage.get_by_role("button", name="End the session").click()
    for page in everyone:
        expect(page.get_by_text("This session has ended")).to_be_visible(timeout=SOON_MS)
        expect(page).to_have_url(room_url)
        expect(page.locator("#live")).to_have_attribute("data-ended", "true")
        expect(page.get_by_role("heading", name="Facilitator console")).to_have_count(0)
        expect(page.get_by_text(PROMPT)).to_have_count(0)
        expect(page.get_by_text(ANSWER)).to_have_count(0)
        expect(page.get_by_role("link", name="Back to the circle")).to_be_visible()
    expect(fpage.get_by_text("This session has ended")).to_contain_text("3 people came.")
    expect(mopage.get_by_text("This session has ended")).not_to_contain_text("came")
    # The circle page offers a new room again instead of "Live now".
    fpage.goto(circle_path)
    expect(fpage.get_by_role("button", name="Open the live room")).to_be_visible()
    expect(fpage.get_by_role("region", name="Live now")).to_have_count(0)

    # Nothing left the live server; the sockets went to it too.
    own = urlsplit(live_server).netloc
    assert sockets, "no live socket was opened"
    assert all(urlsplit(url).netloc == own for url in sockets), sockets
    for visitor in (facilitator, mo, nic):
        assert visitor.requests, f"no requests recorded for the {visitor.label}"
        assert visitor.foreign_requests(live_server) == [], visitor.label
