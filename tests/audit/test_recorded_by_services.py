"""Every state change records its audit entry in its service, whatever calls it (a page, a
socket event, a command): here the services are called directly, with no view around them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from circles.audit.models import AuditEntry
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups import services as groups
from circles.groups.models import CircleMember
from circles.orgs import services as orgs
from circles.orgs.models import OrgMember, OrgRole
from tests import factories as f


@pytest.fixture
def org(ctx):
    """Ada owns an organisation where Fran runs a circle with member Mo; Cas is staff."""
    ada = f.create_user("Ada Admin")
    org = f.create_org("Harbour Practice", owner=ada)
    fran, cas, mo = f.create_user("Fran"), f.create_user("Cas"), f.create_user("Mo")
    f.add_staff(org, fran)
    f.add_staff(org, cas)
    circle = f.create_circle(org, fran, "Evening circle")
    f.add_member(circle, mo, "Mo")
    return {"ada": ada, "org": org, "fran": fran, "cas": cas, "circle": circle, "mo": mo}


def entries() -> list[tuple[str, int | None, str, int | None, dict]]:
    rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    return [(e.action, e.actor_id, e.object_type, e.object_id, e.details) for e in rows]


def staff_row(org, user) -> OrgMember:
    return db.session.scalars(
        select(OrgMember).where(OrgMember.org_id == org.id, OrgMember.user_id == user.id)
    ).one()


def membership(circle, user) -> CircleMember:
    return db.session.scalars(
        select(CircleMember).where(
            CircleMember.circle_id == circle.id, CircleMember.user_id == user.id
        )
    ).one()


def test_organisation_changes_are_recorded_by_their_services(org):
    ada, o, cas = org["ada"], org["org"], org["cas"]
    changed = orgs.update_settings(
        o, name="Harbour Practice", anonymity_k=7, crisis_resources="Ring 0800 1", by=ada
    )
    assert changed == ["anonymity_k", "crisis_resources"]
    assert (
        orgs.update_settings(o, name=o.name, anonymity_k=7, crisis_resources="Ring 0800 1", by=ada)
        == []
    )
    invite, _ = orgs.create_staff_invite(
        o, role=OrgRole.ADMIN, days=7, max_uses=1, email=None, by=ada
    )
    orgs.revoke_staff_invite(invite, by=ada)
    orgs.change_role(staff_row(o, cas), OrgRole.ADMIN, by=ada, by_role=OrgRole.OWNER)
    orgs.change_role(staff_row(o, cas), OrgRole.ADMIN, by=ada, by_role=OrgRole.OWNER)  # no change
    orgs.remove_staff(staff_row(o, cas), by=ada, by_role=OrgRole.OWNER)
    db.session.commit()

    assert entries() == [
        ("settings_changed", ada.id, "organisation", o.id, {"changed": changed}),
        ("staff_invited", ada.id, "invite", invite.id, {"role": "admin"}),
        ("staff_invite_revoked", ada.id, "invite", invite.id, {}),
        ("role_changed", ada.id, "user", cas.id, {"role": "facilitator to admin"}),
        ("staff_removed", ada.id, "user", cas.id, {}),
    ]


def test_circle_changes_are_recorded_by_their_services(org):
    fran, cas, mo, circle = org["fran"], org["cas"], org["mo"], org["circle"]
    invite, _ = groups.create_invite(circle, days=7, max_uses=3, email=None, by=fran)
    groups.revoke_invite(invite, by=fran)
    groups.add_co_facilitator(circle, cas.id, "Cas", by=fran)
    groups.remove_member(membership(circle, mo), by=fran)
    db.session.commit()

    here = {"circle": circle.id}
    assert entries() == [
        ("members_invited", fran.id, "invite", invite.id, here),
        ("member_invite_revoked", fran.id, "invite", invite.id, here),
        ("co_facilitator_added", fran.id, "user", cas.id, here),
        ("member_removed", fran.id, "user", mo.id, here),
    ]


def test_leaving_a_circle_is_not_an_entry_but_the_operator_removing_someone_is(org):
    circle, mo, cas = org["circle"], org["mo"], org["cas"]
    f.add_member(circle, cas, "Cas")
    groups.remove_member(membership(circle, mo), by=mo)  # Mo leaves
    groups.remove_member(membership(circle, cas), by=None)  # from a command line
    db.session.commit()
    assert entries() == [("member_removed", None, "user", cas.id, {"circle": circle.id})]


def test_a_refused_change_records_nothing(org):
    ada, o = org["ada"], org["org"]
    with pytest.raises(ServiceError):
        orgs.change_role(staff_row(o, ada), OrgRole.FACILITATOR, by=ada, by_role=OrgRole.OWNER)
    with pytest.raises(ServiceError):
        groups.remove_member(membership(org["circle"], org["fran"]), by=ada)  # the only facilitator
    db.session.rollback()
    assert entries() == []
