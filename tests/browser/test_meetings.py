"""Meetings in a real browser: a facilitator schedules a weekly series; a member answers.

The facilitator keeps London time and the member New York time, so the member's page must show
the same meeting converted to their own zone. Expected times are worked out here with zoneinfo
for the chosen date, so the test holds whatever the clocks do (summer time starts and ends on
different dates in the two zones).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from playwright.sync_api import expect

from tests.browser.conftest import Visitor, log_in

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
FACILITATOR = {"name": "Fran Okafor", "email": "fran@example.org"}
MEMBER = {"name": "Sam Ortiz", "email": "sam@example.org"}
MEMBER_CIRCLE_NAME = "Wren"
CIRCLE_NAME = "Evening integration circle"
MEETINGS = 6
DURATION = timedelta(minutes=90)  # the form's default length


def shown(start: datetime, zone_label: str) -> str:
    """A meeting's time as the app writes it in English, e.g. "Tuesday, 3 March 2026,
    19:00, an en dash, 20:30 (…)"."""
    end = start + DURATION
    day = format_date(start, "full", locale="en_GB")
    if end.date() == start.date():
        return f"{day}, {start:%H:%M}\u2013{end:%H:%M} ({zone_label})"
    last = format_date(end, "full", locale="en_GB")
    return f"{day}, {start:%H:%M} \u2013 {last}, {end:%H:%M} ({zone_label})"


