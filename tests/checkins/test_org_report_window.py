"""The organisation's report shows a window of weeks and pages back in time: each week reads the
same wherever the window puts it, the page and its CSV show the same weeks, and a page's cost
does not grow with the history it does not show."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from circles.audit.models import AuditAction, AuditEntry
from circles.checkins import org_reports, release
from circles.checkins.org_reports import WINDOW_WEEKS
from circles.checkins.services import week_start
from circles.extensions import db
from circles.orgs.models import Organisation
from tests import factories as f
from tests.conftest import client_for
from tests.test_queries import queries_for

NOW = datetime.now(UTC)  # the pages read the clock too
THIS_WEEK = week_start(NOW.date())
HISTORY = 20  # weeks with check-ins, the last one being last week


@pytest.fixture
def history(app):
    """Two circles of five members who checked in every week for twenty weeks."""
    with app.app_context():
        admin = f.create_user("Ada Admin")
        org = f.create_org(owner=admin)
        circles = []
        for _ in range(2):
            circle = f.create_circle(org, admin, capacity=10)
            f.set_up_checkins(circle)
            people = [f.create_user() for _ in range(5)]
            for person in people:
                f.add_member(circle, person)
            circles.append((circle, people))
        for back in range(HISTORY, 0, -1):
            when = NOW - timedelta(weeks=back)
            for circle, people in circles:
                for index, person in enumerate(people):
                    f.check_in(circle, person, (index + back) % 6, now=when)
            release.run_release([c.id for c, _ in circles], when)
        k = db.session.get(Organisation, org.id).anonymity_k
        yield {"org": org.id, "admin": admin, "k": k}
        db.session.remove()


def weeks_of(report):
    return sorted({fig.first for fig in report.figures if fig.published})


def test_a_page_shows_its_weeks_and_points_to_the_pages_either_side(app, history):
    with app.app_context():
        latest = org_reports.org_report(history["org"], history["k"], NOW)
        assert weeks_of(latest) == [THIS_WEEK - timedelta(weeks=n) for n in range(11, 0, -1)]
        window = latest.window
        assert window is not None and window.last == THIS_WEEK and window.later is None
        assert window.first == THIS_WEEK - timedelta(weeks=WINDOW_WEEKS - 1)
        assert window.earlier == window.first - timedelta(weeks=1)
        assert latest.open_period == THIS_WEEK and not latest.open_shown

        before = org_reports.org_report(history["org"], history["k"], NOW, window.earlier)
        assert weeks_of(before) == [THIS_WEEK - timedelta(weeks=n) for n in range(20, 11, -1)]
        assert before.window is not None and before.window.earlier is None  # nothing earlier
        assert before.window.later == THIS_WEEK
        assert before.open_period is None  # the current week's notice belongs to its page
        # Together the pages show every week once.
        assert len(weeks_of(latest)) + len(weeks_of(before)) == HISTORY


def test_a_week_reads_the_same_wherever_the_window_puts_it(app, history):
    with app.app_context():
        week = THIS_WEEK - timedelta(weeks=8)

        def seen(until):
            report = org_reports.org_report(history["org"], history["k"], NOW, until)
            return [fig for fig in report.figures if fig.first == week], [
                c for c in report.counts if c.first == week
            ]

        first = seen(week)
        assert first[0] and all(fig.published for fig in first[0])
        assert seen(week + timedelta(weeks=5)) == first
        assert seen(None) == first
        # A date in the middle of a week means that week; a future date, the latest weeks.
        assert seen(week + timedelta(days=3)) == first
        future = org_reports.org_report(history["org"], history["k"], NOW, date(2030, 1, 1))
        assert future.window == org_reports.org_report(history["org"], history["k"], NOW).window


def test_the_page_and_its_csv_show_the_same_weeks(app, history):
    client = client_for(app, history["admin"])
    org_id = history["org"]
    page = client.get(f"/orgs/{org_id}/checkins/report").get_data(as_text=True)
    assert "Earlier weeks" in page and "Later weeks" not in page
    assert "Week of" in page and "(pooled)" not in page  # weeks, not pools of periods
    earlier = (THIS_WEEK - timedelta(weeks=WINDOW_WEEKS)).isoformat()
    assert f"until={earlier}" in page
    older = client.get(f"/orgs/{org_id}/checkins/report?until={earlier}").get_data(as_text=True)
    assert "Later weeks" in older and "Earlier weeks" not in older
    assert f"report.csv?until={earlier}" in older  # the CSV link keeps the weeks shown

    response = client.get(f"/orgs/{org_id}/checkins/report.csv?until={earlier}")
    assert response.status_code == 200
    assert earlier in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    starts = {row[1] for row in rows[1:] if row and row[0] == "Whole organisation"}
    first_week = THIS_WEEK - timedelta(weeks=HISTORY)
    assert min(starts) == first_week.isoformat() and max(starts) == earlier


def test_an_unclear_date_shows_the_latest_weeks_and_says_so(app, history):
    client = client_for(app, history["admin"])
    for bad in ("yesterday", "2026-13-40", "%00"):
        response = client.get(f"/orgs/{history['org']}/checkins/report?until={bad}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "That date was not understood" in page and "Earlier weeks" in page


def test_an_unclear_date_on_the_csv_is_refused_there_and_not_carried_to_the_next_page(app, history):
    """A download cannot show a message: the date is refused on the spot, nothing is exported
    (or put on the record as exported), and no notice waits for the next page."""
    client = client_for(app, history["admin"])
    org_id = history["org"]
    for bad in ("yesterday", "2026-13-40"):
        response = client.get(f"/orgs/{org_id}/checkins/report.csv?until={bad}")
        assert response.status_code == 400
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        assert "That date was not understood" in page
        assert f"/orgs/{org_id}/checkins/report" in page  # the way back to the report
    with app.app_context():
        exported = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == AuditAction.REPORT_EXPORTED)
        )
    assert exported == 0
    later = client.get(f"/orgs/{org_id}/checkins/report").get_data(as_text=True)
    assert "That date was not understood" not in later


def test_history_before_the_window_changes_nothing_on_the_page(app, history, count_queries):
    """The latest page reads the same, with the same queries, however much lies before it
    (docs/benchmarks.md: its time does not grow with that history either)."""
    url = f"/orgs/{history['org']}/checkins/report"
    queries_for(app, count_queries, history["admin"], url)  # a first look does a little more
    before = queries_for(app, count_queries, history["admin"], url)
    with app.app_context():
        shown = org_reports.org_report(history["org"], history["k"], NOW)
    with app.app_context():
        circle = f.create_circle(db.session.get(Organisation, history["org"]), history["admin"])
        f.set_up_checkins(circle)
        people = [f.create_user() for _ in range(5)]
        for person in people:
            f.add_member(circle, person)
        for back in range(60, 40, -1):  # long ago, outside the window
            for person in people:
                f.check_in(circle, person, 3, now=NOW - timedelta(weeks=back))
            release.run_release([circle.id], NOW - timedelta(weeks=back))
    assert queries_for(app, count_queries, history["admin"], url) == before
    with app.app_context():
        assert org_reports.org_report(history["org"], history["k"], NOW) == shown
