"""Members check in once a period; bad answers store nothing; own trend; set-up; reminders."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from circles.checkins import services
from circles.checkins.models import (
    CheckinHistory,
    CheckinReceipt,
    CheckinResponse,
    CheckinWaiting,
    OptionKind,
    PeriodKind,
)
from circles.checkins.reports import safe_cell
from circles.extensions import db
from tests.conftest import client_for

GOOD = {f"scale_wb{i}": "3" for i in range(1, 6)}


@pytest.fixture
def circle_with_member(make):
    facilitator = make.create_user("Fran Facilitator")
    org = make.create_org(owner=facilitator)
    circle = make.create_circle(org, facilitator, "Evening circle")
    member = make.create_user("Sam Member")
    make.add_member(circle, member, "Sam")
    make.set_up_checkins(circle)
    return circle, member, facilitator


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_member_checks_in_once_per_period(app, circle_with_member):
    circle, member, _ = circle_with_member
    client = client_for(app, member)
    page = client.get(f"/circles/{circle.id}/checkin")
    assert page.status_code == 200
    assert "without your name" in page.get_data(as_text=True)
    sent = client.post(f"/circles/{circle.id}/checkin", data={**GOOD, "themes": ["t_grief"]})
    assert sent.status_code == 302
    # Alone, the check-in waits sealed: nothing readable is written until k are in.
    assert count(app, CheckinWaiting) == 1 and count(app, CheckinReceipt) == 1
    assert count(app, CheckinResponse) == 0
    again = client.get(f"/circles/{circle.id}/checkin")
    assert "You have checked in this week" in again.get_data(as_text=True)
    second = client.post(f"/circles/{circle.id}/checkin", data=GOOD, follow_redirects=True)
    assert "already checked in" in second.get_data(as_text=True)
    assert count(app, CheckinWaiting) == 1


def test_the_kth_check_in_brings_the_waiting_ones_out_together(app, make, circle_with_member):
    circle, member, _ = circle_with_member  # the organisation's k is 5
    others = [make.create_user() for _ in range(4)]
    for other in others:
        make.add_member(circle, other)
    for number, person in enumerate([member, *others[:3]], start=1):
        assert client_for(app, person).post(f"/circles/{circle.id}/checkin", data=GOOD)
        assert (count(app, CheckinWaiting), count(app, CheckinResponse)) == (number, 0)
    client_for(app, others[3]).post(f"/circles/{circle.id}/checkin", data=GOOD)
    assert (count(app, CheckinWaiting), count(app, CheckinResponse)) == (0, 5)
    with app.app_context():
        assert db.session.scalars(select(CheckinResponse.released)).all() == [True] * 5


def test_missing_or_bad_values_store_nothing_and_keep_the_input(app, circle_with_member):
    circle, member, _ = circle_with_member
    client = client_for(app, member)
    data = {**GOOD, "scale_wb2": "9", "themes": ["t_relief"]}
    del data["scale_wb3"]
    response = client.post(f"/circles/{circle.id}/checkin", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Choose one answer, from 0 to 5." in html
    relief = re.search(r"<input[^>]*t_relief[^>]*>", html)
    assert relief and "checked" in relief.group(0)
    assert count(app, CheckinResponse) == 0 and count(app, CheckinReceipt) == 0


def test_service_refuses_answers_outside_the_questions(app, ctx, make, circle_with_member):
    circle, member, _ = circle_with_member
    with pytest.raises(services.ServiceError):
        make.check_in(circle, member, {"wb1": 3})
    with pytest.raises(services.ServiceError):
        make.check_in(circle, member, 3, themes=frozenset({"not-a-theme"}))


def test_private_history_shows_the_trend_and_can_be_deleted(app, make, circle_with_member):
    circle, member, _ = circle_with_member
    last_week = datetime.now(UTC) - timedelta(days=7)
    make.check_in(circle, member, 2, now=last_week)
    make.check_in(circle, member, 4)
    client = client_for(app, member)
    html = client.get(f"/circles/{circle.id}/checkin/history").get_data(as_text=True)
    assert '<svg class="chart trend-chart"' in html and "<table>" in html
    assert ">40<" in html and ">80<" in html  # wellbeing scores 2*5*4 and 4*5*4
    with app.app_context():
        sealed = db.session.scalars(select(CheckinHistory.sealed)).all()
    assert len(sealed) == 2 and all(b'"scores"' not in blob for blob in sealed)
    assert len({len(blob) for blob in sealed}) == 1  # padded: the length tells nothing
    client.post(f"/circles/{circle.id}/checkin/history/delete")
    assert count(app, CheckinHistory) == 0
    assert count(app, CheckinWaiting) == 2  # the anonymous check-ins stay (waiting for k)


def test_no_private_copy_when_the_member_says_no(app, circle_with_member):
    circle, member, _ = circle_with_member
    client = client_for(app, member)
    data = dict(GOOD)  # keep_copy unticked: not sent
    assert client.post(f"/circles/{circle.id}/checkin", data=data).status_code == 302
    assert count(app, CheckinHistory) == 0 and count(app, CheckinWaiting) == 1


def test_own_items_are_asked_from_the_next_period(app, ctx, make, circle_with_member):
    circle, member, _ = circle_with_member
    today = datetime.now(UTC).date()
    make.checkin_option(circle, OptionKind.SCALE, "I noticed my body", added_on=today)
    make.check_in(circle, member, 3)  # this period: still the five items only
    next_week = datetime.now(UTC) + timedelta(days=7)
    with pytest.raises(services.ServiceError):
        make.check_in(circle, member, 3, now=next_week)
    option = services.circle_options(circle.id)[0]
    make.check_in(
        circle, member, {**{f"wb{i}": 3 for i in range(1, 6)}, option.key: 5}, now=next_week
    )
    given = [
        services.open_waiting(row) for row in db.session.scalars(select(CheckinWaiting.sealed))
    ]
    assert sorted(len(answers.scores) for answers in given if answers) == [5, 6]


def test_facilitator_sets_up_check_ins_per_meeting(app, make):
    facilitator = make.create_user()
    org = make.create_org(owner=facilitator)
    circle = make.create_circle(org, facilitator)
    client = client_for(app, facilitator)
    assert (
        client.post(
            f"/circles/{circle.id}/checkins/setup", data={"period_kind": "meeting"}
        ).status_code
        == 302
    )
    with app.app_context():
        assert services.instrument_for(circle.id).period_kind == PeriodKind.MEETING
    client.post(f"/circles/{circle.id}/checkins/options", data={"kind": "theme", "label": "Awe"})
    assert "Awe" in client.get(f"/circles/{circle.id}/checkins/setup").get_data(as_text=True)


def test_per_meeting_period_opens_after_a_meeting(app, ctx, make):
    facilitator = make.create_user()
    org = make.create_org(owner=facilitator)
    circle = make.create_circle(org, facilitator)
    member = make.create_user()
    make.add_member(circle, member)
    instrument = make.set_up_checkins(circle, PeriodKind.MEETING)
    meeting = make.meeting(circle, facilitator)
    instrument = services.instrument_for(circle.id)
    assert services.current_period(instrument, meeting.starts_at - timedelta(hours=1)) is None
    after = meeting.starts_at + timedelta(hours=2)
    assert services.current_period(instrument, after) == meeting.starts_at.date()
    make.check_in(circle, member, 3, now=after)


def test_reminder_goes_once_to_members_not_yet_checked_in(app, make, outbox, circle_with_member):
    from circles.checkins.reminders import send_checkin_reminders

    circle, member, _ = circle_with_member
    other = make.create_user("Robin Member")
    make.add_member(circle, other, "Robin")
    make.check_in(circle, other, 3)
    with app.app_context():
        run = send_checkin_reminders(datetime.now(UTC))
        again = send_checkin_reminders(datetime.now(UTC))
    assert (run.sent, again.sent) == (1, 0)
    assert [m.to for m in outbox] == [member.email]
    assert "without your name" in outbox[0].body


def test_the_queue_reminds_each_member_once_even_when_its_scan_runs_twice(
    app, make, outbox, circle_with_member
):
    from circles.checkins.reminders import queue_checkin_reminders

    _, member, _ = circle_with_member
    with app.app_context():
        queued = [queue_checkin_reminders(), queue_checkin_reminders()]  # jobs run at once here
    assert queued == [1, 0]
    assert [m.to for m in outbox] == [member.email]


def claim_open_reminder(circle, member) -> None:
    """A claim on the member's reminder for the open period, never marked delivered (call in an
    app context): another run holds it, or held it and died while sending."""
    from circles.checkins.models import CheckinReminder

    period = services.current_period(services.instrument_for(circle.id), datetime.now(UTC))
    db.session.add(CheckinReminder(circle_id=circle.id, period=period, user_id=member.id))
    db.session.commit()


def test_a_check_in_reminder_left_unfinished_by_a_dead_run_is_sent_later(
    app, make, outbox, circle_with_member
):
    from circles.checkins.models import CheckinReminder
    from circles.checkins.reminders import send_checkin_reminders

    circle, member, _ = circle_with_member
    with app.app_context():
        claim_open_reminder(circle, member)
        now = datetime.now(UTC)
        assert send_checkin_reminders(now).sent == 1  # the scan finds it abandoned
        assert send_checkin_reminders(now).sent == 0
        claim = db.session.scalar(select(CheckinReminder))
        assert claim.delivered and not claim.abandoned
    assert [m.to for m in outbox] == [member.email]


def test_a_check_in_reminder_being_sent_is_not_taken_over_by_another_job(
    app, make, outbox, circle_with_member
):
    from circles.checkins.reminders import send_checkin_reminder

    circle, member, _ = circle_with_member
    with app.app_context():
        claim_open_reminder(circle, member)  # another run is talking to the mail server
        send_checkin_reminder(circle.id, member.id)  # a second job for it, without a scan
    assert outbox == []


def test_reminder_command(app, make, circle_with_member):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-checkin-reminders"])
    assert "Check-in reminders sent: 1." in result.output
    assert "looked at: 0" in runner.invoke(args=["checkins-release"]).output


def test_member_pages_link_to_the_check_in(app, circle_with_member):
    circle, member, facilitator = circle_with_member
    assert "Check in</a>" in client_for(app, member).get(f"/circles/{circle.id}").get_data(
        as_text=True
    )
    html = client_for(app, facilitator).get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "Check-in reports</a>" in html and "Check in</a>" not in html


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_could_be_formulas_are_defused(cell):
    assert safe_cell(cell) == "'" + cell
    assert safe_cell("Grief") == "Grief"


def test_csv_export_is_what_the_page_shows_and_safe(app, make, circle_with_member):
    circle, _, facilitator = circle_with_member
    make.checkin_option(circle, OptionKind.THEME, "=HYPERLINK(1)")
    csv_text = client_for(app, facilitator).get(f"/circles/{circle.id}/checkins/report.csv")
    assert csv_text.headers["Content-Type"].startswith("text/csv")
    assert "scope,from,to,question" in csv_text.get_data(as_text=True)
