"""Erasure: a member deletes their account after re-entering their password; every row that
identifies them is deleted or emptied, anonymous check-ins stay, reports show the same figures,
and the audit log says an account was deleted without saying whose."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from circles.accounts.models import User
from circles.accounts.services import create_personal_org
from circles.audit.models import AuditEntry
from circles.checkins import org_reports, reports
from circles.checkins.models import CheckinHistory, CheckinResponse, CheckinWaiting
from circles.db import utcnow
from circles.extensions import db
from circles.groups.models import Circle, CircleInvite, CircleMember
from circles.live import access as live_access
from circles.live import rooms as live_rooms
from circles.live.commitments import opened_text
from circles.live.models import Commitment, LiveResponse, SavedPrompt
from circles.meetings.models import MeetingSeries
from circles.orgs.models import Organisation, OrgMember, OrgRole
from circles.rights import erasure
from circles.safety.models import SupportRequest
from tests import factories as f
from tests.conftest import client_for
from tests.factories import PASSWORD
from tests.rights.conftest import MORGAN, MORGAN_IDENTIFIERS, NICOLA, identifiers_left, table_rows

CONFIRMED = {"password": PASSWORD, "understood": "y"}


def browser(app, user_id):
    with app.app_context():
        return client_for(app, db.session.get(User, user_id))


def figures(app, org_ids):
    """Everything the organisations' reports show right now: every circle's and the whole org's."""
    with app.app_context():
        now = utcnow()
        shown = []
        for org_id in org_ids:
            k = db.session.get(Organisation, org_id).anonymity_k
            circles = db.session.scalars(select(Circle).where(Circle.org_id == org_id)).all()
            for report in [org_reports.org_report(org_id, k, now)] + [
                reports.circle_report(c, k, now) for c in circles
            ]:
                shown.append((report.scope, report.figures, report.counts, report.open_shown))
        return shown


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_page_says_what_goes_and_what_stays(app, harbour):
    morgan = browser(app, harbour.morgan)
    assert "/account/delete" in morgan.get("/account").get_data(as_text=True)
    page = morgan.get("/account/delete").get_data(as_text=True)
    assert "This cannot be undone" in page and "download your data" in page
    assert "anonymous check-ins stay" in page
    assert 'autocomplete="current-password"' in page


