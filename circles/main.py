"""Home page, crisis help and health check."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user
from sqlalchemy import or_, select, text

from circles import home as home_data
from circles import signals
from circles.db import utcnow
from circles.extensions import db
from circles.groups.models import Circle, CircleMember
from circles.i18n import naming_language
from circles.orgs.models import Organisation, OrgMember
from circles.redis_checks import probes_for
from circles.space import follow_ups

bp = Blueprint("main", __name__)

#: Upcoming meetings on the home page, across all of a person's circles.
UPCOMING_ON_HOME = 6


@bp.get("/")
def home() -> str:
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    now = utcnow()
    glances = home_data.circles_at_a_glance(current_user.id, now)
    staff_roles = db.session.execute(
        select(Organisation, OrgMember.role)
        .join(OrgMember, OrgMember.org_id == Organisation.id)
        .where(OrgMember.user_id == current_user.id)
        .order_by(Organisation.name)
    ).all()
    upcoming = home_data.upcoming(current_user.id, now, UPCOMING_ON_HOME)
    return render_template(
        "main/home.html",
        glances=glances,
        facilitated=[g for g in glances if g.facilitates and not g.circle.archived],
        checkins_due=[g for g in glances if g.checkin_due],
        staff_roles=staff_roles,
        upcoming=upcoming,
        next_meeting=next((m for m in upcoming.meetings if not m.cancelled), None),
        live_now=signals.ask(signals.open_rooms_asked, current_user.id),
        next_commitment=follow_ups.next_due(current_user.id, now),
    )


@bp.get("/health")
def health() -> tuple[dict[str, object], int]:
    """For load balancers and monitoring: 503 without the database; 200 otherwise, "degraded"
    while a Redis the app relies on does not answer (the app still works, see
    docs/operations.md). Names what is unreachable, never an address or an error."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return {"status": "unavailable"}, 503
    probes = current_app.extensions.get("circles_redis_probes")
    if probes is None:
        probes = current_app.extensions["circles_redis_probes"] = probes_for(current_app.config)
    unreachable = [name for name, probe in probes.items() if not probe.reachable()]
    if unreachable:
        return {"status": "degraded", "unreachable": unreachable}, 200
    return {"status": "ok"}, 200


@bp.get("/help")
def crisis_help() -> Response:
    """ "Need help now?": the crisis contacts of each organisation the person belongs to.

    Reachable from every page's header, without JavaScript and without logging in (a person in
    distress may have been logged out); an organisation that has not written its own contacts
    yet shows general guidance instead.
    """
    orgs: list[Organisation] = []
    if current_user.is_authenticated:
        member_of = (
            select(Circle.org_id).join(CircleMember).where(CircleMember.user_id == current_user.id)
        )
        staff_of = select(OrgMember.org_id).where(OrgMember.user_id == current_user.id)
        orgs = list(
            db.session.scalars(
                select(Organisation)
                .where(or_(Organisation.id.in_(member_of), Organisation.id.in_(staff_of)))
                .order_by(Organisation.name)
            )
        )
    return naming_language(render_template("main/help.html", orgs=orgs))
