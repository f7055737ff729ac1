"""`flask demo` fills two organisations a newcomer can log in to and look around in.

The demo circle is large enough for its reports to show figures, has weeks of check-ins taken and
released the way real ones are, and a finished live session with commitments; the second
organisation cannot see the first. Running it again changes nothing.
"""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import func, select

from circles.checkins import reports
from circles.checkins.models import CheckinReceipt, CheckinResponse, CheckinTally, CheckinWaiting
from circles.checkins.services import week_start
from circles.db import utcnow
from circles.demo import (
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    EVENING_CIRCLE,
    HARBOUR,
    MORNING_CIRCLE,
    STORIES,
)
from circles.extensions import db
from circles.groups.models import Circle, CircleMember, CircleRole
from circles.live.commitments import opened_text
from circles.live.models import Commitment, LiveParticipant, LiveSession, LiveStatus
from circles.meetings.models import Meeting
from circles.orgs.models import Organisation

LOGIN = re.compile(rf"^\s+(\S+@{re.escape(DEMO_DOMAIN)})\s+(.+)$", re.MULTILINE)


def _run_demo(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result.output


def _logins(output):
    """The printed ``{email: what they are}`` and the password."""
    [password] = re.findall(r"\(password: (\S+)\)", output)
    return dict(LOGIN.findall(output)), password


def _logged_in(app, email, password):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302 and "/login" not in response.location, email
    return client


def _circle(name):
    return db.session.scalars(select(Circle).where(Circle.name == name)).one()


def _row_counts():
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_every_printed_login_works_and_shows_the_demo(app):
    output = _run_demo(app)
    logins, password = _logins(output)
    assert len(logins) >= 12
    assert logins[f"admin@{DEMO_DOMAIN}"] == "owner"
    assert logins[f"sam@{DEMO_DOMAIN}"] == f"member of {EVENING_CIRCLE}"
    assert logins[f"harbour-admin@{DEMO_DOMAIN}"] == f"owner, facilitator of {MORNING_CIRCLE}"
    assert output.index(HARBOUR) < output.index(f"harbour-admin@{DEMO_DOMAIN}")
    clients = {email: _logged_in(app, email, password) for email in logins}
    home = clients[f"sam@{DEMO_DOMAIN}"].get("/").get_data(as_text=True)
    assert EVENING_CIRCLE in home
    # Sam lives in Berlin: the 19:00 London meetings show as 20:00 Berlin time.
    assert "20:00\u201321:30 (Europe/Berlin)" in home
    # The facilitator finds the first meeting's plan ready, from the built-in library.
    with app.app_context():
        first = db.session.scalars(select(Meeting).order_by(Meeting.starts_at)).first()
    staff = clients[f"facilitator@{DEMO_DOMAIN}"]
    page = staff.get(f"/circles/{first.circle_id}/meetings/{first.id}").get_data(as_text=True)
    assert "Session plan (4 steps)" in page


def test_the_demo_circle_has_weeks_of_released_check_ins_its_report_shows(app):
    _run_demo(app)
    with app.app_context():
        circle = _circle(EVENING_CIRCLE)
        k = circle.org.anonymity_k
        members = db.session.scalar(
            select(func.count())
            .select_from(CircleMember)
            .where(CircleMember.circle_id == circle.id, CircleMember.role == CircleRole.MEMBER)
        )
        assert members == len(STORIES) > k
        this_week = week_start(utcnow().date())
        receipts = Counter(
            db.session.scalars(
                select(CheckinReceipt.period).where(CheckinReceipt.circle_id == circle.id)
            )
        )
        past = sorted(p for p in receipts if p < this_week)
        assert len(past) >= 6 and all(receipts[p] > k for p in past)  # most check in weekly
        # Every closed week came out through the release, k or more at a time, with its tally.
        released = Counter(
            db.session.scalars(
                select(CheckinResponse.period).where(
                    CheckinResponse.circle_id == circle.id, CheckinResponse.released.is_(True)
                )
            )
        )
        assert sorted(released) == past and all(n >= k for n in released.values())
        tallies = dict(
            db.session.execute(
                select(CheckinTally.period, CheckinTally.respondents).where(
                    CheckinTally.circle_id == circle.id
                )
            ).all()
        )
        assert tallies == dict(released)
        # This week's few wait, sealed, for k; nothing of a closed week is left waiting.
        waiting = Counter(
            db.session.scalars(
                select(CheckinWaiting.period).where(CheckinWaiting.circle_id == circle.id)
            )
        )
        assert set(waiting) == {this_week} and 0 < waiting[this_week] < k
        report = reports.circle_report(circle, k, utcnow())
        shown = [f for f in report.figures if f.published and f.mean is not None]
        assert len(shown) >= 5 * 6
        # Answers vary: the weeks' averages are not all alike.
        assert len({round(f.mean, 1) for f in shown}) > 5
        circle_id, one = circle.id, shown[-1]
    facilitator = _logged_in(app, f"facilitator@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page = facilitator.get(f"/circles/{circle_id}/checkins/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert one.label in html and f"{one.mean:.1f}" in html


def test_the_demo_circle_has_a_finished_live_session_with_commitments(app):
    _run_demo(app)
    with app.app_context():
        circle = _circle(EVENING_CIRCLE)
        [session] = db.session.scalars(
            select(LiveSession).where(LiveSession.circle_id == circle.id)
        ).all()
        assert session.status == LiveStatus.ENDED and session.ended_at is not None
        came = db.session.scalar(
            select(func.count())
            .select_from(LiveParticipant)
            .where(LiveParticipant.session_id == session.id)
        )
        assert came > 5
        words = {
            c.user_id: opened_text(c.user_id, c.sealed)
            for c in db.session.scalars(
                select(Commitment).where(Commitment.session_id == session.id)
            )
        }
        made = [text for text in words.values() if text]
        assert len(made) >= 5 and len(made) < len(words)  # one member passed
        sam = db.session.scalar(
            select(CircleMember.user_id).where(
                CircleMember.circle_id == circle.id, CircleMember.display_name == "Sam"
            )
        )
        assert words[sam].startswith("Walk by the river")


def test_the_second_organisation_cannot_see_the_first(app):
    _, password = _logins(_run_demo(app))
    with app.app_context():
        evening, morning = _circle(EVENING_CIRCLE), _circle(MORNING_CIRCLE)
        assert evening.org_id != morning.org_id
        assert all(o.crisis_resources for o in db.session.scalars(select(Organisation)))
        evening_id, morning_id, riverside = evening.id, morning.id, evening.org_id
    harbour = _logged_in(app, f"harbour-admin@{DEMO_DOMAIN}", password)
    assert harbour.get(f"/circles/{morning_id}").status_code == 200
    for url in (
        f"/circles/{evening_id}",
        f"/circles/{evening_id}/checkins/report",
        f"/orgs/{riverside}/checkins/report",
    ):
        assert harbour.get(url).status_code == 404, url
    admin = _logged_in(app, f"admin@{DEMO_DOMAIN}", password)
    assert admin.get(f"/circles/{morning_id}").status_code == 404


def test_running_the_demo_again_changes_nothing_and_prints_the_logins_again(app):
    first = _run_demo(app)
    with app.app_context():
        before = _row_counts()
    again = _run_demo(app)
    assert "already there" in again and "nothing was changed" in again
    assert _logins(again) == _logins(first)
    with app.app_context():
        assert _row_counts() == before
