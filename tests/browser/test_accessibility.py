"""axe-core finds no serious or critical WCAG 2.2 AA violation on the main pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import axe_playwright_python
import pyotp
import pytest
from flask import Flask

from circles.meetings.recurrence import Repeat
from tests.browser.conftest import Visitor, log_in
from tests.browser.test_live_room import LAPTOP, PHONE, answer_text, open_room, share
from tests.factories import PASSWORD

AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
LIVE_PROMPT = "What are you carrying into this week?"


def serious_violations(visitor: Visitor) -> list[str]:
    page = visitor.page
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    assert results["passes"], "axe did not run on the page"
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.mark.browser
def test_main_pages_have_no_serious_accessibility_violations(
    make, new_visitor: Callable[..., Visitor]
) -> None:
    facilitator = make.create_user("Fran Facilitator", email="fran@example.org")
    org = make.create_org("Harbour Practice", owner=facilitator)
    circle = make.create_circle(org, facilitator, "Evening circle")
    member = make.create_user("Sam Member", email="sam@example.org", timezone="America/New_York")
    make.add_member(circle, member, "Sam")
    _, token = make.create_circle_invite(circle, facilitator)
    make.create_staff_invite(org, facilitator)
    # A weekly series (so edit and cancel offer the whole series), and a session of the member's
    # whose integration window holds the first meeting.
    series = make.schedule(circle, facilitator, repeat=Repeat.WEEKLY, count=3)
    first = series.meetings[0]
    dosing = make.dosing_session(member, first.starts_at - timedelta(hours=48))
    make.journal_entry(member, "The sea, again.")
    make.shared_note(member, circle, "Could we talk about the sea?")
    make.own_commitment(member, "Walk on Sunday")
    meeting_path = f"/circles/{circle.id}/meetings/{first.id}"
    make.plan_step(first)
    make.saved_prompt(circle, facilitator, whole_org=True)
    make.set_up_checkins(circle)
    make.check_in(circle, member, 3)
    make.support_request(circle, member, "Could we talk this week?")

    found: list[str] = []
    visitor = new_visitor("anonymous")
    for path in (
        "/",
        "/login",
        "/signup",
        "/signup/check-your-inbox",
        "/password/forgot",
        "/help",
        "/grounding",
        "/offline",
    ):
        visitor.page.goto(path)
        found += serious_violations(visitor)
    # A form re-rendered with errors must stay accessible too.
    visitor.page.goto("/signup")
    visitor.page.get_by_role("button", name="Create account").click()
    found += serious_violations(visitor)

    staff = new_visitor("facilitator")
    log_in(staff.page, "fran@example.org")
    for path in (
        "/",
        f"/circles/{circle.id}",
        f"/circles/{circle.id}/roster",
        f"/circles/{circle.id}/invitations",
        f"/circles/{circle.id}/edit",
        f"/orgs/{org.id}",
        f"/orgs/{org.id}/settings",
        f"/orgs/{org.id}/team",
        f"/orgs/{org.id}/audit",
        f"/orgs/{org.id}/circles/new",
        f"/circles/{circle.id}/meetings",
        f"/circles/{circle.id}/meetings/new",
        meeting_path,
        f"{meeting_path}/edit",
        f"{meeting_path}/cancel",
        f"{meeting_path}/plan",
        f"/circles/{circle.id}/prompts",
        "/schedule",
        "/account",
        "/account/password",
        "/account/data",
        "/account/delete",  # the only facilitator of a circle: hand it over first
        f"/circles/{circle.id}/checkins/setup",
        f"/circles/{circle.id}/checkins/report",
        f"/orgs/{org.id}/checkins/report",
        f"/circles/{circle.id}/support",
        f"/circles/{circle.id}/shared-notes",
        "/no-such-page",
    ):
        staff.page.goto(path)
        found += serious_violations(staff)
    # The schedule form sent without a date or time, with its errors shown.
    staff.page.goto(f"/circles/{circle.id}/meetings/new")
    staff.page.get_by_role("button", name="Schedule", exact=True).click()
    staff.page.get_by_role("alert").wait_for()
    found += serious_violations(staff)
    # The calendar page with a private link made.
    staff.page.goto("/calendar")
    staff.page.get_by_role("button", name="Make my calendar link").click()
    staff.page.get_by_label("Your private calendar link").wait_for()
    found += serious_violations(staff)

    person = new_visitor("member")
    log_in(person.page, "sam@example.org")
    for path in (
        "/",
        f"/circles/{circle.id}",
        f"/circles/{circle.id}/roster",
        f"/circles/{circle.id}/meetings",
        meeting_path,
        "/schedule",
        "/integration",
        f"/integration/{dosing.id}/plan",
        "/journal",
        "/journal/new?prompt=inner-critic",
        "/commitments",
        f"/circles/{circle.id}/checkin",
        f"/circles/{circle.id}/checkin/history",
        "/account/data",
        "/account/delete",
    ):
        person.page.goto(path)
        found += serious_violations(person)
    # Deleting the account without the password: refused, with the errors shown.
    person.page.get_by_role("button", name="Delete my account").click()
    person.page.get_by_role("alert").wait_for()
    found += serious_violations(person)

    # The live room, once a prompt is shared: the facilitator's console and the member's answer
    # form; then again with the answers revealed, a timer running and a talking round.
    live = make.live_session(circle, facilitator)
    room_path = f"/circles/{circle.id}/live/{live.id}"
    staff.page.goto(room_path)
    staff.page.get_by_role("status").filter(has_text="You are in").wait_for()
    staff.page.get_by_role("textbox", name="Prompt", exact=True).fill(LIVE_PROMPT)
    staff.page.get_by_role("button", name="Share prompt").click()
    staff.page.get_by_role("region", name="Prompt").get_by_text(LIVE_PROMPT).wait_for()
    person.page.goto(f"/circles/{circle.id}")  # with "Live now"
    found += serious_violations(person)
    person.page.get_by_role("link", name="Join the live room").click()
    person.page.get_by_label("Your answer", exact=True).wait_for()
    found += serious_violations(person)
    staff.page.get_by_role("button", name="Remove Sam from this session").wait_for()
    found += serious_violations(staff)

    person.page.get_by_label("Your answer", exact=True).fill("Some calm, some nerves.")
    person.page.get_by_role("button", name="Share my answer").click()
    person.page.get_by_text("Your answer is in.").wait_for()
    staff.page.get_by_role("button", name="Reveal answers").click()
    staff.page.get_by_role("button", name="Start timer").click()
    staff.page.get_by_role("button", name="Start a round").click()
    person.page.get_by_text("Sam (speaking now)", exact=True).wait_for()
    person.page.locator("#timer").wait_for()
    person.page.get_by_role("button", name="Raise hand").click()
    staff.page.get_by_text("hand raised").wait_for()
    found += serious_violations(person)
    found += serious_violations(staff)

    newcomer = new_visitor("newcomer")
    make.create_user("Nia New", email="nia@example.org")
    log_in(newcomer.page, "nia@example.org")
    newcomer.page.goto(f"/join/{token}")
    found += serious_violations(newcomer)

    assert found == []


@pytest.mark.browser
def test_two_step_sign_in_pages_have_no_serious_accessibility_violations(
    make, new_visitor: Callable[..., Visitor]
) -> None:
    owner = make.create_user("Tess Owner", email="tess@example.org")
    make.create_org("Harbour Practice", owner=owner)
    found: list[str] = []
    person = new_visitor("owner")
    page = person.page
    log_in(page, "tess@example.org")

    page.goto("/account/two-step")
    found += serious_violations(person)
    page.get_by_role("button", name="Set up two-step sign-in").click()
    page.get_by_role("img", name="QR code for your authenticator app").wait_for()
    found += serious_violations(person)
    secret = page.locator(".secret code").inner_text().replace(" ", "")
    code = page.get_by_label("Code from your app")
    code.fill("000000")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    page.get_by_role("alert").wait_for()
    found += serious_violations(person)  # the set-up with its error shown
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    page.get_by_role("heading", name="Two-step sign-in is on").wait_for()
    found += serious_violations(person)  # the recovery codes
    page.get_by_role("link", name="I have saved them").click()
    page.get_by_role("button", name="Move to a new phone").click()
    page.get_by_role("alert").first.wait_for()
    found += serious_violations(person)  # the overview with it on, a form in error

    page.get_by_role("button", name="Log out").click()
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill("tess@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Enter your code").wait_for()
    found += serious_violations(person)
    page.get_by_label("6-digit code").fill("000000")
    page.get_by_role("button", name="Log in", exact=True).click()
    page.get_by_role("alert").wait_for()
    page.get_by_text("No phone to hand? Use a recovery code").click()
    found += serious_violations(person)  # the code step in error, recovery codes open

    assert found == []


@pytest.mark.browser
def test_live_room_states_and_presenter_view_have_no_serious_accessibility_violations(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    """The console beside the room, the new kinds of answer, changing an answer, charts, the
    word cloud, the breathing pacer, reactions, a closed prompt and the presenter view."""
    plan: tuple[dict[str, object], ...] = ({"kind": "text", "text": "What did you bring?"},)
    room = open_room(
        app,
        make,
        new_visitor,
        ("Mo", "Nic"),
        plan=plan,
        video_url="https://meet.example.org/circle",
        facilitator_options={"viewport": LAPTOP},
        member_options={"viewport": PHONE},
    )
    fpage, mopage, nicpage = room.facilitator, room.members["Mo"], room.members["Nic"]
    staff, mo = Visitor("facilitator", fpage.context, fpage), Visitor("mo", mopage.context, mopage)
    found: list[str] = []
    with fpage.context.expect_page() as opened:
        fpage.get_by_role("link", name="Open presenter view").click()
    screen = Visitor("screen", fpage.context, opened.value)
    screen.page.get_by_role("status").filter(has_text="Showing the live room").wait_for()
    found += serious_violations(screen)  # waiting for a prompt

    share(fpage, "How rested are you?", "scale")
    mopage.get_by_role("radio", name="7", exact=True).check()
    found += serious_violations(mo)  # the scale's chips, one chosen
    mopage.get_by_role("button", name="Share my answer").click()
    mopage.get_by_role("button", name="Change my answer").wait_for()
    found += serious_violations(mo)  # answered, may change
    nicpage.get_by_role("radio", name="3", exact=True).check()
    nicpage.get_by_role("button", name="Share my answer").click()
    nicpage.get_by_text("Your answer is in.").wait_for()
    mopage.get_by_role("button", name="Thanks").click()
    fpage.keyboard.press("?")
    fpage.keyboard.press("r")
    fpage.locator("#revealed .chart-columns").wait_for()
    fpage.locator("#revealed details summary").click()
    fpage.locator("#presence-log").get_by_text("Nic joined", exact=False).wait_for()
    found += serious_violations(staff)  # console, chart, answers listed, shortcuts, log
    mopage.locator("#revealed .chart-columns").wait_for()
    found += serious_violations(mo)
    screen.page.locator("#present-results .chart-columns").wait_for()
    found += serious_violations(screen)

    share(fpage, "What helped?", "pick", options=("Sleep", "Nature", "Music"), max_picks=2)
    mopage.get_by_role("checkbox", name="Nature").check()
    mopage.get_by_role("checkbox", name="Music").check()
    found += serious_violations(mo)  # the limit reached, the rest disabled

    share(fpage, "One word for tonight?", "word")
    mopage.get_by_label("Your word").fill("hope")
    found += serious_violations(mo)
    mopage.get_by_role("button", name="Share my answer").click()
    mopage.get_by_text("Your answer is in.").wait_for()
    nicpage.get_by_label("Your word").fill("rest")
    nicpage.get_by_role("button", name="Share my answer").click()
    nicpage.get_by_text("Your answer is in.").wait_for()
    fpage.get_by_role("button", name="Reveal answers").click()
    mopage.locator("#revealed .word-cloud").wait_for()
    fpage.locator("summary", has_text="Breathe together").click()
    fpage.get_by_role("button", name="Breathe together").click()
    mopage.locator("#pacer-phase").filter(has_text="Breathe").wait_for()
    found += serious_violations(mo)  # word cloud and pacer
    found += serious_violations(staff)
    screen.page.locator("#present-results .word-cloud").wait_for()
    screen.page.locator("#pacer-phase").filter(has_text="Breathe").wait_for()
    found += serious_violations(screen)

    share(fpage, "Something you noticed", anonymous=False)
    answer_text(mopage, "The light")
    fpage.get_by_role("button", name="Reveal answers").click()
    screen.page.get_by_text("The light").wait_for()
    found += serious_violations(screen)  # text answers, large
    fpage.get_by_role("button", name="Close prompt").click()
    mopage.get_by_role("region", name="Prompt").get_by_text("Closed", exact=True).wait_for()
    found += serious_violations(mo)

    assert found == []


@pytest.mark.browser
def test_pages_with_tables_never_scroll_sideways_on_a_phone(
    make, new_visitor: Callable[..., Visitor]
) -> None:
    """At 390 px a wide table scrolls inside its own region (named, reachable by keyboard); the
    page itself reflows (WCAG 1.4.10)."""
    facilitator = make.create_user("Fran Facilitator", email="fran@example.org")
    org = make.create_org("Harbour Practice", owner=facilitator)
    circle = make.create_circle(org, facilitator, "Evening circle")
    member = make.create_user("Sam Member", email="sam@example.org")
    make.add_member(circle, member, "Sam")
    make.create_staff_invite(org, facilitator)
    make.create_circle_invite(circle, facilitator)
    make.set_up_checkins(circle)
    make.check_in(circle, member, 3)
    make.schedule(circle, facilitator)

    staff = new_visitor("facilitator", viewport=PHONE)
    log_in(staff.page, "fran@example.org")
    sideways = {}
    for path in (
        f"/orgs/{org.id}/team",
        f"/orgs/{org.id}/audit",
        f"/orgs/{org.id}/checkins/report",
        f"/circles/{circle.id}/roster",
        f"/circles/{circle.id}/invitations",
        f"/circles/{circle.id}/checkins/report",
        f"/circles/{circle.id}/checkins/setup",
        "/schedule",
    ):
        staff.page.goto(path)
        sideways[path] = staff.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        for region in staff.page.locator(".table-scroll").all():
            assert region.get_attribute("tabindex") == "0" and region.get_attribute("aria-label")
    assert sideways == dict.fromkeys(sideways, 0)


@pytest.mark.browser
def test_phone_pages_in_an_organisations_accent_have_no_serious_accessibility_violations(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    """At 390 px, with an organisation's own accent colour: stacked tables, the folded header
    (closed and open), the settings form refusing a colour too pale to read."""
    from circles.extensions import db
    from circles.orgs.models import Organisation

    facilitator = make.create_user("Fran Facilitator", email="fran@example.org")
    org = make.create_org("Harbour Practice", owner=facilitator)
    circle = make.create_circle(org, facilitator, "Evening circle")
    member = make.create_user("Sam Member", email="sam@example.org")
    make.add_member(circle, member, "Sam")
    make.create_circle_invite(circle, facilitator)
    make.create_staff_invite(org, facilitator)
    series = make.schedule(circle, facilitator, repeat=Repeat.WEEKLY, count=2)
    meeting_path = f"/circles/{circle.id}/meetings/{series.meetings[0].id}"
    make.set_up_checkins(circle)
    make.check_in(circle, member, 3)
    with app.app_context():
        db.session.get(Organisation, org.id).accent_colour = "#8a2be2"
        db.session.commit()

    found: list[str] = []
    staff = new_visitor("facilitator", viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(staff.page, "fran@example.org")
    for path in (
        f"/orgs/{org.id}",
        f"/orgs/{org.id}/team",
        f"/orgs/{org.id}/audit",
        f"/orgs/{org.id}/settings",
        f"/circles/{circle.id}",
        f"/circles/{circle.id}/roster",
        f"/circles/{circle.id}/invitations",
        f"/circles/{circle.id}/meetings/new",
        meeting_path,
        f"/circles/{circle.id}/checkins/report",
        "/schedule",
    ):
        staff.page.goto(path)
        found += serious_violations(staff)
    assert (
        staff.page.evaluate(
            "() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
        )
        == "#2f5d50"
    )  # the schedule spans organisations: Circles' own colour
    staff.page.goto(f"/orgs/{org.id}/settings")
    staff.page.get_by_label("Accent colour", exact=True).fill("#ffd700")
    staff.page.get_by_role("button", name="Save settings").click()
    staff.page.get_by_role("alert").wait_for()
    found += serious_violations(staff)
    staff.page.locator(".site-menu > summary").click()
    staff.page.get_by_role("link", name="Your account").wait_for()
    found += serious_violations(staff)

    person = new_visitor("member", viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(person.page, "sam@example.org")
    for path in (f"/circles/{circle.id}", meeting_path, f"/circles/{circle.id}/checkin/history"):
        person.page.goto(path)
        found += serious_violations(person)
    assert (
        person.page.evaluate(
            "() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
        )
        == "#8a2be2"
    )

    assert found == []
