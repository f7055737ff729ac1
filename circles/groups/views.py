"""Circle pages: create (and what to do next), edit, archive, roster, leaving.

Invitations and joining are in :mod:`circles.groups.invitation_views`.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from circles import paging, signals
from circles.db import scoped_get_or_404, utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.forms import ConfirmForm
from circles.groups import bp, next_steps, services
from circles.groups.forms import CircleForm, CoFacilitatorForm, NewCircleForm
from circles.groups.models import CircleMember, CircleRole
from circles.i18n import gettext as _
from circles.meetings import services as meetings
from circles.meetings import window
from circles.meetings.forms import RsvpForm
from circles.safety import services as safety
from circles.safety.forms import SupportRequestForm
from circles.security import (
    CircleAccess,
    circle_access_or_404,
    managed_circle_or_404,
    org_access_or_404,
)
from circles.web import commit_or_explain, show_error_on_form


@bp.route("/orgs/<id:org_id>/circles/new", methods=["GET", "POST"])
@login_required
def create(org_id: int) -> Response | str:
    access = org_access_or_404(org_id, current_user)
    form = NewCircleForm()
    if request.method == "GET":
        # Suggest the first name only: members see this name, not the account name.
        form.facilitator_name.data = current_user.display_name.split(" ")[0]
    if form.validate_on_submit():
        try:
            circle = services.create_circle(
                access.org,
                current_user,
                name=form.name.data,
                description=form.description.data or "",
                agreement=form.agreement.data,
                capacity=form.capacity.data,
                facilitator_name=form.facilitator_name.data,
            )
            if form.checkins.data:
                next_steps.turn_on_checkins(circle)
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Your circle is ready. Next, invite people to it."), "success")
            return redirect(url_for("groups.next_steps", circle_id=circle.id))
    return render_template("groups/edit.html", form=form, org=access.org, circle=None)


@bp.get("/circles/<id:circle_id>/next-steps", endpoint="next_steps")
@login_required
def next_steps_page(circle_id: int) -> str:
    access = managed_circle_or_404(circle_id, current_user)
    return render_template(
        "groups/next_steps.html",
        access=access,
        circle=access.circle,
        steps=next_steps.next_steps(access.circle),
    )


#: Upcoming meetings listed on the circle page (the meetings page lists them all).
UPCOMING_SHOWN = 5


@bp.get("/circles/<id:circle_id>")
@login_required
def show(circle_id: int) -> tuple[str, int]:
    return circle_page(circle_access_or_404(circle_id, current_user))


@signals.circle_page_asked.connect
def circle_page_with(access: CircleAccess, *, form: SupportRequestForm) -> tuple[str, int]:
    """The circle's page again, with a refused support request and its message kept."""
    return circle_page(access, form, 400)


def circle_page(
    access: CircleAccess, support_form: SupportRequestForm | None = None, status: int = 200
) -> tuple[str, int]:
    """The circle's page; a refused support request shows it again with the message kept."""
    circle_id = access.circle.id
    now = utcnow()
    upcoming = meetings.circle_meetings(circle_id, now, limit=UPCOMING_SHOWN)
    windows: list[window.IntegrationWindow] = []
    # The integration window and support requests are for members (facilitators hold the space).
    is_member = access.membership is not None and access.membership.role == CircleRole.MEMBER
    if is_member:
        sessions = window.dosing_sessions(current_user.id, current_only=True, now=now)
        windows = window.integration_windows(sessions, current_user.id, circle_id)
    in_window = {m.id for w in windows for m in w.meetings}
    ids = [m.id for m in upcoming]
    return render_template(
        "groups/show.html",
        access=access,
        circle=access.circle,
        confirm_form=ConfirmForm(),
        rsvp_form=RsvpForm(),
        upcoming=upcoming,
        own_rsvps=meetings.own_rsvps(current_user.id, {*ids, *in_window}),
        counts=meetings.rsvp_counts(ids) if access.can_manage else {},
        show_window=is_member,
        live_session=signals.ask(signals.open_room_asked, circle_id),
        windows=windows,
        in_window=in_window,
        now=now,
        support_form=support_form or SupportRequestForm(formdata=None),
        support_requests=safety.own_requests(current_user.id, circle_id) if is_member else [],
        new_support=safety.new_count(circle_id) if access.is_facilitator else 0,
    ), status


