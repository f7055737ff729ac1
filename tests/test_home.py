"""The home page shows each person the next thing to do: a new facilitator creates a circle; a
facilitator sees, across their circles, the next sessions, open requests for contact (counts,
linked to the inbox) and whether check-in figures are in; a member sees a check-in that is due
and their next meeting with their answer. Nothing on it says more than the pages behind it."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from circles.accounts import services as accounts
from circles.checkins.models import PeriodKind
from circles.db import utcnow
from circles.extensions import db
from circles.groups.models import Circle
from circles.meetings import services as meetings
from circles.meetings.models import Meeting, RsvpAnswer
from circles.meetings.recurrence import Repeat
from circles.meetings.rules import Scope
from circles.orgs.models import Organisation
from circles.safety.models import SupportStatus
from tests.conftest import client_for, login_as

INVITATION_HINT = "When a facilitator sends you an invitation link, open it to join"


def home(app, user) -> str:
    return client_for(app, user).get("/").get_data(as_text=True)


def section(page: str, heading_id: str) -> str:
    """The text of the page's section labelled by this heading."""
    match = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', page, re.S)
    return match.group(0) if match else ""


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_a_facilitator_who_just_signed_up_is_offered_to_create_a_circle(app, make):
    jo = make.create_user("Jo River")
    with app.app_context():
        org = accounts.create_personal_org(db.session.merge(jo))
        db.session.commit()
        org_id = org.id
    page = home(app, jo)
    assert INVITATION_HINT not in page
    nxt = section(page, "next-steps")
    assert f'href="/orgs/{org_id}/circles/new"' in nxt and "Create a circle" in nxt
    assert "You have no circles yet. Create one" in section(page, "your-circles")
    assert "The meetings of the circles you create will appear here." in page
    # The link leads to the circle form of their own practice.
    assert client_for(app, jo).get(f"/orgs/{org_id}/circles/new").status_code == 200


def test_staff_of_several_organisations_choose_where_to_create(app, make):
    ada = make.create_user("Ada")
    harbour = make.create_org("Harbour Practice", owner=ada)
    riverside = make.create_org("Riverside Clinic")
    make.add_staff(riverside, ada)
    make.create_circle(harbour, ada, "Evening circle")
    page = section(home(app, ada), "your-circles")
    assert "Evening circle" in page
    assert f'href="/orgs/{harbour.id}/circles/new">Create a circle in Harbour Practice' in page
    assert f'href="/orgs/{riverside.id}/circles/new">Create a circle in Riverside Clinic' in page


def test_a_person_who_is_not_staff_is_told_how_to_join(app, make):
    sam = make.create_user("Sam")
    page = home(app, sam)
    assert INVITATION_HINT in page
    assert "Create a circle" not in page and "/circles/new" not in page
    assert 'id="next-steps"' not in page  # nothing to do yet, so no empty card


@pytest.fixture
def practice(app, make):
    """Fran facilitates three circles of a practice with k = 3:
    Evening (weekly check-ins, three open requests for contact and one closed),
    Morning (weekly check-ins, figures already in this week) and Sunday (no check-ins)."""
    fran = make.create_user("Fran Facilitator")
    org = make.create_org("Harbour Practice", owner=fran)
    with app.app_context():
        db.session.get(Organisation, org.id).anonymity_k = 3
        db.session.commit()
    evening = make.create_circle(org, fran, "Evening circle")
    morning = make.create_circle(org, fran, "Morning circle")
    sunday = make.create_circle(org, fran, "Sunday circle")
    members = [make.create_user(f"Member {n}") for n in range(4)]
    for n, person in enumerate(members):
        make.add_member(evening, person, f"Eve {n}")
        make.add_member(morning, person, f"Morn {n}")
    make.set_up_checkins(evening)
    make.set_up_checkins(morning)
    for person in members[:3]:
        make.check_in(morning, person)
    asked = [
        make.support_request(evening, person, f"Private words {n}")
        for n, person in enumerate(members[:4])
    ]
    make.set_support_status(asked[1], SupportStatus.ACKNOWLEDGED)
    make.set_support_status(asked[2], SupportStatus.CLOSED)
    soon = make.meeting(evening, fran)
    make.answer(soon, members[0], RsvpAnswer.GOING)
    make.answer(soon, members[1], RsvpAnswer.MAYBE)
    return {
        "fran": fran,
        "org": org,
        "evening": evening,
        "morning": morning,
        "sunday": sunday,
        "members": members,
        "soon": soon,
    }


