"""The private iCalendar feed: exactly a person's meetings, discreet titles, a secret URL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import gettext
from icalendar import Calendar

from circles.accounts.models import User
from circles.extensions import db
from circles.groups import services as groups
from circles.groups.models import CircleMember
from circles.i18n import speaking
from circles.meetings.recurrence import Repeat
from tests.conftest import client_for


def feed_path(client):
    """Make (or remake) the person's calendar link through the page and return its path."""
    client.post("/calendar/link")
    page = client.get("/calendar").get_data(as_text=True)
    url = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', page).group(1)
    return url.removeprefix("http://circles.test")


def events(body):
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def two_circles(make):
    """Mo is in circles A and B, and left circle C; each circle has meetings."""
    fran = make.create_user("Fran", timezone="Europe/London")
    org = make.create_org(owner=fran)
    a = make.create_circle(org, fran, "Grief and loss circle")
    b = make.create_circle(org, fran, "Second circle")
    c = make.create_circle(org, fran, "Left circle")
    other = make.create_circle(org, fran, "Not Mo's circle")
    mo = make.create_user("Mo", timezone="America/New_York")
    for circle in (a, b, c):
        make.add_member(circle, mo, "Mo")
    first = (datetime.now(UTC) + timedelta(days=5)).replace(
        tzinfo=None, hour=19, minute=0, second=0, microsecond=0
    )
    series = {
        name: make.schedule(
            circle,
            fran,
            first=first,
            repeat=Repeat.WEEKLY,
            count=3,
            timezone="Europe/London",
            agenda="We will talk about grief.",
            video_url="https://meet.example.org/room",
        )
        for name, circle in (("a", a), ("b", b), ("c", c), ("other", other))
    }
    with make._app.app_context():
        membership = db.session.query(CircleMember).filter_by(circle_id=c.id, user_id=mo.id).one()
        groups.remove_member(membership, by=mo)
        db.session.commit()
    return {"mo": mo, "fran": fran, "series": series, "circles": (a, b, c)}


def uids(series):
    return {m.uid for m in series.meetings}


def test_the_feed_holds_exactly_the_meetings_of_the_circles_a_person_is_in(app, two_circles):
    mo = client_for(app, two_circles["mo"])
    response = app.test_client().get(feed_path(mo))  # no login needed: the token is the key
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    found = events(response.data)
    series = two_circles["series"]
    assert set(found) == uids(series["a"]) | uids(series["b"])
    assert not set(found) & (uids(series["c"]) | uids(series["other"]))


def test_events_carry_the_series_zone_with_a_vtimezone_and_keep_local_time(app, two_circles):
    body = app.test_client().get(feed_path(client_for(app, two_circles["mo"]))).data
    calendar = Calendar.from_ical(body)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    for event in calendar.walk("VEVENT"):
        start = event.decoded("DTSTART")
        assert str(start.tzinfo) == "Europe/London" or start.tzinfo.key == "Europe/London"
        assert (start.hour, start.minute) == (19, 0)
        assert event.decoded("DTEND") - start == timedelta(minutes=90)
    assert b"DTSTART;TZID=Europe/London:" in body


def test_titles_are_neutral_by_default_and_show_names_only_when_asked(app, two_circles):
    mo = client_for(app, two_circles["mo"])
    path = feed_path(mo)
    body = app.test_client().get(path).data
    assert {str(e["SUMMARY"]) for e in events(body).values()} == {"Circle meeting"}
    assert b"Grief" not in body and b"grief" not in body  # neither the name nor the agenda

    response = mo.post("/calendar/titles", data={"show_circle_names": "y"}, follow_redirects=True)
    assert "Events now show your circles&#39; names." in response.get_data(as_text=True)
    body = app.test_client().get(path).data
    assert {str(e["SUMMARY"]) for e in events(body).values()} == {
        "Grief and loss circle",
        "Second circle",
    }
    assert "We will talk about grief." in str(next(iter(events(body).values()))["DESCRIPTION"])


def test_a_cancelled_meeting_stays_with_status_cancelled_and_the_same_uid(app, two_circles):
    fran = client_for(app, two_circles["fran"])
    meeting = two_circles["series"]["a"].meetings[1]
    path = feed_path(client_for(app, two_circles["mo"]))
    fran.post(f"/circles/{meeting.circle_id}/meetings/{meeting.id}/cancel", data={"scope": "this"})
    found = events(app.test_client().get(path).data)
    assert str(found[meeting.uid]["STATUS"]) == "CANCELLED"
    assert int(found[meeting.uid]["SEQUENCE"]) == 1
    others = [e for uid, e in found.items() if uid != meeting.uid]
    assert {str(e["STATUS"]) for e in others} == {"CONFIRMED"}


