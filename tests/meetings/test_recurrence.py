"""Recurring meetings keep their wall-clock time across daylight saving, in every zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from circles.exceptions import ServiceError
from circles.meetings.recurrence import MAX_OCCURRENCES, Repeat, SeriesPlan, build_rule, expand


def local(instants, zone):
    return [i.astimezone(ZoneInfo(zone)) for i in instants]


@pytest.mark.parametrize(
    ("zone", "first", "changes_on"),
    [
        # Clocks go back on 26 Oct 2025 in London and on 2 Nov 2025 in New York.
        ("Europe/London", date(2025, 10, 16), date(2025, 10, 26)),
        ("America/New_York", date(2025, 10, 23), date(2025, 11, 2)),
        # And forward on 30 Mar 2025 / 9 Mar 2025.
        ("Europe/London", date(2025, 3, 20), date(2025, 3, 30)),
        ("America/New_York", date(2025, 2, 27), date(2025, 3, 9)),
    ],
)
def test_weekly_meeting_stays_at_19_local_across_dst(zone, first, changes_on):
    plan = SeriesPlan(first, time(19, 0), zone, Repeat.WEEKLY, count=4)
    meetings = expand(plan)
    assert [m.tzinfo for m in meetings] == [UTC] * 4
    walls = local(meetings, zone)
    assert [w.time() for w in walls] == [time(19, 0)] * 4
    assert [w.weekday() for w in walls] == [first.weekday()] * 4
    before = [m for m, w in zip(meetings, walls, strict=True) if w.date() < changes_on]
    after = [m for m, w in zip(meetings, walls, strict=True) if w.date() > changes_on]
    assert before and after
    # The UTC time moved by an hour, because the wall clock did not.
    offsets = {walls[0].utcoffset(), walls[-1].utcoffset()}
    assert len(offsets) == 2 and max(offsets) - min(offsets) == timedelta(hours=1)
    assert after[0].time() != before[0].time()


def test_non_hour_offset_zone():
    meetings = expand(
        SeriesPlan(date(2025, 6, 2), time(18, 30), "Asia/Kolkata", Repeat.WEEKLY, count=3)
    )
    assert [m.strftime("%Y-%m-%d %H:%M") for m in meetings] == [
        "2025-06-02 13:00",
        "2025-06-09 13:00",
        "2025-06-16 13:00",
    ]


def test_fortnightly_with_end_date_is_inclusive():
    plan = SeriesPlan(
        date(2025, 1, 6), time(10, 0), "UTC", Repeat.FORTNIGHTLY, until=date(2025, 2, 17)
    )
    assert [m.date() for m in expand(plan)] == [
        date(2025, 1, 6),
        date(2025, 1, 20),
        date(2025, 2, 3),
        date(2025, 2, 17),
    ]


def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months():
    plan = SeriesPlan(
        date(2025, 1, 31), time(9, 0), "Europe/London", Repeat.MONTHLY_BY_DATE, count=5
    )
    assert [w.date() for w in local(expand(plan), "Europe/London")] == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
    ]


def test_monthly_on_the_30th_in_a_leap_february():
    plan = SeriesPlan(date(2024, 1, 30), time(9, 0), "UTC", Repeat.MONTHLY_BY_DATE, count=3)
    assert [m.date() for m in expand(plan)] == [
        date(2024, 1, 30),
        date(2024, 2, 29),
        date(2024, 3, 30),
    ]


def test_monthly_by_weekday_second_tuesday_and_fifth_becomes_last():
    second = SeriesPlan(date(2025, 1, 14), time(19, 0), "UTC", Repeat.MONTHLY_BY_WEEKDAY, count=3)
    assert [m.date() for m in expand(second)] == [
        date(2025, 1, 14),
        date(2025, 2, 11),
        date(2025, 3, 11),
    ]
    fifth = SeriesPlan(date(2025, 1, 29), time(19, 0), "UTC", Repeat.MONTHLY_BY_WEEKDAY, count=3)
    assert [m.date() for m in expand(fifth)] == [
        date(2025, 1, 29),
        date(2025, 2, 26),
        date(2025, 3, 26),
    ]
    assert build_rule(fifth) == "FREQ=MONTHLY;BYDAY=-1WE;COUNT=3"


def test_a_time_skipped_by_spring_forward_moves_forward():
    # 01:30 on 30 March 2025 does not exist in London: it becomes 02:30 BST, i.e. 01:30 UTC.
    (meeting,) = expand(SeriesPlan(date(2025, 3, 30), time(1, 30), "Europe/London"))
    assert meeting == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)


def test_one_off_meeting():
    (meeting,) = expand(SeriesPlan(date(2025, 7, 1), time(19, 0), "America/New_York"))
    assert meeting == datetime(2025, 7, 1, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (SeriesPlan(date(2025, 1, 1), time(9), "UTC", Repeat.WEEKLY), "Say when the series ends"),
        (
            SeriesPlan(
                date(2025, 1, 1), time(9), "UTC", Repeat.WEEKLY, count=3, until=date(2025, 3, 1)
            ),
            "Say when the series ends",
        ),
        (SeriesPlan(date(2025, 1, 1), time(9), "UTC", Repeat.WEEKLY, count=0), "Choose from 1 to"),
        (
            SeriesPlan(date(2025, 1, 1), time(9), "UTC", Repeat.WEEKLY, until=date(2024, 12, 1)),
            "cannot end before",
        ),
        (
            SeriesPlan(date(2025, 1, 1), time(9), "UTC", Repeat.WEEKLY, until=date(2030, 1, 1)),
            f"more than {MAX_OCCURRENCES}",
        ),
        (SeriesPlan(date(2025, 1, 1), time(9), "Mars/Olympus"), "time zone"),
    ],
)
def test_bad_plans_are_explained(plan, message):
    with pytest.raises(ServiceError, match=message):
        expand(plan)


def test_a_time_repeated_by_fall_back_takes_its_first_instant():
    # 01:30 on 26 October 2025 happens twice in London; the meeting is at the first (BST).
    (meeting,) = expand(SeriesPlan(date(2025, 10, 26), time(1, 30), "Europe/London"))
    assert meeting == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
