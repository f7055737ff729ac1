"""A session plan in a real browser: prepared before the meeting, run step by step in the room.

Fran adds a built-in prompt and one of her own to the plan of the next meeting, moves her own to
the top, opens the live room from the meeting page and shares the first step with one click;
Mo sees it and answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from circles.live.library import BUILT_IN
from tests.browser.conftest import Visitor, log_in

pytestmark = pytest.mark.browser

OWN_PROMPT = "Which moment since our last meeting would you like the group to hear about?"
SOON_MS = 5_000


def test_facilitator_prepares_a_plan_and_shares_its_steps_in_the_room(
    make, new_visitor: Callable[..., Visitor], live_server: str
) -> None:
    fran = make.create_user("Fran Okafor", "fran@example.org", timezone="Europe/London")
    org = make.create_org("Harbour Practice", owner=fran)
    circle = make.create_circle(org, fran, "Thursday circle")
    mo = make.create_user("Morgan Lee", "mo@example.org", timezone="Europe/London")
    make.add_member(circle, mo, "Mo")
    meeting = make.meeting(circle, fran)
    meeting_path = f"/circles/{circle.id}/meetings/{meeting.id}"
    settled = next(p for p in BUILT_IN if p.key == "settled")

    staff = new_visitor("facilitator")
    member = new_visitor("member")
    fpage, mpage = staff.page, member.page
    log_in(fpage, "fran@example.org")
    log_in(mpage, "mo@example.org")

    # Before the meeting: the plan, from the library and by hand.
    fpage.goto(meeting_path)
    fpage.get_by_role("link", name="Session plan (0 steps)").click()
    expect(fpage.get_by_text("The plan is empty.")).to_be_visible()
    fpage.get_by_role("navigation", name="Filter by theme").get_by_role(
        "link", name="Grounding and the body"
    ).click()
    fpage.get_by_role("button", name=f"Add to the plan: {settled.text}").click()
    expect(fpage.get_by_role("status")).to_contain_text("Added to the plan")
    fpage.get_by_label("Prompt", exact=True).fill(OWN_PROMPT)
    fpage.get_by_label(re.compile(r"^Anonymous answers")).uncheck()
    fpage.get_by_role("button", name="Add to the plan", exact=True).click()
    steps = fpage.get_by_role("region", name=re.compile(r"^The plan")).get_by_role("listitem")
    expect(steps).to_have_count(2)
    fpage.get_by_role("button", name="Move step 2 earlier").click()
    expect(steps.first).to_contain_text(OWN_PROMPT)
    expect(steps.first).to_contain_text("Open text · named")

    # In the room: the plan is one click per step.
    fpage.goto(meeting_path)
    fpage.get_by_role("button", name="Open the live room for this meeting").click()
    # The facilitator is the one who begins: told what members see until then.
    expect(fpage.get_by_role("status")).to_contain_text("until you share the first prompt")
    plan = fpage.get_by_role("region", name="Session plan")
    expect(plan.get_by_role("listitem")).to_have_count(2)

    mpage.goto(f"/circles/{circle.id}")
    mpage.get_by_role("link", name="Join the live room").click()
    expect(mpage.get_by_role("status")).to_contain_text("The session will begin soon.")

    plan.get_by_role("button", name=f"Share: {OWN_PROMPT[:60]}").click()
    expect(plan.get_by_role("listitem").first).to_contain_text("shared")
    prompt = mpage.get_by_role("region", name="Prompt")
    expect(prompt.get_by_text(OWN_PROMPT, exact=True)).to_be_visible(timeout=SOON_MS)
    expect(prompt).to_contain_text("Answers show your name in this circle")
    mpage.get_by_label("Your answer", exact=True).fill("The walk by the river on Sunday.")
    mpage.get_by_role("button", name="Share my answer").click()
    expect(mpage.get_by_text("Your answer is in.")).to_be_visible()
    expect(fpage.get_by_text("Answers so far:")).to_have_text("Answers so far: 1", timeout=SOON_MS)

    # The second step replaces the first for everyone.
    plan.get_by_role("button", name=f"Share: {settled.text[:60]}").click()
    expect(prompt.get_by_text(settled.text, exact=True)).to_be_visible(timeout=SOON_MS)
