"""A small circle's report: themes and practices pooled over four weeks, withheld where they
must be, and a sentence saying why a figure counts fewer check-ins than were made."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from circles.checkins import reports
from circles.checkins.services import week_start
from circles.extensions import db
from circles.orgs.models import Organisation
from tests.conftest import client_for

NOW = datetime.now(UTC)  # the pages read the clock too
THIS_WEEK = week_start(NOW.date())


def eight_person_circle(app, make, k: int, size: int = 8):
    facilitator = make.create_user("Fran Facilitator")
    org = make.create_org(owner=facilitator)
    with app.app_context():
        db.session.get(Organisation, org.id).anonymity_k = k
        db.session.commit()
    circle = make.create_circle(org, facilitator, "Tuesday circle", capacity=12)
    make.set_up_checkins(circle)
    people = [make.create_user(f"Person {n}") for n in range(size)]
    for person in people:
        make.add_member(circle, person)
    return facilitator, circle, people


def four_weeks(make, circle, people, first_back: int, per_week=(6, 7, 6, 7)) -> None:
    """Four weeks of check-ins, starting ``first_back`` weeks ago. The first to check in tick
    most: "Control" four (then three) of them, journaling three, grief two; everyone ticks
    anger, nobody relief."""
    for week, count in enumerate(per_week):
        when = NOW - timedelta(weeks=first_back - week)
        for index, person in enumerate(people[:count]):
            themes = {"t_anger"}
            if index < (4 if week < 2 else 3):
                themes.add("t_control")
            if index < 2:
                themes.add("t_grief")
            practices = {"p_journal"} if index < 3 else set()
            make.check_in(
                circle,
                person,
                (index + week) % 6,
                themes=frozenset(themes),
                practices=frozenset(practices),
                now=when,
            )


def pooled_section(html: str) -> str:
    start = html.index('id="pooled"')
    return html[start : html.index('id="themes"', start)]


@pytest.mark.parametrize("k", [5, 3])
def test_an_eight_person_circle_sees_its_most_present_themes_after_four_weeks(app, make, k):
    facilitator, circle, people = eight_person_circle(app, make, k)
    four_weeks(make, circle, people, first_back=5)
    html = (
        client_for(app, facilitator)
        .get(f"/circles/{circle.id}/checkins/report")
        .get_data(as_text=True)
    )
    pooled = pooled_section(html)
    # k = 5: each week releases five (one step); k = 3: six (two steps).
    held = 20 if k == 5 else 24
    assert f"· {held} check-ins" in pooled
    ranks = re.findall(r"<tr><td>(\d+)</td><th scope=\"row\">([^<]+)</th><td>([^<]+)</td>", pooled)
    assert [label for _, label, _ in ranks][:3] == [
        "Control, surrender and trust",
        "Journaling (practice)",
        "Grief",
    ]
    # Control: 14 of 20 (k = 5) is "most"; 14 of 24 (k = 3) is "many".
    share = "most check-ins" if k == 5 else "many check-ins"
    assert ranks[0] == ("1", "Control, surrender and trust", share)
    # Ticked by everyone, or by nobody: never shown, it would tell each person's answer.
    not_shown = pooled[pooled.index("Not shown") :]
    assert "Anger" in not_shown and "Relief" in not_shown
    assert "Anger" not in [label for _, label, _ in ranks]
    if k == 5:  # five a week can never show a count of their own
        assert "No single week can show one yet; see the four weeks above." in html


def test_four_weeks_still_under_way_show_when_they_are_due(app, make):
    facilitator, circle, people = eight_person_circle(app, make, 5)
    four_weeks(make, circle, people, first_back=3)  # the fourth week is this one
    html = (
        client_for(app, facilitator)
        .get(f"/circles/{circle.id}/checkins/report")
        .get_data(as_text=True)
    )
    pooled = pooled_section(html)
    assert "No four weeks have closed yet." in pooled
    due = (THIS_WEEK + timedelta(weeks=1, days=1)).strftime("%-d %B %Y")
    assert f"The next four weeks appear from {due}." in pooled
    assert "<table" not in pooled


def test_a_pooled_count_is_withheld_when_the_weeks_not_shown_could_be_read_from_it(app, make):
    """Week one shows grief on its own (5 of 9); week two's three never ticked it. Pooled, 5 of
    12 would have k on both sides, but minus week one it would say none of the three did."""
    facilitator, circle, people = eight_person_circle(app, make, 3, size=9)
    for index, person in enumerate(people):
        themes = {"t_grief"} if index < 5 else set()
        themes |= {"t_anger"} if index % 2 else set()
        themes |= {"t_compassion"} if index < 2 else set()
        make.check_in(circle, person, 3, themes=frozenset(themes), now=NOW - timedelta(weeks=5))
    for index, person in enumerate(people[:3]):
        themes = {"t_anger", "t_compassion"} if index < 2 else set()
        make.check_in(circle, person, 3, themes=frozenset(themes), now=NOW - timedelta(weeks=4))
    with app.app_context():
        k = db.session.get(Organisation, circle.org_id).anonymity_k
        report = reports.circle_report(db.session.merge(circle), k, NOW)
        first_week = THIS_WEEK - timedelta(weeks=5)
        week_one = {c.key: c.count for c in report.counts if c.first == first_week}
        assert week_one["t_grief"] == 5 and week_one["t_anger"] == 4
        (window,) = report.pooled
        assert window.respondents == 12
        items = {item.key: item for item in window.items}
        assert items["t_grief"].rank is None and items["t_grief"].count is None
        # Anger: 4 of 9 (shown), then 2 of 3: the three's 2 of 3 could be read off: withheld.
        assert items["t_anger"].count is None
        # Compassion: 2 of 9 and 2 of 3, neither shown on its own; 4 of 12 together is.
        assert items["t_compassion"].count == 4 and items["t_compassion"].rank == 1
    html = (
        client_for(app, facilitator)
        .get(f"/circles/{circle.id}/checkins/report")
        .get_data(as_text=True)
    )
    not_shown = pooled_section(html).split("Not shown", 1)[1]
    assert "Grief" in not_shown
    csv_text = client_for(app, facilitator).get(f"/circles/{circle.id}/checkins/report.csv")
    rows = list(csv.reader(io.StringIO(csv_text.get_data(as_text=True))))
    pooled_rows = {row[3]: row[4:] for row in rows if len(row) == 7 and row[0] == "Tuesday circle"}
    assert pooled_rows["Grief"] == ["12", "not shown", ""]
    assert pooled_rows["Compassion"] == ["12", "1", "many check-ins"]


def test_the_report_says_why_six_check_ins_count_as_five(app, make):
    facilitator, circle, people = eight_person_circle(app, make, 5)
    for person in people[:6]:
        make.check_in(circle, person, 3)
    html = (
        client_for(app, facilitator)
        .get(f"/circles/{circle.id}/checkins/report")
        .get_data(as_text=True)
    )
    assert re.search(r"<td>I have felt calm and settled\.</td>\s*<td>5</td>", html)
    assert (
        "A figure can count fewer check-ins than were made, because check-ins are added only "
        "in groups of at least 5: the latest ones wait until 5 are in, a week with fewer than 5 "
        "in all waits to be pooled with the next, and fewer than 5 left over when a week closes "
        "are never counted."
    ) in html


def test_the_organisation_report_explains_its_counts_too(app, make):
    facilitator, circle, people = eight_person_circle(app, make, 5)
    for person in people[:6]:
        make.check_in(circle, person, 3)
    html = client_for(app, facilitator).get(f"/orgs/{circle.org_id}/checkins/report")
    text = html.get_data(as_text=True)
    assert "These figures can count fewer check-ins than were made" in text
    assert 'id="pooled"' not in text  # pooled themes are each circle's own


def test_an_organisation_week_shows_theme_counts_only_once_its_periods_have_closed(app, ctx):
    """A count that moved with each release would say what the people of one release ticked."""
    from circles.checkins import org_reports
    from circles.checkins.models import PeriodKind
    from tests import factories as f

    admin = f.create_user()
    org = f.create_org(owner=admin)
    weekly = f.create_circle(org, admin, capacity=12)
    f.set_up_checkins(weekly)
    by_meeting = f.create_circle(org, admin, capacity=12)
    f.set_up_checkins(by_meeting, PeriodKind.MEETING)
    # A Tuesday meeting next week; check-ins an hour after it starts.
    tuesday = datetime.combine(THIS_WEEK + timedelta(days=8), datetime.min.time()).replace(hour=10)
    f.meeting(by_meeting, admin, first=tuesday)
    after = tuesday.replace(tzinfo=UTC) + timedelta(hours=1)
    people = [f.create_user() for _ in range(10)]
    for circle in (weekly, by_meeting):
        for index, person in enumerate(people):
            ticked = frozenset({"t_grief"} if index < 5 else ())
            f.check_in(circle, person, 3, themes=ticked, now=after)

    def grief(now: datetime) -> list[int | None]:
        report = org_reports.org_report(org.id, 5, now)
        return [c.count for c in report.counts if c.key == "t_grief"]

    assert grief(after) == [None]  # both periods still open
    a_week_on = after + timedelta(weeks=1)
    assert grief(a_week_on) == [None]  # the meeting's period is open until the next meeting
    f.meeting(by_meeting, admin, first=tuesday + timedelta(days=1))
    assert grief(a_week_on) == [10]  # 5 of 10 in each circle, both closed
