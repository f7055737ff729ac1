"""Scheduling rules on the services: storage in UTC with the zone, edits by scope, RSVP."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from circles.exceptions import ServiceError
from circles.extensions import db
from circles.meetings import services, window
from circles.meetings.models import Meeting, MeetingSeries, ReminderSent, Rsvp, RsvpAnswer
from circles.meetings.recurrence import Repeat, SeriesPlan
from circles.meetings.rules import Scope, check_video_url
from circles.meetings.services import MeetingDetails
from tests import factories as f

#: A fixed "now" well before the series below, so the tests do not depend on today's date.
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
DETAILS = MeetingDetails(duration_minutes=90, video_url="https://meet.example.org/abc")


@pytest.fixture
def circle(ctx):
    facilitator = f.create_user("Fran", timezone="Europe/London")
    org = f.create_org(owner=facilitator)
    return facilitator, f.create_circle(org, facilitator)


def schedule(circle, plan, details=DETAILS, now=NOW):
    facilitator, c = circle
    series = services.schedule_meeting(c, facilitator, plan, details, now=now)
    db.session.commit()
    return series


def reloaded(series_id):
    """Meetings as stored, read back from the database (not from the session's identity map)."""
    db.session.expunge_all()
    return db.session.scalars(
        select(Meeting).where(Meeting.series_id == series_id).order_by(Meeting.starts_at)
    ).all()


def local_times(meetings, zone):
    return [m.starts_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") for m in meetings]


def stored_count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("zone", "first", "utc_hours"),
    [
        # London: BST starts 29 March 2026; 19:00 local is 19:00Z, then 18:00Z.
        ("Europe/London", date(2026, 3, 19), [19, 19, 18, 18]),
        # New York: EDT starts 8 March 2026; 19:00 local is 00:00Z next day, then 23:00Z.
        ("America/New_York", date(2026, 3, 1), [0, 23, 23, 23]),
        # Kolkata: +05:30 all year, no DST; 19:00 local is 13:30Z.
        ("Asia/Kolkata", date(2026, 3, 19), [13, 13, 13, 13]),
    ],
)
def test_a_weekly_series_is_stored_in_utc_and_keeps_its_wall_clock(circle, zone, first, utc_hours):
    plan = SeriesPlan(first, time(19, 0), zone, Repeat.WEEKLY, count=4)
    series = schedule(circle, plan)
    meetings = reloaded(series.id)
    assert [m.starts_at.tzinfo for m in meetings] == [UTC] * 4
    assert [m.starts_at.hour for m in meetings] == utc_hours
    assert {t[-5:] for t in local_times(meetings, zone)} == {"19:00"}
    assert [m.duration_minutes for m in meetings] == [90] * 4
    stored = db.session.get(MeetingSeries, series.id)
    assert stored.timezone == zone
    assert stored.rule == f"FREQ=WEEKLY;BYDAY={first:%a}"[:-1].upper() + ";COUNT=4"


def test_a_monthly_series_on_the_31st_uses_the_last_day_of_shorter_months(circle):
    plan = SeriesPlan(
        date(2026, 1, 31), time(18, 0), "Europe/London", Repeat.MONTHLY_BY_DATE, count=4
    )
    meetings = reloaded(schedule(circle, plan).id)
    assert [t[:10] for t in local_times(meetings, "Europe/London")] == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
    ]


def test_every_meeting_gets_its_own_stable_uid(circle):
    series = schedule(
        circle, SeriesPlan(date(2026, 2, 2), time(19, 0), "UTC", Repeat.WEEKLY, count=3)
    )
    uids = [m.uid for m in reloaded(series.id)]
    assert len(set(uids)) == 3


