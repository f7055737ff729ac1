"""Report pages run a fixed number of queries, however many circles, members and check-ins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.test_queries import queries_for


def test_report_pages_do_not_grow(app, make, count_queries):
    admin = make.create_user()
    org = make.create_org(owner=admin)
    member = make.create_user()
    now = datetime.now(UTC)

    def grow(n):
        for _ in range(n):
            circle = make.create_circle(org, admin, capacity=50)
            make.set_up_checkins(circle)
            people = [make.create_user() for _ in range(n * 2)]
            for person in people:
                make.add_member(circle, person)
            for weeks in range(n):
                for index, person in enumerate(people):
                    make.check_in(circle, person, index % 6, now=now - timedelta(weeks=weeks))
        make.add_member(circle, member)
        make.check_in(circle, member, 3, now=now - timedelta(weeks=n))
        return circle

    def measure(circle):
        staff = [
            f"/circles/{circle.id}/checkins/report",
            f"/circles/{circle.id}/checkins/report.csv",
            f"/orgs/{org.id}/checkins/report",
            f"/orgs/{org.id}/checkins/report.csv",
            f"/circles/{circle.id}/checkins/setup",
            f"/circles/{circle.id}/support",
        ]
        own = [f"/circles/{circle.id}/checkin", f"/circles/{circle.id}/checkin/history"]
        # The first look releases what has come due (a pool, leftovers of closed weeks): work
        # done once, by whoever looks first; every look after it costs the same.
        queries_for(app, count_queries, admin, staff[0])
        return [queries_for(app, count_queries, admin, p) for p in staff[:5]] + [
            queries_for(app, count_queries, member, p) for p in own
        ]

    small = measure(grow(1))
    big = measure(grow(3))
    assert small == big
    # The circle report's 12: its own 10, and the release's look at what is due (2 reads).
    assert max(big) <= 12
