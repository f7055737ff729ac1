"""The facilitator's home in Chromium, on a laptop and on a 390 px phone: the next thing to do
first, each circle's open requests and check-in state, Create a circle; nothing scrolls
sideways, every button is a comfortable target, and axe finds nothing serious."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from circles.extensions import db
from circles.meetings.models import RsvpAnswer
from circles.orgs.models import Organisation
from circles.safety.models import SupportStatus
from tests.browser.conftest import Visitor, log_in
from tests.browser.test_accessibility import serious_violations

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
OVERFLOW = """() => {
  const root = document.scrollingElement;
  return Math.max(root.scrollWidth - window.innerWidth, root.scrollWidth - root.clientWidth, 0);
}"""


@pytest.fixture
def practice(app, make):
    fran = make.create_user("Fran Facilitator", email="fran@example.org")
    org = make.create_org("Harbour Practice", owner=fran)
    with app.app_context():
        db.session.get(Organisation, org.id).anonymity_k = 3
        db.session.commit()
    evening = make.create_circle(org, fran, "Evening circle with a rather long name")
    morning = make.create_circle(org, fran, "Morning circle")
    members = [make.create_user(f"Member {n}") for n in range(3)]
    for n, person in enumerate(members):
        make.add_member(evening, person, f"Eve {n}")
        make.add_member(morning, person, f"Morn {n}")
    make.set_up_checkins(evening)
    make.set_up_checkins(morning)
    for person in members:
        make.check_in(morning, person)
    make.support_request(evening, members[0], "Please call me")
    seen = make.support_request(evening, members[1])
    make.set_support_status(seen, SupportStatus.ACKNOWLEDGED)
    soon = make.meeting(evening, fran)
    make.answer(soon, members[0], RsvpAnswer.GOING)
    return {"evening": evening, "morning": morning, "org": org}


def check_home(page: Page, practice) -> None:
    evening, morning = practice["evening"], practice["morning"]
    expect(page.get_by_role("heading", name="Hello, Fran Facilitator", level=1)).to_be_visible()
    next_steps = page.get_by_role("region", name="Next for you")
    asking = next_steps.get_by_role(
        "link", name=f"{evening.name}: 2 open requests for contact", exact=True
    )
    expect(asking).to_be_visible()
    expect(next_steps).to_contain_text("1 not looked at yet")
    expect(next_steps).to_contain_text("Going 1 · Maybe 0 · Not going 0")
    expect(page.get_by_text("Please call me")).to_have_count(0)
    circles = page.get_by_role("region", name="Your circles")
    tiles = circles.get_by_role("listitem").filter(has=page.locator(".glance"))
    expect(tiles.filter(has_text=evening.name)).to_contain_text(
        "not enough yet for this week's figures; they appear when 3 are in"
    )
    expect(
        circles.get_by_role(
            "link", name=f"Check-in figures for this week are in for {morning.name}"
        )
    ).to_be_visible()
    create = circles.get_by_role("link", name="Create a circle", exact=True)
    expect(create).to_be_visible()
    box = create.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    assert page.evaluate(OVERFLOW) == 0


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1280px", "390px"])
def test_the_facilitator_home_shows_what_needs_them(
    practice, new_visitor: Callable[..., Visitor], viewport, live_server: str
) -> None:
    visitor = new_visitor("facilitator", viewport=viewport)
    page = visitor.page
    log_in(page, "fran@example.org")
    check_home(page, practice)
    assert serious_violations(visitor) == []
    assert visitor.foreign_requests(live_server) == []

    page.get_by_role("region", name="Next for you").get_by_role(
        "link", name=re.compile("open requests for contact")
    ).click()
    expect(page).to_have_url(f"{live_server}/circles/{practice['evening'].id}/support")
    expect(page.get_by_text("Please call me")).to_be_visible()  # the content lives here
    page.go_back()
    page.get_by_role("link", name="Create a circle", exact=True).click()
    expect(page).to_have_url(f"{live_server}/orgs/{practice['org'].id}/circles/new")


def test_a_new_facilitator_on_a_phone_starts_by_creating_a_circle(
    make, new_visitor: Callable[..., Visitor], live_server: str
) -> None:
    jo = make.create_user("Jo River", email="jo@example.org")
    org = make.create_org("Jo River's practice", owner=jo)
    visitor = new_visitor("facilitator", viewport=PHONE)
    page = visitor.page
    log_in(page, "jo@example.org")
    expect(page.get_by_text("When a facilitator sends you an invitation link")).to_have_count(0)
    start = page.get_by_role("region", name="Next for you").get_by_role(
        "link", name="Create a circle", exact=True
    )
    expect(start).to_be_visible()
    assert page.evaluate(OVERFLOW) == 0
    assert serious_violations(visitor) == []
    start.click()
    expect(page).to_have_url(f"{live_server}/orgs/{org.id}/circles/new")