@pytest.mark.parametrize(
    ("plan", "details", "field", "message"),
    [
        (
            SeriesPlan(date(2026, 1, 4), time(19, 0), "UTC"),
            DETAILS,
            "date",
            "Choose a date and time in the future",
        ),
        (
            SeriesPlan(date(2026, 2, 2), time(19, 0), "UTC", Repeat.WEEKLY, until=date(2026, 2, 1)),
            DETAILS,
            "until",
            "cannot end before its first meeting",
        ),
        (
            SeriesPlan(date(2026, 2, 2), time(19, 0), "UTC"),
            MeetingDetails(0),
            "duration",
            "1 to 480",
        ),
        (
            SeriesPlan(date(2026, 2, 2), time(19, 0), "UTC"),
            MeetingDetails(481),
            "duration",
            "1 to 480",
        ),
        (
            SeriesPlan(date(2026, 2, 2), time(19, 0), "Mars/Olympus_Mons"),
            DETAILS,
            "timezone",
            "Choose a time zone",
        ),
        (
            SeriesPlan(date(2026, 2, 2), time(19, 0), "UTC", Repeat.WEEKLY, count=105),
            DETAILS,
            "count",
            "1 to 104",
        ),
    ],
)
def test_bad_schedules_are_refused_and_nothing_is_stored(circle, plan, details, field, message):
    facilitator, c = circle
    with pytest.raises(ServiceError) as refused:
        services.schedule_meeting(c, facilitator, plan, details, now=NOW)
    assert refused.value.field == field
    assert message in refused.value.message
    db.session.rollback()
    assert stored_count(MeetingSeries) == stored_count(Meeting) == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://meet.example.org/abc",
        "javascript:alert(1)",
        "meet.example.org/abc",
        "https://",
        "https://localhost/abc",
        "https://user:secret@meet.example.org/abc",
        "https://meet.example.org/a b",
        "https://meet.example.org/" + "a" * 500,
    ],
)
def test_video_links_must_be_plain_https_addresses(url):
    with pytest.raises(ServiceError) as refused:
        check_video_url(url)
    assert refused.value.field == "video_url"


def test_a_good_video_link_is_kept_and_an_empty_one_means_none():
    assert check_video_url(" https://meet.example.org/abc?pwd=1 ") == (
        "https://meet.example.org/abc?pwd=1"
    )
    assert check_video_url("") == ""


def test_an_archived_circle_gets_no_new_meetings(circle):
    facilitator, c = circle
    c.archived_at = NOW
    with pytest.raises(ServiceError, match="archived"):
        services.schedule_meeting(
            c, facilitator, SeriesPlan(date(2026, 2, 2), time(19, 0), "UTC"), DETAILS, now=NOW
        )


@pytest.fixture
def weekly(circle):
    """Five Thursdays at 19:00 London from 19 March 2026, across the change to summer time."""
    plan = SeriesPlan(date(2026, 3, 19), time(19, 0), "Europe/London", Repeat.WEEKLY, count=5)
    return schedule(circle, plan)


def test_editing_one_meeting_leaves_the_rest_of_the_series_alone(weekly):
    meetings = reloaded(weekly.id)
    before = [(m.uid, m.starts_at, m.sequence) for m in meetings]
    third = meetings[2]
    changed = services.edit_meeting(
        third,
        Scope.THIS,
        date(2026, 4, 3),
        time(18, 30),
        MeetingDetails(60, agenda="Moved to Friday this once"),
        now=NOW,
    )
    db.session.commit()
    assert [m.id for m in changed] == [third.id]
    after = reloaded(weekly.id)
    assert local_times(after, "Europe/London") == [
        "2026-03-19 19:00",
        "2026-03-26 19:00",
        "2026-04-03 18:30",
        "2026-04-09 19:00",
        "2026-04-16 19:00",
    ]
    assert [m.uid for m in after] == [uid for uid, _, _ in before]
    assert [m.sequence for m in after] == [0, 0, 1, 0, 0]
    assert (after[2].duration_minutes, after[2].agenda) == (60, "Moved to Friday this once")
    assert after[3].agenda == "" and after[3].duration_minutes == 90


def test_editing_this_and_following_moves_the_later_meetings_on_their_wall_clock(weekly):
    meetings = reloaded(weekly.id)
    services.edit_meeting(
        meetings[1], Scope.FOLLOWING, date(2026, 3, 26), time(18, 0), MeetingDetails(75), now=NOW
    )
    db.session.commit()
    after = reloaded(weekly.id)
    # 26 March is before the change, the rest after it: still 18:00 on London's clock.
    assert local_times(after, "Europe/London") == [
        "2026-03-19 19:00",
        "2026-03-26 18:00",
        "2026-04-02 18:00",
        "2026-04-09 18:00",
        "2026-04-16 18:00",
    ]
    assert [m.starts_at.hour for m in after] == [19, 18, 17, 17, 17]
    assert [m.duration_minutes for m in after] == [90, 75, 75, 75, 75]