def tile(page: str, name: str) -> str:
    """The text of one circle's tile under "Your circles"."""
    tiles = section(page, "your-circles").split('<li class="tile">')[1:]
    (found,) = [t for t in tiles if f">{name}</a>" in t]
    return text_of(found)


def test_a_facilitator_sees_open_requests_per_circle_never_their_content(app, practice):
    page = home(app, practice["fran"])
    evening = practice["evening"].id
    nxt = section(page, "next-steps")
    assert f'href="/circles/{evening}/support">Evening circle: 3 open requests for contact' in nxt
    assert "2 not looked at yet" in text_of(nxt)
    assert "3 open requests for contact (2 new)" in tile(page, "Evening circle")
    assert "No open requests for contact" in tile(page, "Morning circle")
    assert "Private words" not in page and "Eve 0" not in page


def test_a_facilitator_sees_whether_check_in_figures_are_in(app, practice):
    page = home(app, practice["fran"])
    assert "Check-ins: not enough yet for this week's figures; they appear when 3 are in." in tile(
        page, "Evening circle"
    )
    assert "Check-in figures for this week are in" in tile(page, "Morning circle")
    assert f'href="/circles/{practice["morning"].id}/checkins/report"' in page
    assert "Turn on check-ins" in tile(page, "Sunday circle")
    assert f'href="/circles/{practice["sunday"].id}/checkins/setup"' in page


def test_the_home_page_never_tells_how_many_check_ins_wait(app, make, practice):
    """Like the report, the home page reads the same with none or k - 1 check-ins waiting."""
    before = section(home(app, practice["fran"]), "your-circles")
    for person in practice["members"][:2]:
        make.check_in(practice["evening"], person)
    assert section(home(app, practice["fran"]), "your-circles") == before
    make.check_in(practice["evening"], practice["members"][2])
    after = tile(home(app, practice["fran"]), "Evening circle")
    assert "Check-in figures for this week are in" in after


def test_a_facilitator_sees_the_next_sessions_with_answers_counted(app, practice):
    page = home(app, practice["fran"])
    nxt = text_of(section(page, "next-steps"))
    assert "Next session:" in nxt and "Evening circle" in nxt
    assert "Going 1 · Maybe 1 · Not going 0" in nxt
    meetings = section(page, "next-meetings")
    assert meetings.count('<li class="meeting') == 1
    assert "Going 1 · Maybe 1 · Not going 0" in meetings


def test_a_facilitator_without_meetings_is_pointed_to_scheduling(app, make):
    fran = make.create_user("Fran")
    org = make.create_org(owner=fran)
    circle = make.create_circle(org, fran, "Evening circle")
    page = section(home(app, fran), "next-meetings")
    assert "No meetings coming up. Schedule the next one for" in page
    assert f'href="/circles/{circle.id}/meetings/new">Evening circle</a>' in page


def test_members_see_nothing_of_the_circles_requests_or_figures(app, practice):
    member = practice["members"][3]  # asked for contact themselves
    page = home(app, member)
    assert "request" not in text_of(section(page, "next-steps")).lower()
    assert "Check-in figures" not in page and "they appear when" not in page
    assert "/support" not in page and "/checkins/report" not in page


def test_a_member_is_asked_to_check_in_until_they_have(app, make, practice):
    member = practice["members"][3]
    nxt = section(home(app, member), "next-steps")
    for name, key in (("Evening circle", "evening"), ("Morning circle", "morning")):
        assert f'href="/circles/{practice[key].id}/checkin">Check in for {name}</a>' in nxt
    make.check_in(practice["morning"], member)
    nxt = section(home(app, member), "next-steps")
    assert "Check in for Evening circle" in nxt and "Check in for Morning circle" not in nxt
    # Members who already checked in this week are not asked again.
    assert "Check in for Morning circle" not in home(app, practice["members"][0])