def test_facilitator_schedules_weekly_series_and_member_answers_in_own_zone(
    make, new_visitor: Callable[..., Visitor], live_server: str, artifacts_dir: Path
) -> None:
    fran = make.create_user(FACILITATOR["name"], FACILITATOR["email"], timezone="Europe/London")
    org = make.create_org("Harbour Practice", owner=fran)
    circle = make.create_circle(org, fran, CIRCLE_NAME)
    sam = make.create_user(MEMBER["name"], MEMBER["email"], timezone="America/New_York")
    make.add_member(circle, sam, MEMBER_CIRCLE_NAME)
    circle_path = f"/circles/{circle.id}"

    first_day = datetime.now(LONDON).date() + timedelta(days=10)
    starts_in_london = datetime.combine(first_day, time(19, 0), tzinfo=LONDON)
    starts_in_new_york = starts_in_london.astimezone(NEW_YORK)
    london_text = shown(starts_in_london, "Europe/London")
    new_york_text = shown(starts_in_new_york, "America/New York")
    assert london_text != new_york_text

    facilitator = new_visitor("facilitator")
    member = new_visitor("member", locale="en-US", timezone_id="America/New_York")
    fpage, mpage = facilitator.page, member.page

    # 1. The facilitator schedules six weekly meetings at 19:00 London time.
    log_in(fpage, FACILITATOR["email"])
    fpage.goto(circle_path)
    expect(fpage.get_by_role("heading", name=CIRCLE_NAME, level=1)).to_be_visible()
    expect(fpage.get_by_role("region", name="Next meetings")).to_contain_text(
        "No meetings are scheduled."
    )
    fpage.get_by_role("link", name="Schedule a meeting").click()
    expect(fpage).to_have_url(f"{live_server}{circle_path}/meetings/new")
    expect(
        fpage.get_by_role("heading", name=f"Schedule a meeting for {CIRCLE_NAME}", level=1)
    ).to_be_visible()
    zone = fpage.get_by_label("Time zone of the meeting", exact=True)
    expect(zone).to_have_value("Europe/London")  # the facilitator's own zone is suggested
    fpage.get_by_label("Date of the first meeting", exact=True).fill(first_day.isoformat())
    fpage.get_by_label("Start time", exact=True).fill("19:00")
    zone.select_option("Europe/London")
    fpage.get_by_role("radio", name="Every week, on the same weekday", exact=True).check()
    fpage.get_by_role("radio", name="After a number of meetings", exact=True).check()
    fpage.get_by_label("Number of meetings", exact=True).fill(str(MEETINGS))
    fpage.get_by_role("button", name="Schedule", exact=True).click()

    expect(fpage).to_have_url(re.compile(rf"{re.escape(circle_path)}/meetings/\d+$"))
    meeting_url = fpage.url
    expect(fpage.get_by_role("heading", name=f"{CIRCLE_NAME}: meeting", level=1)).to_be_visible()
    expect(fpage.get_by_role("status")).to_contain_text(f"{MEETINGS} meetings scheduled.")
    details = fpage.locator("dl.details")
    expect(details).to_contain_text(london_text)
    expect(details).to_contain_text(f"Part of a repeating series ({MEETINGS} meetings).")
    expect(details).not_to_contain_text("where the meeting is set")  # already in their zone
    expect(fpage.get_by_role("region", name="Answers so far")).to_contain_text("Going: 0")

    # The circle page lists the series week by week, in London time.
    fpage.goto(circle_path)
    upcoming = fpage.get_by_role("region", name="Next meetings").get_by_role("listitem")
    expect(upcoming.first).to_contain_text(london_text)
    expect(upcoming.nth(1)).to_contain_text(
        shown(starts_in_london + timedelta(weeks=1), "Europe/London").split(",")[0]
    )

    # 2. The member finds the meeting on the circle page, in New York time, and says "Going".
    log_in(mpage, MEMBER["email"])
    mpage.goto(circle_path)
    expect(mpage.get_by_text(f"You are {MEMBER_CIRCLE_NAME} in this circle")).to_be_visible()
    next_meetings = mpage.get_by_role("region", name="Next meetings")
    expect(next_meetings).not_to_contain_text("Europe/London")
    next_meetings.get_by_role("link", name=new_york_text, exact=True).click()
    expect(mpage).to_have_url(meeting_url)

    when = mpage.locator("dl.details")
    expect(when).to_contain_text(new_york_text)
    expect(when).to_contain_text("America/New York")
    expect(when).to_contain_text(f"That is {london_text}, where the meeting is set.")
    expect(mpage.get_by_role("region", name="Answers so far")).to_have_count(0)

    answer = mpage.get_by_role("group", name=re.compile(r"^Will you come\?"))
    going = answer.get_by_role("button", name="Going", exact=True)
    expect(going).to_have_attribute("aria-pressed", "false")
    going.click()

    expect(mpage).to_have_url(meeting_url)
    expect(mpage.get_by_role("status")).to_contain_text(
        "Saved: going. Only the facilitators see how many said what."
    )
    going = mpage.get_by_role("button", name="Going", exact=True)
    expect(going).to_have_attribute("aria-pressed", "true")
    expect(mpage.get_by_role("button", name="Maybe", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(mpage.get_by_role("button", name="Not going", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(mpage.get_by_role("group", name=re.compile(r"^Will you come\?"))).to_contain_text(
        "You said: going."
    )
    expect(mpage.locator("dl.details")).to_contain_text(new_york_text)
    mpage.screenshot(path=artifacts_dir / "meeting-page.png", full_page=True)

    # 3. The facilitator sees how many are going, but not who.
    fpage.goto(meeting_url)
    counts = fpage.get_by_role("region", name="Answers so far")
    expect(counts.get_by_role("listitem")).to_have_text(["Going: 1", "Maybe: 0", "Not going: 0"])
    main = fpage.get_by_role("main")
    expect(main).to_contain_text(london_text)
    main_text = main.inner_text()
    for name in (MEMBER_CIRCLE_NAME, MEMBER["name"], MEMBER["email"]):
        assert name not in main_text, f"{name!r} shown on the meeting page"

    # Nothing left the live server.
    for visitor in (facilitator, member):
        assert visitor.requests, f"no requests recorded for the {visitor.label}"
        assert visitor.foreign_requests(live_server) == [], visitor.label
