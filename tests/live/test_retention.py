"""Retention of live answers: deleted at the end by default, or kept N days, then purged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from circles.db import utcnow
from circles.extensions import db
from circles.live import access, answers, opening, retention, revealing, rooms
from circles.live.models import LiveResponse, LiveSession, LiveSubmission
from tests import factories as f


def answered_session(keep_days):
    fran = f.create_user("Fran")
    org = f.create_org(owner=fran)
    org.live_retention_days = keep_days
    circle = f.create_circle(org, fran)
    mo = f.create_user("Mo")
    f.add_member(circle, mo, "Mo")
    live = f.live_session(circle, fran)
    session, fac = access.actor_for(live.id, fran.id)
    _, member = access.actor_for(live.id, mo.id)
    prompt = opening.open_prompt(session, fac, {"kind": "text", "text": "Today?"}).ack["prompt"]
    answers.submit_response(session, member, prompt["id"], "Calm", "1")
    revealing.reveal_prompt(session, fac, prompt["id"])
    later = opening.open_prompt(session, fac, {"kind": "text", "text": "And now?"}).ack["prompt"]
    answers.submit_response(session, member, later["id"], "Lighter", "2")  # never revealed
    rooms.end_session(session, fac)
    db.session.commit()
    return session


def sealed():
    """Answers still waiting, sealed, for a reveal."""
    return db.session.scalar(
        select(func.count()).select_from(LiveSubmission).where(LiveSubmission.sealed.is_not(None))
    )


def responses():
    return db.session.scalar(select(func.count()).select_from(LiveResponse))


def test_by_default_answers_are_deleted_when_the_session_ends(ctx):
    session = answered_session(0)
    assert responses() == 0 and sealed() == 0 and session.content_expires_at is None


def test_kept_answers_are_purged_once_their_days_are_over_and_only_then(ctx, app):
    session = answered_session(7)
    assert responses() == 1
    assert sealed() == 0  # an answer never revealed never will be: it goes at the end
    assert session.content_expires_at is not None
    runner = app.test_cli_runner()
    assert "Live-session answers deleted: 0." in runner.invoke(args=["purge"]).output
    assert responses() == 1

    db.session.get(LiveSession, session.id).content_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert retention.purge_expired_content() == 1
    db.session.commit()
    assert responses() == 0
    assert retention.purge_expired_content() == 0  # running it again finds nothing


def test_the_home_page_shows_open_live_rooms_to_the_circles_people_only(app, make):
    from tests.conftest import client_for

    fran = make.create_user("Fran")
    org = make.create_org(owner=fran)
    circle = make.create_circle(org, fran, "Evening circle")
    mo, stranger = make.create_user("Mo"), make.create_user("Stranger")
    make.add_member(circle, mo, "Mo")
    assert "Live now" not in client_for(app, mo).get("/").get_data(as_text=True)
    live = make.live_session(circle, fran)
    page = client_for(app, mo).get("/").get_data(as_text=True)
    assert "Join the live room of Evening circle" in page
    assert f"/circles/{circle.id}/live/{live.id}" in page
    assert "Live now" not in client_for(app, stranger).get("/").get_data(as_text=True)
