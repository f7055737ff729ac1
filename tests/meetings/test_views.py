"""Meeting pages as people use them: scheduling, times in each person's zone, RSVP, changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from circles.extensions import db
from circles.meetings.models import Meeting, MeetingSeries, Rsvp, RsvpAnswer
from circles.meetings.recurrence import Repeat
from circles.orgs.models import OrgRole
from tests.conftest import client_for


@pytest.fixture
def circle(make):
    """Fran (London) facilitates; Mo (New York) and Nic (Kolkata) are members."""
    fran = make.create_user("Fran Facilitator", timezone="Europe/London")
    org = make.create_org(owner=fran)
    c = make.create_circle(org, fran, "Thursday circle")
    mo = make.create_user("Mo Member", timezone="America/New_York")
    nic = make.create_user("Nic Member", timezone="Asia/Kolkata")
    make.add_member(c, mo, "Mo")
    make.add_member(c, nic, "Nic")
    return {"circle": c, "org": org, "fran": fran, "mo": mo, "nic": nic}


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def in_days(n):
    return (datetime.now(UTC) + timedelta(days=n)).date()


def form(**changes):
    data = {
        "date": in_days(10).isoformat(),
        "start_time": "19:00",
        "timezone": "Europe/London",
        "duration": "90",
        "repeat": "weekly",
        "ends": "count",
        "count": "6",
        "until": "",
        "video_url": "https://meet.example.org/thursday",
        "agenda": "Grounding, a shared prompt, a talking round.",
    }
    data.update(changes)
    return data


def meetings_of(app, circle_id):
    with app.app_context():
        return db.session.scalars(
            select(Meeting).where(Meeting.circle_id == circle_id).order_by(Meeting.starts_at)
        ).all()


def test_a_facilitator_schedules_a_weekly_series(app, circle):
    fran = client_for(app, circle["fran"])
    response = fran.post(f"/circles/{circle['circle'].id}/meetings/new", data=form())
    assert response.status_code == 302
    meetings = meetings_of(app, circle["circle"].id)
    assert len(meetings) == 6
    assert response.headers["Location"].endswith(
        f"/circles/{circle['circle'].id}/meetings/{meetings[0].id}"
    )
    london = [m.starts_at.astimezone(ZoneInfo("Europe/London")) for m in meetings]
    assert {(t.hour, t.minute, t.weekday()) for t in london} == {(19, 0, in_days(10).weekday())}
    page = fran.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "6 meetings scheduled." in page
    assert "19:00\u201320:30 (Europe/London)" in page


def test_a_one_off_meeting_and_a_series_ending_on_a_date(app, circle):
    fran = client_for(app, circle["fran"])
    url = f"/circles/{circle['circle'].id}/meetings/new"
    assert fran.post(url, data=form(repeat="none", count="")).status_code == 302
    assert len(meetings_of(app, circle["circle"].id)) == 1
    until = (in_days(10) + timedelta(days=28)).isoformat()
    response = fran.post(url, data=form(repeat="fortnightly", ends="until", until=until))
    assert response.status_code == 302
    assert len(meetings_of(app, circle["circle"].id)) == 1 + 3  # days 0, 14 and 28


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends": "until", "until": in_days(3).isoformat()}, "cannot end before its first meeting"),
        ({"duration": "0"}, "A meeting lasts from 1 to 480 minutes."),
        ({"duration": ""}, "Enter how long the meeting lasts"),
        ({"date": in_days(-2).isoformat()}, "Choose a date and time in the future"),
        ({"date": "31/02/2027"}, "Not a valid date value."),
        ({"date": ""}, "Enter a date."),
        ({"start_time": "25:00"}, "Not a valid time value."),
        ({"video_url": "http://meet.example.org/thursday"}, "full https:// address"),
        ({"video_url": "javascript:alert(1)"}, "full https:// address"),
        ({"timezone": "Mars/Olympus_Mons"}, "Choose a time zone from the list."),
        ({"count": ""}, "Enter how many meetings the series has."),
        ({"count": "500"}, "Choose from 1 to 104 meetings."),
        ({"ends": "until", "until": ""}, "Enter the last date of the series."),
    ],
)
def test_bad_schedules_get_a_clear_error_keep_the_input_and_save_nothing(
    app, circle, changes, message
):
    fran = client_for(app, circle["fran"])
    data = form(agenda="Please keep this text", **changes)
    response = fran.post(f"/circles/{circle['circle'].id}/meetings/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "Please keep this text" in page
    assert count(app, MeetingSeries) == count(app, Meeting) == 0


def schedule(make, circle, **kwargs):
    return make.schedule(circle["circle"], circle["fran"], **kwargs)


def test_each_person_sees_the_time_in_their_own_zone_with_the_zone_named(app, make, circle):
    first = datetime.combine(in_days(10), datetime.min.time()).replace(hour=19)
    series = schedule(make, circle, first=first, timezone="Europe/London")
    meeting = series.meetings[0]
    url = f"/circles/{circle['circle'].id}/meetings/{meeting.id}"
    for who, zone in (("mo", "America/New_York"), ("nic", "Asia/Kolkata")):
        local = meeting.starts_at.astimezone(ZoneInfo(zone))
        page = client_for(app, circle[who]).get(url).get_data(as_text=True)
        assert f"{local:%A, %-d %B %Y, %H:%M}" in page
        assert f"({zone.replace('_', ' ')})" in page
        # ... and where the meeting is set, for anyone in another zone.
        assert "19:00\u201320:30 (Europe/London), where the meeting is set" in page


def test_members_answer_privately_and_facilitators_see_only_counts(app, make, circle):
    meeting = schedule(make, circle).meetings[0]
    url = f"/circles/{circle['circle'].id}/meetings/{meeting.id}"
    mo, nic, fran = (client_for(app, circle[n]) for n in ("mo", "nic", "fran"))

    response = mo.post(url + "/rsvp", data={"answer": "going"}, follow_redirects=True)
    assert "Saved: going." in response.get_data(as_text=True)
    assert 'value="going" class="" aria-pressed="true"' in response.get_data(as_text=True)
    nic.post(url + "/rsvp", data={"answer": "maybe"})
    mo.post(url + "/rsvp", data={"answer": "not_going"})

    with app.app_context():
        answers = db.session.execute(select(Rsvp.user_id, Rsvp.answer)).all()
    assert sorted(answers) == sorted(
        [(circle["mo"].id, RsvpAnswer.NOT_GOING), (circle["nic"].id, RsvpAnswer.MAYBE)]
    )

    nic_page = nic.get(url).get_data(as_text=True)
    assert "You said: maybe." in nic_page
    assert "Answers so far" not in nic_page and "Not going: " not in nic_page

    fran_page = fran.get(url).get_data(as_text=True)
    assert "Going: 0" in fran_page and "Maybe: 1" in fran_page and "Not going: 1" in fran_page
    assert "Mo" not in fran_page.split("Answers so far")[1].split("</section>")[0]


def test_a_bad_answer_is_refused_and_nothing_is_saved(app, make, circle):
    meeting = schedule(make, circle).meetings[0]
    mo = client_for(app, circle["mo"])
    url = f"/circles/{circle['circle'].id}/meetings/{meeting.id}"
    response = mo.post(url + "/rsvp", data={"answer": "definitely"}, follow_redirects=True)
    assert "Choose going, maybe or not going." in response.get_data(as_text=True)
    assert count(app, Rsvp) == 0


def test_an_org_admin_outside_the_circle_cannot_answer(app, make, circle):
    admin = make.create_user("Ada Admin")
    make.add_staff(circle["org"], admin, role=OrgRole.ADMIN)
    meeting = schedule(make, circle).meetings[0]
    url = f"/circles/{circle['circle'].id}/meetings/{meeting.id}"
    response = client_for(app, admin).post(
        url + "/rsvp", data={"answer": "going"}, follow_redirects=True
    )
    assert "Only people in the circle answer" in response.get_data(as_text=True)
    assert count(app, Rsvp) == 0


def test_a_cancelled_meeting_is_shown_as_cancelled_not_removed(app, make, circle):
    series = schedule(make, circle, repeat=Repeat.WEEKLY, count=3)
    second = series.meetings[1]
    fran = client_for(app, circle["fran"])
    base = f"/circles/{circle['circle'].id}/meetings/{second.id}"
    assert "Only this meeting" in fran.get(base + "/cancel").get_data(as_text=True)
    assert fran.post(base + "/cancel", data={"scope": "this"}).status_code == 302

    mo = client_for(app, circle["mo"])
    circle_page = mo.get(f"/circles/{circle['circle'].id}").get_data(as_text=True)
    assert circle_page.count('<li class="meeting') == 3
    assert circle_page.count("badge-cancelled") == 1
    meeting_page = mo.get(base).get_data(as_text=True)
    assert "This meeting is cancelled." in meeting_page
    assert "Will you come?" not in meeting_page
    assert len([m for m in meetings_of(app, circle["circle"].id) if m.cancelled]) == 1

    assert fran.post(base + "/restore").status_code == 302
    assert not any(m.cancelled for m in meetings_of(app, circle["circle"].id))


def test_cancel_without_a_choice_is_refused(app, make, circle):
    meeting = schedule(make, circle).meetings[0]
    fran = client_for(app, circle["fran"])
    url = f"/circles/{circle['circle'].id}/meetings/{meeting.id}/cancel"
    response = fran.post(url, data={})
    assert response.status_code == 400
    assert "Choose which meetings to cancel." in response.get_data(as_text=True)
    assert not meetings_of(app, circle["circle"].id)[0].cancelled


def test_editing_one_meeting_of_a_series_through_the_form(app, make, circle):
    first = datetime.combine(in_days(10), datetime.min.time()).replace(hour=19)
    series = schedule(
        make, circle, first=first, repeat=Repeat.WEEKLY, count=3, timezone="Europe/London"
    )
    second = series.meetings[1]
    fran = client_for(app, circle["fran"])
    url = f"/circles/{circle['circle'].id}/meetings/{second.id}/edit"
    page = fran.get(url).get_data(as_text=True)
    assert 'value="19:00"' in page and "Every upcoming meeting of the series" in page
    new_day = (in_days(10) + timedelta(days=8)).isoformat()
    data = {
        "date": new_day,
        "start_time": "18:15",
        "duration": "60",
        "video_url": "",
        "agenda": "A quieter week",
        "scope": "this",
    }
    response = fran.post(url, data=data, follow_redirects=True)
    assert "Meeting updated." in response.get_data(as_text=True)
    after = meetings_of(app, circle["circle"].id)
    london = [m.starts_at.astimezone(ZoneInfo("Europe/London")).strftime("%H:%M") for m in after]
    assert london == ["19:00", "18:15", "19:00"]
    assert after[1].agenda == "A quieter week" and after[1].video_url == ""


def test_a_bad_edit_is_refused_and_changes_nothing(app, make, circle):
    meeting = schedule(make, circle).meetings[0]
    fran = client_for(app, circle["fran"])
    url = f"/circles/{circle['circle'].id}/meetings/{meeting.id}/edit"
    data = {
        "date": in_days(-1).isoformat(),
        "start_time": "18:00",
        "duration": "60",
        "video_url": "",
        "agenda": "New agenda text",
        "scope": "this",
    }
    response = fran.post(url, data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose a date and time in the future." in page and "New agenda text" in page
    stored = meetings_of(app, circle["circle"].id)[0]
    assert (stored.starts_at, stored.agenda, stored.sequence) == (meeting.starts_at, "", 0)


def test_members_see_upcoming_meetings_on_home_and_circle_pages(app, make, circle):
    schedule(make, circle, repeat=Repeat.WEEKLY, count=2)
    mo = client_for(app, circle["mo"])
    home = mo.get("/").get_data(as_text=True)
    assert home.count('<li class="meeting') == 2 and "Thursday circle" in home
    page = mo.get(f"/circles/{circle['circle'].id}").get_data(as_text=True)
    assert page.count('<li class="meeting') == 2
    assert "Schedule a meeting" not in page


def test_the_schedule_view_lists_every_circle_a_facilitator_runs_with_counts(app, make, circle):
    other = make.create_circle(circle["org"], circle["fran"], "Monday circle")
    schedule(make, circle, repeat=Repeat.WEEKLY, count=2)
    make.schedule(other, circle["fran"])
    far = datetime.now(UTC).replace(tzinfo=None) + timedelta(weeks=12)
    make.schedule(other, circle["fran"], first=far)  # beyond the eight weeks shown
    page = client_for(app, circle["fran"]).get("/schedule").get_data(as_text=True)
    assert page.count("<tr") == 1 + 3
    assert "Thursday circle" in page and "Monday circle" in page
    assert page.count("Going 0 · Maybe 0 · Not going 0") == 3


def test_a_meeting_downloads_as_an_ics_file(app, make, circle):
    meeting = schedule(make, circle).meetings[0]
    response = client_for(app, circle["mo"]).get(
        f"/circles/{circle['circle'].id}/meetings/{meeting.id}/meeting.ics"
    )
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"] == 'attachment; filename="meeting.ics"'
    assert f"UID:{meeting.uid}" in response.get_data(as_text=True)


def test_meeting_pages_of_another_circle_are_not_found(app, make, circle):
    other = make.create_circle(circle["org"], circle["fran"], "Other")
    meeting = make.schedule(other, circle["fran"]).meetings[0]
    mo = client_for(app, circle["mo"])
    assert mo.get(f"/circles/{other.id}/meetings/{meeting.id}").status_code == 404
    # The right meeting under the wrong circle is not found either.
    url = f"/circles/{circle['circle'].id}/meetings/{meeting.id}"
    assert client_for(app, circle["fran"]).get(url).status_code == 404


def test_the_schedule_form_starts_in_the_facilitators_own_zone(app, circle):
    page = client_for(app, circle["fran"]).get(f"/circles/{circle['circle'].id}/meetings/new")
    assert page.status_code == 200
    assert '<option selected value="Europe/London">' in page.get_data(as_text=True)


def test_leaving_a_circle_takes_ones_answers_along(app, make, circle):
    meeting = schedule(make, circle).meetings[0]
    mo = client_for(app, circle["mo"])
    mo.post(f"/circles/{circle['circle'].id}/meetings/{meeting.id}/rsvp", data={"answer": "going"})
    assert count(app, Rsvp) == 1
    assert mo.post(f"/circles/{circle['circle'].id}/leave").status_code == 302
    assert count(app, Rsvp) == 0
    page = client_for(app, circle["fran"]).get(
        f"/circles/{circle['circle'].id}/meetings/{meeting.id}"
    )
    assert "Going: 0" in page.get_data(as_text=True)
