"""Pages run a fixed number of SQL queries, however many circles, members or invitations exist."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import login_as


def grow(make, org, facilitator, user, n):
    """Give `user` n more circles, each with n members and n invitations."""
    for _ in range(n):
        circle = make.create_circle(org, facilitator)
        make.add_member(circle, user)
        for _ in range(n):
            make.add_member(circle, make.create_user())
            make.create_circle_invite(circle, facilitator)
    return circle


def queries_for(app, count_queries, user, path):
    client = app.test_client()
    with app.app_context():
        login_as(client, user.id)
    with count_queries() as counter:
        assert client.get(path).status_code == 200
    return counter.count


def test_home_circle_page_and_roster_do_not_grow(app, make, count_queries):
    facilitator = make.create_user()
    org = make.create_org(owner=facilitator)
    member = make.create_user()

    def measure(circle):
        member_pages = ["/", f"/circles/{circle.id}", f"/circles/{circle.id}/roster"]
        staff_pages = [*member_pages, f"/circles/{circle.id}/invitations", f"/orgs/{org.id}"]
        return {
            "member": [queries_for(app, count_queries, member, p) for p in member_pages],
            "facilitator": [queries_for(app, count_queries, facilitator, p) for p in staff_pages],
        }

    small = measure(grow(make, org, facilitator, member, 1))
    big = measure(grow(make, org, facilitator, member, 6))
    assert small == big
    assert max(max(counts) for counts in big.values()) <= 7


def test_home_schedule_and_meeting_pages_do_not_grow_with_meetings_or_circles(
    app, make, count_queries
):
    """The member's home page and the facilitator's schedule view: same queries for 1 or 6."""
    from circles.meetings.models import RsvpAnswer
    from circles.meetings.recurrence import Repeat

    facilitator = make.create_user()
    org = make.create_org(owner=facilitator)
    member = make.create_user()

    def grow_meetings(n):
        for _ in range(n):
            circle = make.create_circle(org, facilitator)
            make.add_member(circle, member)
            series = make.schedule(circle, facilitator, repeat=Repeat.WEEKLY, count=n)
            for meeting in series.meetings:
                make.answer(meeting, member, RsvpAnswer.GOING)
        make.dosing_session(member, series.meetings[0].starts_at - timedelta(hours=30))
        return circle, series.meetings[0]

    def measure(circle, meeting):
        meeting_page = f"/circles/{circle.id}/meetings/{meeting.id}"
        pages = ["/", "/schedule", f"/circles/{circle.id}", f"/circles/{circle.id}/meetings"]
        pages += [meeting_page, "/integration"]
        return {
            who.id: [queries_for(app, count_queries, who, p) for p in pages]
            for who in (member, facilitator)
        }

    small = measure(*grow_meetings(1))
    big = measure(*grow_meetings(6))
    assert small == big
    # The circle page is the fullest: meetings, RSVPs, the integration window, the live room,
    # and the member's own support requests.
    assert max(max(counts) for counts in big.values()) <= 9
