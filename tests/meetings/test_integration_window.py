"""The integration window: meetings 24 to 72 hours after a dosing session, private to the member."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from circles.extensions import db
from circles.meetings import services
from circles.meetings import window as windows
from circles.meetings.models import DosingSession
from circles.meetings.rules import Scope
from tests import factories as f
from tests.conftest import client_for


def naive(moment):
    return moment.astimezone(UTC).replace(tzinfo=None, second=0, microsecond=0)


@pytest.fixture
def circle(make):
    fran = make.create_user("Fran")
    org = make.create_org(owner=fran)
    c = make.create_circle(org, fran, "Evening circle")
    mo = make.create_user("Mo", timezone="Asia/Kolkata")
    make.add_member(c, mo, "Mo")
    return {"circle": c, "fran": fran, "mo": mo}


def test_the_window_holds_the_meetings_24_to_72_hours_after_a_session(ctx):
    fran = f.create_user("Fran")
    c = f.create_circle(f.create_org(owner=fran), fran)
    other = f.create_circle(f.create_org(owner=fran), fran)
    mo = f.create_user("Mo")
    f.add_member(c, mo)
    taken = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=2)
    at = {
        h: f.meeting(c, fran, first=naive(taken + timedelta(hours=h)))
        for h in (12, 24, 30, 70, 72, 80)
    }
    f.meeting(other, fran, first=naive(taken + timedelta(hours=30)))  # Mo is not in that circle
    cancelled = f.meeting(c, fran, first=naive(taken + timedelta(hours=40)))
    services.cancel_meeting(cancelled, Scope.THIS)
    session = f.dosing_session(mo, taken)

    [window] = windows.integration_windows([session], mo.id)
    assert [m.id for m in window.meetings] == [at[h].id for h in (24, 30, 70, 72)]
    assert (window.opens_at, window.closes_at) == (
        taken + timedelta(hours=24),
        taken + timedelta(hours=72),
    )
    assert windows.integration_windows([session], mo.id, circle_id=other.id)[0].meetings == []


def test_a_member_notes_a_session_in_their_own_zone_and_the_circle_page_highlights(
    app, make, circle
):
    mo = client_for(app, circle["mo"])
    kolkata = ZoneInfo("Asia/Kolkata")
    taken_local = (datetime.now(kolkata) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    inside = make.meeting(
        circle["circle"], circle["fran"], first=naive(taken_local + timedelta(hours=48))
    )
    outside = make.meeting(
        circle["circle"], circle["fran"], first=naive(taken_local + timedelta(hours=100))
    )

    data = {"date": taken_local.date().isoformat(), "time": "10:00"}
    response = mo.post("/integration", data=data, follow_redirects=True)
    assert "Saved. Only you can see it." in response.get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(select(DosingSession))
        assert entry.taken_at == taken_local.astimezone(UTC)  # 10:00 in Kolkata is 04:30 UTC
        assert entry.taken_at.strftime("%H:%M") == "04:30"

    page = mo.get(f"/circles/{circle['circle'].id}").get_data(as_text=True)
    window = page.split('id="window"')[1].split("</section>")[0]
    assert "This meeting falls in it" in window
    assert f"/meetings/{inside.id}" in window and f"/meetings/{outside.id}" not in window
    assert "Will you come?" in window  # a nudge to say they are coming
    assert page.count("badge-window") == 1

    # Saying "going" from the circle page comes back to it, and the nudge becomes a note.
    url = f"/circles/{circle['circle'].id}/meetings/{inside.id}/rsvp"
    response = mo.post(url, data={"answer": "going", "back": "circle"})
    assert response.headers["Location"].endswith(f"/circles/{circle['circle'].id}#meetings")
    page = mo.get(f"/circles/{circle['circle'].id}").get_data(as_text=True)
    assert "You said you are going." in page.split('id="window"')[1].split("</section>")[0]


def test_when_no_meeting_falls_in_the_window_the_page_says_so_and_shows_the_next(app, make, circle):
    taken = datetime.now(UTC) + timedelta(hours=2)
    later = make.meeting(circle["circle"], circle["fran"], first=naive(taken + timedelta(days=6)))
    make.dosing_session(circle["mo"], taken)
    page = (
        client_for(app, circle["mo"]).get(f"/circles/{circle['circle'].id}").get_data(as_text=True)
    )
    window = page.split('id="window"')[1].split("</section>")[0]
    assert "No meeting of this circle falls in that window." in window
    assert f"/meetings/{later.id}" in window and "The next meeting after it is" in window


def test_entries_are_private_to_their_author(app, make, circle):
    taken = datetime.now(UTC) + timedelta(hours=2)
    make.meeting(circle["circle"], circle["fran"], first=naive(taken + timedelta(hours=30)))
    make.dosing_session(circle["mo"], taken)
    fran_page = client_for(app, circle["fran"]).get(f"/circles/{circle['circle'].id}")
    text = fran_page.get_data(as_text=True)
    assert "integration window" not in text.lower() and "badge-window" not in text
    assert "Nothing noted yet." in client_for(app, circle["fran"]).get("/integration").get_data(
        as_text=True
    )


def test_entries_can_be_changed_and_deleted(app, make, circle):
    entry = make.dosing_session(circle["mo"], datetime.now(UTC) + timedelta(days=1))
    mo = client_for(app, circle["mo"])
    edit = f"/integration/{entry.id}/edit"
    assert mo.get(edit).status_code == 200
    new_day = (datetime.now(UTC) + timedelta(days=3)).date()
    response = mo.post(edit, data={"date": new_day.isoformat(), "time": "09:15"})
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.get(DosingSession, entry.id)
        local = stored.taken_at.astimezone(ZoneInfo("Asia/Kolkata"))
        assert (local.date(), local.strftime("%H:%M")) == (new_day, "09:15")
    assert mo.post(f"/integration/{entry.id}/delete").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DosingSession)) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "", "time": "10:00"}, "Enter a date."),
        ({"date": "2026-13-01", "time": "10:00"}, "Not a valid date value."),
        ({"date": "2026-12-01", "time": ""}, "Enter a time, for example 19:00."),
        ({"date": "1999-01-01", "time": "10:00"}, "Enter a date within a year of today."),
    ],
)
def test_bad_entries_get_a_clear_error_and_nothing_is_saved(app, circle, data, message):
    response = client_for(app, circle["mo"]).post("/integration", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    if data["date"]:
        assert f'value="{data["date"]}"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DosingSession)) == 0


def test_a_bad_edit_changes_nothing(app, make, circle):
    taken = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    entry = make.dosing_session(circle["mo"], taken)
    response = client_for(app, circle["mo"]).post(
        f"/integration/{entry.id}/edit", data={"date": "1999-01-01", "time": "10:00"}
    )
    assert response.status_code == 400
    assert "Enter a date within a year of today." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(DosingSession, entry.id).taken_at == taken
