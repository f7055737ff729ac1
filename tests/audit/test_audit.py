"""The audit log: each listed action is recorded (who, what, when, which object, never content),
admins read and filter it, and nothing in the app can change or delete an entry."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from circles.audit.models import AppendOnlyError, AuditAction, AuditEntry
from circles.audit.services import record
from circles.db import utcnow
from circles.extensions import db
from circles.groups.models import CircleInvite, CircleMember
from circles.orgs.models import OrgInvite, OrgMember
from tests.conftest import client_for


@pytest.fixture
def org(make):
    """Ada administers an organisation where Fran runs a circle with member Mo; Cas is staff."""
    ada = make.create_user("Ada Admin")
    org = make.create_org("Harbour Practice", owner=ada)
    fran = make.create_user("Fran")
    make.add_staff(org, fran)
    cas = make.create_user("Cas")
    make.add_staff(org, cas)
    circle = make.create_circle(org, fran, "Evening circle")
    mo = make.create_user("Mo")
    make.add_member(circle, mo, "Mo")
    return {"ada": ada, "org": org, "fran": fran, "cas": cas, "circle": circle, "mo": mo}


def entries(app) -> list[tuple[str, int | None, str, int | None, dict]]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(e.action, e.actor_id, e.object_type, e.object_id, e.details) for e in rows]


def test_settings_changes_record_which_settings_changed_not_their_values(app, org):
    ada = client_for(app, org["ada"])
    url = f"/orgs/{org['org'].id}/settings"
    data = {"name": "Harbour Practice", "anonymity_k": "6", "crisis_resources": "Ring 0800 1"}
    assert ada.post(url, data={**data, "live_retention_days": "0"}).status_code == 302
    assert ada.post(url, data={**data, "live_retention_days": "0"}).status_code == 302  # no change
    assert entries(app) == [
        (
            "settings_changed",
            org["ada"].id,
            "organisation",
            org["org"].id,
            {"changed": ["anonymity_k", "crisis_resources"]},
        )
    ]
    assert "0800" not in json.dumps(entries(app))


def test_team_changes_are_recorded(app, org):
    ada = client_for(app, org["ada"])
    base = f"/orgs/{org['org'].id}"
    ada.post(f"{base}/invites", data={"role": "facilitator", "days": "7", "max_uses": "1"})
    with app.app_context():
        invite = db.session.scalars(select(OrgInvite)).one()
        cas_staff = db.session.scalar(select(OrgMember).where(OrgMember.user_id == org["cas"].id))
    ada.post(f"{base}/invites/{invite.id}/revoke")
    ada.post(f"{base}/team/{cas_staff.id}/role", data={"role": "admin"})
    ada.post(f"{base}/team/{cas_staff.id}/remove")
    ada_id = org["ada"].id
    assert entries(app) == [
        ("staff_invited", ada_id, "invite", invite.id, {"role": "facilitator"}),
        ("staff_invite_revoked", ada_id, "invite", invite.id, {}),
        ("role_changed", ada_id, "user", org["cas"].id, {"role": "facilitator to admin"}),
        ("staff_removed", ada_id, "user", org["cas"].id, {}),
    ]


def test_circle_changes_are_recorded(app, org):
    fran = client_for(app, org["fran"])
    circle_id = org["circle"].id
    base = f"/circles/{circle_id}"
    fran.post(f"{base}/invitations", data={"days": "7", "max_uses": "3"})
    with app.app_context():
        invite = db.session.scalars(select(CircleInvite)).one()
        mo_member = db.session.scalar(
            select(CircleMember).where(CircleMember.user_id == org["mo"].id)
        )
    fran.post(f"{base}/invitations/{invite.id}/revoke")
    fran.post(f"{base}/facilitators", data={"user_id": str(org["cas"].id), "display_name": "Cas"})
    fran.post(f"{base}/members/{mo_member.id}/remove")
    fran_id = org["fran"].id
    circle = {"circle": circle_id}
    assert entries(app) == [
        ("members_invited", fran_id, "invite", invite.id, circle),
        ("member_invite_revoked", fran_id, "invite", invite.id, circle),
        ("co_facilitator_added", fran_id, "user", org["cas"].id, circle),
        ("member_removed", fran_id, "user", org["mo"].id, circle),
    ]


def test_a_refused_action_leaves_no_entry(app, org):
    ada = client_for(app, org["ada"])
    with app.app_context():
        own = db.session.scalar(select(OrgMember).where(OrgMember.user_id == org["ada"].id))
    # The last admin cannot step down: refused, and nothing is recorded.
    ada.post(f"/orgs/{org['org'].id}/team/{own.id}/role", data={"role": "facilitator"})
    assert entries(app) == []


def test_every_look_at_a_check_in_report_is_recorded(app, make, org):
    make.set_up_checkins(org["circle"])
    fran = client_for(app, org["fran"])
    ada = client_for(app, org["ada"])
    circle_id, org_id = org["circle"].id, org["org"].id
    assert fran.get(f"/circles/{circle_id}/checkins/report").status_code == 200
    assert fran.get(f"/circles/{circle_id}/checkins/report.csv").status_code == 200
    assert ada.get(f"/orgs/{org_id}/checkins/report").status_code == 200
    assert ada.get(f"/orgs/{org_id}/checkins/report.csv").status_code == 200
    assert entries(app) == [
        ("report_viewed", org["fran"].id, "circle", circle_id, {}),
        ("report_exported", org["fran"].id, "circle", circle_id, {}),
        ("report_viewed", org["ada"].id, "organisation", org_id, {}),
        ("report_exported", org["ada"].id, "organisation", org_id, {}),
    ]


def test_entries_cannot_be_changed_or_deleted_through_the_app(app, org):
    with app.app_context():
        entry = record(org["org"].id, org["ada"].id, AuditAction.SETTINGS_CHANGED, "org", 1)
        db.session.commit()
        entry.action = "nothing_happened"
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, entry.id))
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        for statement in (delete(AuditEntry), update(AuditEntry).values(actor_id=None)):
            with pytest.raises(AppendOnlyError):
                db.session.execute(statement)
            db.session.rollback()
        assert db.session.scalars(select(AuditEntry.action)).all() == ["settings_changed"]


def test_admins_read_and_filter_the_log(app, org):
    org_id = org["org"].id
    with app.app_context():
        for action, actor in (
            (AuditAction.REPORT_VIEWED, org["fran"]),
            (AuditAction.REPORT_VIEWED, org["ada"]),
            (AuditAction.MEMBER_REMOVED, org["fran"]),
        ):
            record(org_id, actor.id, action, "circle", org["circle"].id)
        old = record(org_id, org["ada"].id, AuditAction.ROLE_CHANGED, "user", org["cas"].id)
        db.session.flush()
        # An old entry, written as the app would have written it back then.
        db.session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == old.id)
            .values(created_at=utcnow() - timedelta(days=40)),
            execution_options={"audit_scrub": True},
        )
        db.session.commit()
    ada = client_for(app, org["ada"])
    url = f"/orgs/{org_id}/audit"
    page = ada.get(url).get_data(as_text=True)
    assert "Entries (4)" in page
    table = page.split("<table>")[1]  # (the filter lists every action too)
    assert table.index("Removed a member from a circle") < table.index("Changed a team member")
    by_fran = ada.get(url, query_string={"actor": org["fran"].id}).get_data(as_text=True)
    assert "Entries (2)" in by_fran and "<td>Ada Admin</td>" not in by_fran
    views = ada.get(url, query_string={"action": "report_viewed"}).get_data(as_text=True)
    assert "Entries (2)" in views
    recent = (utcnow() - timedelta(days=7)).date().isoformat()
    assert "Entries (3)" in ada.get(url, query_string={"since": recent}).get_data(as_text=True)
    bad = ada.get(url, query_string={"since": "not a date", "action": "made_up"})
    assert bad.status_code == 400 and "Entries (4)" in bad.get_data(as_text=True)
    assert client_for(app, org["fran"]).get(url).status_code == 403