def test_a_moved_meeting_keeps_its_uid_with_a_higher_sequence(app, two_circles):
    fran = client_for(app, two_circles["fran"])
    meeting = two_circles["series"]["b"].meetings[0]
    path = feed_path(client_for(app, two_circles["mo"]))
    local = meeting.starts_at.astimezone(ZoneInfo("Europe/London"))
    data = {
        "date": local.date().isoformat(),
        "start_time": "20:00",
        "duration": "60",
        "video_url": "",
        "agenda": "",
        "scope": "this",
    }
    url = f"/circles/{meeting.circle_id}/meetings/{meeting.id}/edit"
    assert fran.post(url, data=data).status_code == 302
    event = events(app.test_client().get(path).data)[meeting.uid]
    assert event.decoded("DTSTART").hour == 20
    assert int(event["SEQUENCE"]) == 1


def test_a_wrong_revoked_or_replaced_token_is_not_found(app, two_circles):
    client = app.test_client()
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
    assert client.get("/calendar/" + "a" * 64 + ".ics").status_code == 404

    mo = client_for(app, two_circles["mo"])
    first = feed_path(mo)
    assert client.get(first).status_code == 200
    second = feed_path(mo)  # "Make a new link"
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200

    response = mo.post("/calendar/revoke", follow_redirects=True)
    assert "Your calendar link is turned off." in response.get_data(as_text=True)
    assert client.get(second).status_code == 404
    assert "You have no calendar link." in mo.get("/calendar").get_data(as_text=True)


def test_the_owner_can_see_their_link_again_but_the_database_does_not_hold_it(app, two_circles):
    mo = client_for(app, two_circles["mo"])
    path = feed_path(mo)
    page = mo.get("/calendar").get_data(as_text=True)
    assert path in page  # shown again on a later visit, to copy into another device
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    with app.app_context():
        from circles.meetings.models import CalendarFeed

        feed = db.session.query(CalendarFeed).one()
        assert feed.salt and feed.salt not in token


def test_each_person_has_their_own_feed(app, two_circles):
    mo_path = feed_path(client_for(app, two_circles["mo"]))
    fran_path = feed_path(client_for(app, two_circles["fran"]))
    assert mo_path != fran_path
    fran_events = events(app.test_client().get(fran_path).data)
    all_series = two_circles["series"].values()
    assert set(fran_events) == set().union(*(uids(s) for s in all_series))


def test_turning_off_a_link_that_does_not_exist_is_explained(app, two_circles):
    mo = client_for(app, two_circles["mo"])
    response = mo.post("/calendar/revoke", follow_redirects=True)
    assert "You have no calendar link to turn off." in response.get_data(as_text=True)


def test_rotating_the_secret_key_retires_every_feed_url(app, another_app, two_circles):
    old_path = feed_path(client_for(app, two_circles["mo"]))
    rotated = another_app(SECRET_KEY="a-completely-new-secret-key-of-enough-length")
    client = rotated.test_client()
    assert client.get(old_path).status_code == 404
    mo = client_for(rotated, two_circles["mo"])
    page = mo.get("/calendar").get_data(as_text=True)
    new_path = re.search(r'value="http://circles.test(/calendar/[^"]+)"', page).group(1)
    assert new_path != old_path
    assert client.get(new_path).status_code == 200


def test_neutral_feeds_leave_the_call_link_to_the_meeting_page(app, two_circles):
    body = app.test_client().get(feed_path(client_for(app, two_circles["mo"]))).data
    assert b"meet.example.org" not in body
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in body


def in_language(app, code, text):
    """What the catalogue says for ``text`` in a language (English until it is translated)."""
    with app.app_context(), speaking(code):
        return gettext(text)


def test_the_feed_speaks_its_owners_language_not_the_calendar_services(app, two_circles):
    path = feed_path(client_for(app, two_circles["mo"]))
    # No language chosen: English, whatever the calendar service's Accept-Language says.
    body = app.test_client().get(path, headers={"Accept-Language": "de"}).data
    assert {str(e["SUMMARY"]) for e in events(body).values()} == {"Circle meeting"}
    assert "Meeting page: " in str(next(iter(events(body).values()))["DESCRIPTION"])
    with app.app_context():
        db.session.get(User, two_circles["mo"].id).language = "es"
        db.session.commit()
    body = app.test_client().get(path, headers={"Accept-Language": "de"}).data
    spanish = in_language(app, "es", "Circle meeting")
    assert {str(e["SUMMARY"]) for e in events(body).values()} == {spanish}


def test_a_downloaded_meeting_speaks_the_language_of_the_person(app, two_circles):
    mo = two_circles["mo"]
    meeting = two_circles["series"]["a"].meetings[0]
    with app.app_context():
        db.session.get(User, mo.id).language = "de"
        db.session.commit()
    path = f"/circles/{meeting.circle_id}/meetings/{meeting.id}/meeting.ics"
    body = client_for(app, mo).get(path).data
    assert {str(e["SUMMARY"]) for e in events(body).values()} == {
        in_language(app, "de", "Circle meeting")
    }
