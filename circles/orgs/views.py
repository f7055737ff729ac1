"""Organisation pages: overview, settings, team and staff invitations."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from circles import invites, paging, signals
from circles.accounts import pending, second_factor
from circles.db import scoped_get_or_404
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.forms import ConfirmForm
from circles.groups.models import Circle, CircleMember, CircleRole
from circles.i18n import gettext as _
from circles.i18n import ngettext
from circles.orgs import bp, colours, services
from circles.orgs.forms import OrgSettingsForm, RoleForm, StaffInviteForm
from circles.orgs.models import OrgInvite, OrgMember, OrgRole
from circles.security import org_access_or_404
from circles.tokens import LinkState
from circles.urls import external_url
from circles.web import commit_or_explain, show_error_on_form

_NEW_LINK_KEY = "new_invite_link"


@bp.get("/orgs/<id:org_id>")
@login_required
def overview(org_id: int) -> str:
    access = org_access_or_404(org_id, current_user)
    query = (
        select(Circle)
        .where(Circle.org_id == org_id)
        .order_by(Circle.archived_at.isnot(None), Circle.name)
    )
    if not access.is_admin:
        query = query.join(CircleMember, CircleMember.circle_id == Circle.id).where(
            CircleMember.user_id == current_user.id, CircleMember.role == CircleRole.FACILITATOR
        )
    circles = db.session.scalars(query).all()
    return render_template("orgs/overview.html", access=access, org=access.org, circles=circles)


@bp.route("/orgs/<id:org_id>/settings", methods=["GET", "POST"])
@login_required
def settings(org_id: int) -> Response | str:
    access = org_access_or_404(org_id, current_user, admin=True)
    form = OrgSettingsForm(obj=access.org)
    if form.validate_on_submit():
        asked_before = access.org.require_second_factor
        try:
            services.update_settings(
                access.org,
                name=form.name.data,
                anonymity_k=form.anonymity_k.data,
                crisis_resources=form.crisis_resources.data or "",
                live_retention_days=form.live_retention_days.data,
                support_retention_days=form.support_retention_days.data,
                invite_retention_days=form.invite_retention_days.data,
                require_second_factor=form.require_second_factor.data,
                accent_colour=form.accent_colour.data or "",
                by=current_user,
            )
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Settings saved."), "success")
            if access.org.require_second_factor and not asked_before:
                _ask_team_for_second_factor(org_id)
            return redirect(url_for("orgs.settings", org_id=org_id))
    return render_template(
        "orgs/settings.html", org=access.org, form=form, default_accent=colours.DEFAULT_ACCENT
    )


@bp.get("/accent/<string(length=6):colour>.css")
def accent_stylesheet(colour: str) -> Response:
    """An organisation's accent colour as a stylesheet (the CSP allows no inline style). Keyed
    by the colour alone, so it tells nothing about whose it is; only readable colours exist."""
    if colours.normalise(colour) != f"#{colour}" or not colours.is_readable(f"#{colour}"):
        abort(404)
    return Response(colours.stylesheet(f"#{colour}"), mimetype="text/css")


def _ask_team_for_second_factor(org_id: int) -> None:
    """Close the live rooms of staff without two-step sign-in, and tell the admin who is left."""
    waiting = second_factor.unenrolled_staff(org_id)
    for user_id in waiting:
        signals.logins_ended.send(user_id)  # their next handshake is refused until they set it up
    if waiting:
        flash(
            ngettext(
                "%(num)d person on the team have not set up two-step sign-in yet. They will be "
                "asked to the next time they open a page.",
                "%(num)d people on the team have not set up two-step sign-in yet. They will be "
                "asked to the next time they open a page.",
                len(waiting),
            ),
            "info",
        )


def _render_team(access: object, form: StaffInviteForm, status: int = 200) -> tuple[str, int]:
    org = access.org  # type: ignore[attr-defined]
    q = paging.search_text(request.args)
    staff = services.team_page(org.id, q, paging.requested_page(request.args))
    links = db.session.scalars(
        select(OrgInvite).where(OrgInvite.org_id == org.id).order_by(OrgInvite.created_at.desc())
    ).all()
    return (
        render_template(
            "orgs/team.html",
            access=access,
            org=org,
            staff=staff,
            team_size=services.team_size(org.id) if q else staff.total,
            q=q,
            search=paging.list_args(q),  # what page links keep
            here=paging.list_args(q, staff.page),  # where actions on a row come back to
            links=links,
            form=form,
            role_form=RoleForm(),
            confirm_form=ConfirmForm(),
            new_link=session.pop(_NEW_LINK_KEY, None),
        ),
        status,
    )


@bp.get("/orgs/<id:org_id>/team")
@login_required
def team(org_id: int) -> tuple[str, int]:
    access = org_access_or_404(org_id, current_user, admin=True)
    return _render_team(access, StaffInviteForm())


@bp.post("/orgs/<id:org_id>/invites")
@login_required
def create_invite(org_id: int) -> Response | tuple[str, int]:
    access = org_access_or_404(org_id, current_user, admin=True)
    form = StaffInviteForm()
    if form.validate_on_submit():
        try:
            _invite, token = services.create_staff_invite(
                access.org,
                role=OrgRole(form.role.data),
                days=form.days.data,
                max_uses=form.max_uses.data,
                email=form.email.data or None,
                by=current_user,
            )
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            session[_NEW_LINK_KEY] = external_url("orgs.join_team", token=token)
            return redirect(url_for("orgs.team", org_id=org_id))
    return _render_team(access, form, 400)


@bp.post("/orgs/<id:org_id>/invites/<id:invite_id>/revoke")
@login_required
def revoke_invite(org_id: int, invite_id: int) -> Response:
    org_access_or_404(org_id, current_user, admin=True)
    invite = scoped_get_or_404(OrgInvite, invite_id, org_id=org_id)
    if ConfirmForm().validate_on_submit():
        services.revoke_staff_invite(invite, by=current_user)
        db.session.commit()
        flash(_("The link is withdrawn; nobody can use it any more."), "success")
    return redirect(url_for("orgs.team", org_id=org_id))


@bp.post("/orgs/<id:org_id>/team/<id:member_id>/role")
@login_required
def change_role(org_id: int, member_id: int) -> Response:
    access = org_access_or_404(org_id, current_user, admin=True)
    member = scoped_get_or_404(OrgMember, member_id, org_id=org_id)
    form = RoleForm()
    if form.validate_on_submit():

        def change() -> None:
            services.change_role(
                member, OrgRole(form.role.data), by=current_user, by_role=access.role
            )

        commit_or_explain(change, _("Role changed."))
    else:
        flash(_("Choose one of the roles in the list."), "error")
    return redirect(url_for("orgs.team", org_id=org_id, **paging.same_list(request.args)))


@bp.post("/orgs/<id:org_id>/team/<id:member_id>/remove")
@login_required
def remove_staff(org_id: int, member_id: int) -> Response:
    access = org_access_or_404(org_id, current_user, admin=True)
    member = scoped_get_or_404(OrgMember, member_id, org_id=org_id)

    def remove() -> None:
        services.remove_staff(member, by=current_user, by_role=access.role)

    if ConfirmForm().validate_on_submit() and commit_or_explain(
        remove,
        _("They are no longer part of the team."),
    ):
        signals.staff_removed.send(member.user_id, org_id=org_id)
    if member.user_id == current_user.id:
        return redirect(url_for("main.home"))
    return redirect(url_for("orgs.team", org_id=org_id, **paging.same_list(request.args)))


@bp.route("/team/join/<token>", methods=["GET", "POST"])
def join_team(token: str) -> Response | tuple[str, int]:
    invite = invites.find_link(OrgInvite, token)
    if invite is None:
        return render_template("link_unusable.html", message=invites.UNKNOWN_LINK), 404
    if not current_user.is_authenticated:
        # The invitation first; signing up or logging in, whichever way, leads back to it.
        state = invite.state()
        if state != LinkState.USABLE:
            return render_template(
                "link_unusable.html", message=invites.UNUSABLE_MESSAGES[state]
            ), 410
        here = url_for("orgs.join_team", token=token)
        if request.method == "POST":
            return redirect(here, 303)
        pending.remember_invitation(here)
        return render_template("orgs/join_team_invitation.html", invite=invite, here=here), 200
    if services.is_staff(invite.org_id, current_user.id):
        flash(str(services.ALREADY_STAFF), "info")
        return redirect(url_for("orgs.overview", org_id=invite.org_id))
    form = ConfirmForm()
    error: str | None = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.accept_staff_invite(invite, current_user)
        except ServiceError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            flash(_("You are now part of %(org)s.", org=invite.org.name), "success")
            return redirect(url_for("orgs.overview", org_id=invite.org_id))
    else:
        try:
            invites.check_usable(invite, current_user.email)
        except ServiceError as exc:
            error = exc.message
    if error is not None:
        return render_template("link_unusable.html", message=error), 410
    return render_template("orgs/join_team.html", invite=invite, form=form), 200
