"""Support request pages: a member asks; the circle's facilitators see and answer in an inbox."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from circles import paging, signals
from circles.db import scoped_get_or_404
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import CircleRole
from circles.i18n import gettext as _
from circles.safety import services
from circles.safety.forms import StatusForm, SupportRequestForm
from circles.safety.models import SupportRequest, SupportStatus
from circles.security import CircleAccess, circle_access_or_404

bp = Blueprint("safety", __name__)


def _facilitator_or_403(circle_id: int) -> CircleAccess:
    """Support requests are personal: the circle's own facilitators see them, nobody else."""
    access = circle_access_or_404(circle_id, current_user)
    if not access.is_facilitator:
        abort(403)
    return access


#: Pages a member can ask from, and the page that shows the form again when something is wrong.
ORIGINS = ("circle", "checkin")


def _page_with(origin: str, access: CircleAccess, form: SupportRequestForm) -> tuple[str, int]:
    """The page the request came from, again, with the form's errors and the message kept."""
    asked = signals.checkin_page_asked if origin == "checkin" else signals.circle_page_asked
    page: tuple[str, int] = signals.ask(asked, access, form=form)
    return page


@bp.post("/circles/<id:circle_id>/support")
@login_required
def request_support(circle_id: int) -> Response | tuple[str, int]:
    access = circle_access_or_404(circle_id, current_user)
    if access.membership is None or access.membership.role != CircleRole.MEMBER:
        abort(403)
    origin = request.form.get("back")
    origin = origin if origin in ORIGINS else "circle"
    endpoint = "checkins.checkin" if origin == "checkin" else "groups.show"
    back = redirect(url_for(endpoint, circle_id=circle_id) + "#support")
    form = SupportRequestForm()
    if not form.validate_on_submit():
        return _page_with(origin, access, form)
    try:
        services.request_support(circle_id, current_user.id, form.message.data or "")
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return back
    services.notify_facilitators(circle_id)  # mailed once this commits
    db.session.commit()
    signals.support_requested.send(circle_id)
    flash(_("Your facilitators have been asked to reach out to you."), "success")
    return back


@bp.get("/circles/<id:circle_id>/support")
@login_required
def inbox(circle_id: int) -> str:
    access = _facilitator_or_403(circle_id)
    q = paging.search_text(request.args)
    requests = services.inbox_page(circle_id, q, paging.requested_page(request.args))
    return render_template(
        "safety/inbox.html",
        access=access,
        circle=access.circle,
        requests=requests,
        request_count=services.request_count(circle_id) if q else requests.total,
        new_count=services.new_count(circle_id),
        q=q,
        search=paging.list_args(q),  # what page links keep
        here=paging.list_args(q, requests.page),  # where a status change comes back to
        statuses=list(SupportStatus),
    )


@bp.post("/circles/<id:circle_id>/support/<id:request_id>/status")
@login_required
def set_status(circle_id: int, request_id: int) -> Response:
    access = _facilitator_or_403(circle_id)
    support = scoped_get_or_404(SupportRequest, request_id, circle_id=access.circle.id)
    form = StatusForm()
    if form.validate_on_submit():
        services.set_status(support, SupportStatus(form.status.data))
        db.session.commit()
        signals.support_status_changed.send(support)
        flash(_("Status saved."), "success")
    else:
        flash(_("Choose a status."), "error")
    return redirect(url_for("safety.inbox", circle_id=circle_id, **paging.same_list(request.args)))