@bp.route("/circles/<id:circle_id>/edit", methods=["GET", "POST"])
@login_required
def edit(circle_id: int) -> Response | str:
    access = managed_circle_or_404(circle_id, current_user)
    form = CircleForm(obj=access.circle)
    if form.validate_on_submit():
        try:
            services.update_circle(
                access.circle,
                name=form.name.data,
                description=form.description.data or "",
                agreement=form.agreement.data,
                capacity=form.capacity.data,
            )
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("groups.show", circle_id=circle_id))
    return render_template(
        "groups/edit.html", form=form, org=access.circle.org, circle=access.circle
    )


@bp.post("/circles/<id:circle_id>/archive")
@login_required
def archive(circle_id: int) -> Response:
    access = managed_circle_or_404(circle_id, current_user)
    if ConfirmForm().validate_on_submit():
        services.archive_circle(access.circle)
        db.session.commit()
        flash(
            _("The circle is archived. Its people can still see it; nobody new can join."),
            "success",
        )
    return redirect(url_for("groups.show", circle_id=circle_id))


@bp.post("/circles/<id:circle_id>/restore")
@login_required
def restore(circle_id: int) -> Response:
    access = managed_circle_or_404(circle_id, current_user)
    if ConfirmForm().validate_on_submit():
        services.restore_circle(access.circle)
        db.session.commit()
        flash(_("The circle is active again."), "success")
    return redirect(url_for("groups.show", circle_id=circle_id))


@bp.route("/circles/<id:circle_id>/roster", methods=["GET"])
@login_required
def roster(circle_id: int) -> str:
    access = circle_access_or_404(circle_id, current_user)
    candidates = services.co_facilitator_candidates(access.circle) if access.can_manage else []
    co_form = CoFacilitatorForm()
    co_form.user_id.choices = [SelectChoice(str(user.id), user.display_name) for user in candidates]
    q = paging.search_text(request.args)
    members = services.roster_page(
        circle_id, q, paging.requested_page(request.args), with_accounts=access.can_manage
    )
    return render_template(
        "groups/roster.html",
        access=access,
        circle=access.circle,
        members=members,
        circle_size=services.circle_size(circle_id) if q else members.total,
        q=q,
        search=paging.list_args(q),  # what page links keep
        here=paging.list_args(q, members.page),  # where actions on a row come back to
        co_form=co_form,
        confirm_form=ConfirmForm(),
    )


@bp.post("/circles/<id:circle_id>/facilitators")
@login_required
def add_facilitator(circle_id: int) -> Response:
    access = managed_circle_or_404(circle_id, current_user)
    form = CoFacilitatorForm()
    if form.validate_on_submit():

        def add() -> None:
            services.add_co_facilitator(
                access.circle, form.user_id.data, form.display_name.data or "", by=current_user
            )

        commit_or_explain(add, _("Co-facilitator added."))
    else:
        flash(_("Choose someone from your organisation's team."), "error")
    return redirect(url_for("groups.roster", circle_id=circle_id))


@bp.post("/circles/<id:circle_id>/members/<id:member_id>/remove")
@login_required
def remove_member(circle_id: int, member_id: int) -> Response:
    access = managed_circle_or_404(circle_id, current_user)
    member = scoped_get_or_404(CircleMember, member_id, circle_id=access.circle.id)

    def remove() -> None:
        services.remove_member(member, by=current_user)

    if ConfirmForm().validate_on_submit() and commit_or_explain(
        remove,
        _("%(name)s is no longer in the circle.", name=member.display_name),
    ):
        # Out of this circle's live room at once (and only this circle's).
        signals.member_removed.send(member.user_id, circle_id=circle_id)
    return redirect(url_for("groups.roster", circle_id=circle_id, **paging.same_list(request.args)))


@bp.post("/circles/<id:circle_id>/leave")
@login_required
def leave(circle_id: int) -> Response:
    access = circle_access_or_404(circle_id, current_user)
    if access.membership is None:
        flash(_("You are not a member of this circle."), "error")
        return redirect(url_for("groups.show", circle_id=circle_id))
    if ConfirmForm().validate_on_submit():
        membership = access.membership
        if commit_or_explain(
            lambda: services.remove_member(membership, by=current_user),
            _("You have left %(name)s.", name=access.circle.name),
        ):
            signals.member_removed.send(current_user.id, circle_id=circle_id)
            return redirect(url_for("main.home"))
    return redirect(url_for("groups.show", circle_id=circle_id))