def test_editing_the_whole_series_changes_every_upcoming_meeting_but_not_past_ones(weekly):
    meetings = reloaded(weekly.id)
    between = datetime(2026, 3, 27, tzinfo=UTC)  # the first two are over
    services.edit_meeting(
        meetings[3],
        Scope.SERIES,
        date(2026, 4, 10),  # a day later
        time(19, 0),
        MeetingDetails(90, video_url="https://meet.example.org/new"),
        now=between,
    )
    db.session.commit()
    after = reloaded(weekly.id)
    assert local_times(after, "Europe/London") == [
        "2026-03-19 19:00",
        "2026-03-26 19:00",
        "2026-04-03 19:00",
        "2026-04-10 19:00",
        "2026-04-17 19:00",
    ]
    assert [m.video_url.endswith("/new") for m in after] == [False, False, True, True, True]


def test_a_meeting_that_has_begun_cannot_be_changed_or_moved_into_the_past(weekly):
    meetings = reloaded(weekly.id)
    during = meetings[0].starts_at + timedelta(minutes=5)
    with pytest.raises(ServiceError, match="already begun"):
        services.edit_meeting(
            meetings[0], Scope.THIS, date(2026, 3, 20), time(19, 0), DETAILS, now=during
        )
    with pytest.raises(ServiceError, match="in the future") as refused:
        services.edit_meeting(
            meetings[1], Scope.THIS, date(2026, 3, 19), time(18, 0), DETAILS, now=during
        )
    assert refused.value.field == "date"


def test_cancelled_meetings_stay_in_the_schedule_marked_as_cancelled(weekly):
    meetings = reloaded(weekly.id)
    services.cancel_meeting(meetings[1], Scope.THIS, now=NOW)
    db.session.commit()
    assert [m.cancelled for m in reloaded(weekly.id)] == [False, True, False, False, False]

    services.cancel_meeting(reloaded(weekly.id)[3], Scope.FOLLOWING, now=NOW)
    db.session.commit()
    after = reloaded(weekly.id)
    assert [m.cancelled for m in after] == [False, True, False, True, True]
    assert stored_count(Meeting) == 5
    assert [m.sequence for m in after] == [0, 1, 0, 1, 1]

    services.restore_meeting(after[3], now=NOW)
    db.session.commit()
    assert [m.cancelled for m in reloaded(weekly.id)] == [False, True, False, False, True]


def test_cancelling_the_series_cancels_every_upcoming_meeting(weekly):
    meetings = reloaded(weekly.id)
    between = datetime(2026, 3, 27, tzinfo=UTC)
    cancelled = services.cancel_meeting(meetings[4], Scope.SERIES, now=between)
    db.session.commit()
    assert len(cancelled) == 3
    assert [m.cancelled for m in reloaded(weekly.id)] == [False, False, True, True, True]


def test_restoring_needs_a_cancelled_meeting(weekly):
    with pytest.raises(ServiceError, match="not cancelled"):
        services.restore_meeting(reloaded(weekly.id)[0], now=NOW)


def test_rsvp_is_one_answer_per_person_and_can_change(circle, weekly):
    _, c = circle
    member = f.create_user("Mo")
    f.add_member(c, member, "Mo")
    other = f.create_user("Nic")
    f.add_member(c, other, "Nic")
    first, second = reloaded(weekly.id)[:2]
    services.set_rsvp(first, member, RsvpAnswer.GOING, now=NOW)
    services.set_rsvp(first, member, RsvpAnswer.MAYBE, now=NOW)
    services.set_rsvp(first, other, RsvpAnswer.NOT_GOING, now=NOW)
    services.set_rsvp(second, member, RsvpAnswer.GOING, now=NOW)
    db.session.commit()
    assert services.own_rsvps(member.id, [first.id, second.id]) == {
        first.id: RsvpAnswer.MAYBE,
        second.id: RsvpAnswer.GOING,
    }
    counts = services.rsvp_counts([first.id, second.id])
    assert counts[first.id] == {RsvpAnswer.MAYBE: 1, RsvpAnswer.NOT_GOING: 1}
    assert counts[second.id] == {RsvpAnswer.GOING: 1}


