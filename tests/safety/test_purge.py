"""`flask purge`: exactly what is past each organisation's retention goes, counts only, and a
second (or simultaneous) run finds nothing more."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from circles.accounts.models import AuthSession
from circles.accounts.services import start_session
from circles.db import utcnow
from circles.extensions import db
from circles.groups.models import CircleInvite
from circles.orgs.models import Organisation, OrgInvite
from circles.retention import purge
from circles.safety import services as safety
from circles.safety.models import SupportRequest, SupportStatus
from tests import factories as f
from tests.conftest import client_for

DAY = timedelta(days=1)


def closed(circle, member, days_ago: float) -> int:
    request = safety.request_support(circle.id, member.id, "please call")
    safety.set_status(request, SupportStatus.CLOSED)
    request.closed_at = utcnow() - days_ago * DAY
    db.session.commit()
    return request.id


def link_ending(make_link, *, expired_days_ago=None, revoked_days_ago=None) -> int:
    link, _ = make_link()
    if expired_days_ago is not None:
        link.expires_at = utcnow() - expired_days_ago * DAY
    if revoked_days_ago is not None:
        link.revoked_at = utcnow() - revoked_days_ago * DAY
    db.session.commit()
    return link.id


def build() -> dict[str, set[int]]:
    """Two organisations with different retention; returns the ids that must go and stay."""
    gone: dict[str, set[int]] = {"support": set(), "invites": set(), "logins": set()}
    kept: dict[str, set[int]] = {"support": set(), "invites": set(), "logins": set()}
    for support_days, invite_days in ((30, 10), (90, 0)):
        owner = f.create_user()
        org = f.create_org(owner=owner)
        org.support_retention_days = support_days
        org.invite_retention_days = invite_days
        circle = f.create_circle(org, owner, "Circle")
        member = f.create_user()
        f.add_member(circle, member)
        gone["support"].add(closed(circle, member, support_days + 1))
        kept["support"].add(closed(circle, member, support_days - 1))
        # Never closed: still someone's open request, however old.
        waiting = safety.request_support(circle.id, member.id)
        waiting.created_at = utcnow() - 800 * DAY
        db.session.commit()
        kept["support"].add(waiting.id)

        def team_link(org=org, owner=owner):
            return f.create_staff_invite(org, owner)

        def circle_link(circle=circle, owner=owner):
            return f.create_circle_invite(circle, owner)

        for make_link, kind in ((team_link, "team"), (circle_link, "circle")):
            gone["invites"].add((kind, link_ending(make_link, expired_days_ago=invite_days + 1)))
            gone["invites"].add((kind, link_ending(make_link, revoked_days_ago=invite_days + 1)))
            kept["invites"].add((kind, link_ending(make_link)))
            if invite_days:
                kept["invites"].add(
                    (kind, link_ending(make_link, expired_days_ago=invite_days - 1))
                )
    old = start_session(owner)
    old.created_at = utcnow() - 31 * DAY
    fresh = start_session(owner)
    db.session.commit()
    gone["logins"].add(old.id)
    kept["logins"].add(fresh.id)
    return {"gone": gone, "kept": kept}  # type: ignore[dict-item]


def present() -> dict[str, set]:
    return {
        "support": set(db.session.scalars(select(SupportRequest.id))),
        "invites": {("team", i) for i in db.session.scalars(select(OrgInvite.id))}
        | {("circle", i) for i in db.session.scalars(select(CircleInvite.id))},
        "logins": set(db.session.scalars(select(AuthSession.id))),
    }


def test_purge_deletes_exactly_what_is_past_retention_and_a_second_run_nothing(ctx, app):
    ids = build()
    before = present()
    output = app.test_cli_runner().invoke(args=["purge"]).output
    after = present()
    for kind in before:
        assert before[kind] - after[kind] == ids["gone"][kind], kind
        assert ids["kept"][kind] <= after[kind], kind
    assert "Closed support requests deleted: 2." in output
    assert "Expired invitation links deleted: 8." in output
    assert "Expired logins deleted: 1." in output
    assert "please call" not in output  # counts only

    again = app.test_cli_runner().invoke(args=["purge"]).output
    assert "Closed support requests deleted: 0." in again
    assert "Expired invitation links deleted: 0." in again
    assert "Expired logins deleted: 0." in again
    assert present() == after


def test_two_purges_at_once_delete_each_row_once(ctx, app):
    build()
    db.session.commit()
    db.session.remove()
    results = []
    errors = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            with app.app_context():
                start.wait()
                results.append(purge(utcnow()))
                db.session.commit()
                db.session.remove()
        except Exception as error:  # reported below, with the thread's error
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.support_requests for r in results) == 2
    assert sum(r.invitations for r in results) == 8
    assert sum(r.logins for r in results) == 1
    assert purge(utcnow()).support_requests == 0


@pytest.mark.parametrize(
    ("setting", "too_much", "fine", "message"),
    [
        ("live_retention_days", "400", "14", "Choose from 0 to 90 days."),
        ("support_retention_days", "3", "60", "Choose from 7 to 730 days."),
        ("invite_retention_days", "366", "0", "Choose from 0 to 365 days."),
    ],
)
def test_admins_set_each_retention_within_bounds(app, make, setting, too_much, fine, message):
    owner = make.create_user("Ada")
    org = make.create_org(owner=owner)
    admin = client_for(app, owner)
    data = {"name": "Practice", "anonymity_k": "5", setting: too_much}
    response = admin.post(f"/orgs/{org.id}/settings", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert admin.post(f"/orgs/{org.id}/settings", data={**data, setting: fine}).status_code == 302
    with app.app_context():
        assert getattr(db.session.get(Organisation, org.id), setting) == int(fine)
