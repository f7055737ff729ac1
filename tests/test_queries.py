"""Pages run a fixed number of SQL queries, however many circles, members or invitations exist."""

from __future__ import annotations

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
    assert max(max(counts) for counts in big.values()) <= 6