def test_no_rsvp_for_a_cancelled_or_finished_meeting(circle, weekly):
    member = f.create_user("Mo")
    f.add_member(circle[1], member)
    first, second = reloaded(weekly.id)[:2]
    services.cancel_meeting(second, Scope.THIS, now=NOW)
    with pytest.raises(ServiceError, match="cancelled"):
        services.set_rsvp(second, member, RsvpAnswer.GOING, now=NOW)
    with pytest.raises(ServiceError, match="over"):
        services.set_rsvp(first, member, RsvpAnswer.GOING, now=first.ends_at)


def test_changing_only_the_link_for_following_meetings_keeps_their_own_agenda_and_time(weekly):
    meetings = reloaded(weekly.id)
    services.edit_meeting(
        meetings[3],
        Scope.THIS,
        date(2026, 4, 9),
        time(21, 0),
        MeetingDetails(90, agenda="Letters"),
        now=NOW,
    )
    db.session.commit()
    second = reloaded(weekly.id)[1]
    services.edit_meeting(
        second,
        Scope.FOLLOWING,
        date(2026, 3, 26),
        time(19, 0),
        MeetingDetails(90, video_url="https://meet.example.org/new"),
        now=NOW,
    )
    db.session.commit()
    after = reloaded(weekly.id)
    assert [m.video_url.endswith("/new") for m in after] == [False, True, True, True, True]
    assert after[3].agenda == "Letters"
    assert local_times(after, "Europe/London")[3] == "2026-04-09 21:00"


def test_moving_a_meeting_resets_its_reminders_and_on_another_day_its_answers(circle, weekly):
    member = f.create_user("Mo")
    f.add_member(circle[1], member)
    first, second = reloaded(weekly.id)[:2]
    for m in (first, second):
        services.set_rsvp(m, member, RsvpAnswer.GOING, now=NOW)
        db.session.add(ReminderSent(meeting_id=m.id, user_id=member.id))
    db.session.commit()
    services.edit_meeting(first, Scope.THIS, date(2026, 3, 19), time(20, 0), DETAILS, now=NOW)
    services.edit_meeting(second, Scope.THIS, date(2026, 3, 27), time(19, 0), DETAILS, now=NOW)
    db.session.commit()
    assert services.own_rsvps(member.id, [first.id, second.id]) == {first.id: RsvpAnswer.GOING}
    assert stored_count(ReminderSent) == 0


def test_dates_far_away_get_a_clear_error_not_a_crash(circle, weekly):
    facilitator, c = circle
    for plan in (
        SeriesPlan(date(9999, 12, 31), time(23, 0), "America/New_York"),
        SeriesPlan(date(2029, 1, 1), time(19, 0), "UTC"),
    ):
        with pytest.raises(ServiceError) as refused:
            services.schedule_meeting(c, facilitator, plan, DETAILS, now=NOW)
        assert refused.value.field == "date"
    with pytest.raises(ServiceError, match="within the next two years"):
        services.edit_meeting(
            reloaded(weekly.id)[0],
            Scope.FOLLOWING,
            date(9999, 12, 30),
            time(19, 0),
            DETAILS,
            now=NOW,
        )
    with pytest.raises(ServiceError):
        window.local_datetime(date(1, 1, 1), time(0, 30), "Asia/Tokyo")


def test_a_broken_host_in_a_video_link_is_refused_calmly():
    with pytest.raises(ServiceError):
        check_video_url("https://[x")


def test_cancelling_what_is_already_cancelled_is_explained(weekly):
    first = reloaded(weekly.id)[0]
    services.cancel_meeting(first, Scope.THIS, now=NOW)
    with pytest.raises(ServiceError, match="already cancelled"):
        services.cancel_meeting(first, Scope.THIS, now=NOW)


def test_removing_a_facilitator_from_the_organisation_removes_their_answers(circle, weekly):
    from circles.orgs import services as orgs
    from circles.orgs.models import OrgMember, OrgRole

    _, c = circle
    colleague = f.create_user("Cal")
    staff = f.add_staff(c.org, colleague)
    f.add_facilitator(c, colleague, "Cal")
    services.set_rsvp(reloaded(weekly.id)[0], colleague, RsvpAnswer.GOING, now=NOW)
    db.session.commit()
    orgs.remove_staff(db.session.get(OrgMember, staff.id), by=None, by_role=OrgRole.OWNER)
    db.session.commit()
    assert stored_count(Rsvp) == 0