@pytest.mark.parametrize(
    "data",
    [
        {"password": "not my password at all", "understood": "y"},
        {"password": PASSWORD},  # the box not ticked
        {},
    ],
    ids=["wrong password", "not confirmed", "empty"],
)
def test_without_the_password_and_the_tick_nothing_changes(app, harbour, outbox, data):
    morgan = browser(app, harbour.morgan)
    before = table_rows(app)
    response = morgan.post("/account/delete", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "That is not your password." in page or "Tick the box" in page or "Enter your" in page
    assert table_rows(app) == before
    assert morgan.get("/account").status_code == 200  # still logged in
    assert outbox == []


def test_the_last_facilitator_hands_over_or_archives_first(app, make):
    fran = make.create_user("Fran Okafor")
    org = make.create_org("Harbour Practice", owner=fran)
    cas = make.create_user("Cas")
    make.add_staff(org, cas)
    evening = make.create_circle(org, fran, "Evening circle")
    morning = make.create_circle(org, fran, "Morning circle")
    empty = make.create_circle(org, fran, "Circle nobody joined")
    make.add_member(evening, make.create_user(), "Mo")
    make.add_member(morning, make.create_user(), "Nic")
    client = browser(app, fran.id)

    page = client.get("/account/delete").get_data(as_text=True)
    assert "Evening circle" in page and "Morning circle" in page and "Harbour Practice" in page
    assert f"/circles/{evening.id}/roster" in page and f'/circles/{evening.id}"' in page
    assert f"/orgs/{org.id}/team" in page
    assert "Circle nobody joined" not in page  # nobody there needs a facilitator
    assert "Your password" not in page  # nothing to confirm yet
    before = table_rows(app)
    response = client.post("/account/delete", data=CONFIRMED)
    assert response.status_code == 409 and "Evening circle" in response.get_data(as_text=True)
    assert table_rows(app) == before

    # Hand the evening circle over, archive the morning one, make Cas an owner: now it works.
    make.add_facilitator(evening, cas, "Cas")
    client.post(f"/circles/{morning.id}/archive")
    with app.app_context():
        staff = db.session.scalar(select(OrgMember).where(OrgMember.user_id == cas.id))
    client.post(f"/orgs/{org.id}/team/{staff.id}/role", data={"role": OrgRole.OWNER.value})
    with app.app_context():
        assert erasure.blockers(fran.id) == []
    assert client.post("/account/delete", data=CONFIRMED).status_code == 200
    assert count(app, User, User.id == fran.id) == 0
    # Every circle stays with the organisation; the one nobody joined is closed.
    assert count(app, Circle, Circle.archived_at.is_(None)) == 1
    assert count(app, Circle, Circle.id == empty.id, Circle.archived_at.is_not(None)) == 1


def test_after_erasure_no_table_holds_the_members_id_email_or_names(app, harbour, outbox):
    # Besides her own records (and her named live answers, still kept): an audit entry about her
    # made by someone else, and an invitation bound to her address.
    rae = browser(app, harbour.rae)
    with app.app_context():
        weekend = f.create_circle(
            db.session.get(Organisation, harbour.riverside),
            db.session.get(User, harbour.rae),
            "Weekend circle",
        )
        member = f.add_member(weekend, db.session.get(User, harbour.morgan), "MQ")
        f.create_circle_invite(
            db.session.get(Circle, harbour.morning),
            db.session.get(User, harbour.rae),
            email=MORGAN["email"],
        )
    rae.post(f"/circles/{weekend.id}/members/{member.id}/remove")
    morgan = browser(app, harbour.morgan)
    assert morgan.post("/account/data").status_code == 200
    before = figures(app, [harbour.harbour, harbour.riverside])
    assert any(fig.published for _, figs, _, _ in before for fig in figs)
    assert len(identifiers_left(app, harbour.morgan, MORGAN_IDENTIFIERS)) > 20  # the scan sees
    nicola_before = _nicolas_records(app, harbour)

    response = morgan.post("/account/delete", data=CONFIRMED)
    assert response.status_code == 200
    assert "Your account is deleted" in response.get_data(as_text=True)

    assert identifiers_left(app, harbour.morgan, MORGAN_IDENTIFIERS) == []
    assert figures(app, [harbour.harbour, harbour.riverside]) == before
    assert count(app, CheckinResponse) == 5  # the anonymous check-ins all stay
    assert _nicolas_records(app, harbour) == nicola_before
    assert count(app, CircleInvite, CircleInvite.email == MORGAN["email"]) == 0
    # Logged out, and the login cannot come back.
    assert morgan.get("/account").status_code == 302
    assert [m.to for m in outbox] == [MORGAN["email"]]
    assert "deleted" in outbox[0].subject


def _nicolas_records(app, harbour):
    with app.app_context():
        return {
            "user": db.session.get(User, harbour.nicola).email,
            "circles": db.session.scalars(
                select(CircleMember.display_name).where(CircleMember.user_id == harbour.nicola)
            ).all(),
            "history": db.session.scalar(
                select(func.count()).where(CheckinHistory.user_id == harbour.nicola)
            ),
            "commitments": [
                opened_text(harbour.nicola, sealed)
                for sealed in db.session.scalars(
                    select(Commitment.sealed).where(Commitment.user_id == harbour.nicola)
                )
            ],
            "support": db.session.scalars(
                select(SupportRequest.message).where(SupportRequest.user_id == harbour.nicola)
            ).all(),
            "named": db.session.scalars(
                select(LiveResponse.value).where(LiveResponse.author_name == NICOLA["evening_name"])
            ).all(),
        }


def test_the_audit_log_keeps_its_entries_without_the_person_and_notes_the_erasure(app, harbour):
    morgan = browser(app, harbour.morgan)
    morgan.post("/account/data")
    morgan.post("/account/delete", data=CONFIRMED)
    with app.app_context():
        rows = db.session.execute(
            select(
                AuditEntry.org_id,
                AuditEntry.actor_id,
                AuditEntry.action,
                AuditEntry.object_type,
                AuditEntry.object_id,
                AuditEntry.details,
            ).order_by(AuditEntry.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        (harbour.harbour, None, "data_exported", "user", None, {}),
        (harbour.riverside, None, "data_exported", "user", None, {}),
        (harbour.harbour, None, "account_erased", "user", None, {}),
        (harbour.riverside, None, "account_erased", "user", None, {}),
    ]
    page = browser(app, harbour.fran).get(f"/orgs/{harbour.harbour}/audit").get_data(as_text=True)
    assert "An account was deleted at its owner" in page and MORGAN["name"] not in page


def test_things_made_for_others_stay_without_their_maker(app, make):
    fran = make.create_user("Fran Okafor")
    org = make.create_org("Harbour Practice", owner=fran)
    cas = make.create_user("Cas")
    make.add_staff(org, cas, OrgRole.OWNER)
    circle = make.create_circle(org, fran, "Evening circle")
    make.add_facilitator(circle, cas, "Cas")
    make.add_member(circle, make.create_user(), "Mo")
    make.meeting(circle, fran)
    make.saved_prompt(circle, fran)
    make.create_circle_invite(circle, fran)
    assert browser(app, fran.id).post("/account/delete", data=CONFIRMED).status_code == 200
    assert count(app, MeetingSeries, MeetingSeries.created_by_id.is_(None)) == 1
    assert count(app, SavedPrompt, SavedPrompt.created_by_id.is_(None)) == 1
    assert count(app, CircleInvite, CircleInvite.created_by_id.is_(None)) == 1
    assert identifiers_left(app, fran.id, ("Fran Okafor",)) == []


def test_a_practice_nobody_else_used_goes_with_its_owner(app, make):
    with app.app_context():
        fran = f.create_user("Fran Okafor")
        org = create_personal_org(fran)
        db.session.commit()
        circle = f.create_circle(org, fran, "Trial circle")
        f.meeting(circle, fran)
        f.saved_prompt(circle, fran)
    assert browser(app, fran.id).post("/account/delete", data=CONFIRMED).status_code == 200
    assert count(app, Organisation) == 0 and count(app, Circle) == 0
    assert count(app, AuditEntry) == 0  # nobody is left whose log would note it


def practice_with_mo(app, *, keep_copy: bool = True):
    """Fran's own practice, with Mo in its evening circle, checked in once."""
    with app.app_context():
        fran = f.create_user("Fran Okafor")
        org = create_personal_org(fran)
        db.session.commit()
        circle = f.create_circle(org, fran, "Evening circle")
        mo = f.create_user("Mo")
        f.add_member(circle, mo, "Mo")
        f.set_up_checkins(circle)
        f.check_in(circle, mo, 3, keep=keep_copy)
    return fran, mo, org, circle


def test_a_practice_others_still_use_stays_without_its_name(app, make):
    fran, _, org, circle = practice_with_mo(app)
    client = browser(app, fran.id)
    assert client.post("/account/delete", data=CONFIRMED).status_code == 409
    client.post(f"/circles/{circle.id}/archive")
    before = figures(app, [org.id])
    assert client.post("/account/delete", data=CONFIRMED).status_code == 200
    with app.app_context():
        kept = db.session.get(Organisation, org.id)
        assert kept.name == erasure.RENAMED_PRACTICE
        assert db.session.scalar(select(CircleMember.display_name)) == "Mo"
    assert figures(app, [org.id]) == before
    assert identifiers_left(app, fran.id, ("Fran Okafor",)) == []
    assert count(app, AuditEntry, AuditEntry.action == "account_erased") == 1


def test_a_check_in_still_waiting_for_release_keeps_the_practice(app, make):
    """Mo checked in (one check-in, sealed, waiting for k) and left: it is still someone's."""
    fran, mo, _, circle = practice_with_mo(app, keep_copy=False)  # only the check-in itself
    assert count(app, CheckinWaiting) == 1
    assert browser(app, mo.id).post(f"/circles/{circle.id}/leave").status_code == 302
    assert browser(app, fran.id).post("/account/delete", data=CONFIRMED).status_code == 200
    assert count(app, Organisation) == 1 and count(app, CheckinWaiting) == 1


def test_the_service_reports_what_the_caller_must_do_after_committing(app, ctx, harbour):
    running = live_rooms.start_session(db.session.get(Circle, harbour.evening), harbour.fran)
    session, morgan = live_access.actor_for(running.id, harbour.morgan)
    live_rooms.join(session, morgan, "sid-of-morgan")
    db.session.commit()
    erased = erasure.erase_account(db.session.get(User, harbour.morgan))
    db.session.commit()
    assert erased.email == MORGAN["email"]
    assert erased.live_sockets == ["sid-of-morgan"] and erased.live_rooms == [session.id]
    assert erased.orgs_deleted == [] and erased.orgs_told == [harbour.harbour, harbour.riverside]