def test_a_check_in_after_each_meeting_is_due_once_a_meeting_began(app, make):
    fran = make.create_user("Fran")
    org = make.create_org(owner=fran)
    circle = make.create_circle(org, fran, "Evening circle")
    make.set_up_checkins(circle, PeriodKind.MEETING)
    sam = make.create_user("Sam")
    make.add_member(circle, sam, "Sam")
    make.meeting(circle, fran)  # in three days
    assert "Check in for" not in home(app, sam)
    assert "Check-ins open after the first meeting" in tile(home(app, fran), "Evening circle")
    began = make.meeting(circle, fran)
    with app.app_context():  # as if scheduled last week: it began two hours ago
        row = db.session.get(Meeting, began.id)
        row.starts_at, row.ends_at = utcnow() - timedelta(hours=2), utcnow() - timedelta(hours=1)
        db.session.commit()
    assert "Check in for Evening circle" in home(app, sam)
    assert "not enough yet for the last meeting's figures" in tile(
        home(app, fran), "Evening circle"
    )


def test_a_member_sees_their_next_meeting_and_what_they_answered(app, make, practice):
    member = practice["members"][2]
    url = f"/circles/{practice['evening'].id}/meetings/{practice['soon'].id}"
    nxt = section(home(app, member), "next-steps")
    assert "Your next meeting:" in nxt and f'href="{url}"' in nxt
    assert "Will you come?" in nxt and 'name="back" value="home"' in nxt
    assert "You said" not in nxt
    assert "Going 1" not in nxt  # counts are for facilitators
    answered = client_for(app, member).post(
        url + "/rsvp", data={"answer": "not_going", "back": "home"}
    )
    assert answered.status_code == 302 and answered.headers["Location"] == "/#next-steps"
    nxt = text_of(section(home(app, member), "next-steps"))
    assert "You said: not going." in nxt


def test_a_cancelled_meeting_is_not_the_next_thing_to_do(app, make, practice):
    with app.app_context():
        meetings.cancel_meeting(db.session.get(Meeting, practice["soon"].id), Scope.THIS)
        db.session.commit()
    page = home(app, practice["members"][0])
    assert "Your next meeting" not in page
    assert "Cancelled" in section(page, "next-meetings")


def test_archived_circles_ask_for_nothing(app, make, practice):
    with app.app_context():
        db.session.get(Circle, practice["evening"].id).archived_at = utcnow()
        db.session.commit()
    member_page = home(app, practice["members"][3])
    assert "Check in for Evening circle" not in member_page
    fran_page = home(app, practice["fran"])
    assert "Evening circle: 3 open" not in fran_page
    assert "archived" in tile(fran_page, "Evening circle")


def test_the_home_page_runs_the_same_few_queries_for_one_circle_or_six(app, make, count_queries):
    fran = make.create_user("Fran")
    org = make.create_org(owner=fran)
    sam = make.create_user("Sam")

    def grow(n):
        for _ in range(n):
            circle = make.create_circle(org, fran)
            make.set_up_checkins(circle)
            make.add_member(circle, sam)
            others = [make.create_user() for _ in range(n)]
            for other in others:
                make.add_member(circle, other)
                make.support_request(circle, other)
            make.check_in(circle, others[0])
            for meeting in make.schedule(circle, fran, repeat=Repeat.WEEKLY, count=n).meetings:
                make.answer(meeting, sam, RsvpAnswer.GOING)

    def measure():
        counts = []
        for who in (fran, sam):
            client = app.test_client()
            with app.app_context():
                login_as(client, who.id)
            with count_queries() as counter:
                assert client.get("/").status_code == 200
            counts.append(counter.count)
        return counts

    grow(1)
    small = measure()
    grow(6)
    assert measure() == small
    # The login, the circles, the organisations, meetings, live rooms, and the person's own
    # commitments (those made in live sessions, and their follow-ups).
    assert max(small) <= 7
