"""Live room pages: open the room, and the room itself (facilitator console or member view)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from circles.db import scoped_get_or_404
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.forms import ConfirmForm
from circles.live import bp, services
from circles.live.library import BUILT_IN, THEMES
from circles.live.models import LiveSession, LiveStatus, PromptKind
from circles.meetings.models import Meeting
from circles.security import circle_access_or_404


@bp.post("/circles/<id:circle_id>/live")
@login_required
def start(circle_id: int) -> Response:
    access = circle_access_or_404(circle_id, current_user)
    if not access.is_facilitator:
        abort(403)
    meeting_id = request.form.get("meeting_id", type=int)
    if meeting_id is not None:
        meeting_id = scoped_get_or_404(Meeting, meeting_id, circle_id=circle_id).id
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("groups.show", circle_id=circle_id))
    try:
        session = services.start_session(access.circle, current_user.id, meeting_id)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("groups.show", circle_id=circle_id))
    db.session.commit()
    return redirect(url_for("live.room", circle_id=circle_id, session_id=session.id))


@bp.get("/circles/<id:circle_id>/live/<id:session_id>")
@login_required
def room(circle_id: int, session_id: int) -> str:
    access = circle_access_or_404(circle_id, current_user)
    session = scoped_get_or_404(LiveSession, session_id, circle_id=circle_id)
    if access.membership is None:
        # Admins run the organisation, not the room: live rooms are for the circle's people.
        abort(403)
    attended = len(services.attendance(session.id)) if access.is_facilitator else None
    return render_template(
        "live/room.html",
        access=access,
        circle=access.circle,
        session=session,
        ended=session.status == LiveStatus.ENDED,
        attended=attended,
        kinds=list(PromptKind),
        library=BUILT_IN,
        themes=THEMES,
    )
