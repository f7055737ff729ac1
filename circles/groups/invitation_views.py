"""Circle invitations: making links, mailing them, withdrawing them, and the link's own page
(the invitation before logging in, the join step after)."""

from __future__ import annotations

from babel.lists import format_list
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, ngettext
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from circles import invites
from circles.accounts import pending
from circles.db import scoped_get_or_404
from circles.exceptions import ServiceError
from circles.extensions import db, limiter
from circles.forms import ConfirmForm
from circles.groups import bp, invitations, services
from circles.groups.forms import CircleInviteForm, JoinForm, SendInvitationsForm
from circles.groups.models import CircleInvite
from circles.i18n import gettext as _
from circles.security import CircleAccess, managed_circle_or_404
from circles.urls import external_url
from circles.web import show_error_on_form

_NEW_LINK_KEY = "new_circle_link"


def _render_invitations(
    access: CircleAccess,
    form: CircleInviteForm | None = None,
    send_form: SendInvitationsForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return (
        render_template(
            "groups/invitations.html",
            access=access,
            circle=access.circle,
            rows=invitations.invitation_rows(access.circle.id),
            form=form or CircleInviteForm(formdata=None),
            send_form=send_form or SendInvitationsForm(formdata=None),
            confirm_form=ConfirmForm(),
            new_link=session.pop(_NEW_LINK_KEY, None),
        ),
        status,
    )


@bp.get("/circles/<id:circle_id>/invitations", endpoint="invitations")
@login_required
def invitations_page(circle_id: int) -> tuple[str, int]:
    return _render_invitations(managed_circle_or_404(circle_id, current_user))


@bp.post("/circles/<id:circle_id>/invitations")
@login_required
def create_invitation(circle_id: int) -> Response | tuple[str, int]:
    access = managed_circle_or_404(circle_id, current_user)
    form = CircleInviteForm()
    if form.validate_on_submit():
        try:
            _, token = services.create_invite(
                access.circle,
                days=form.days.data,
                max_uses=form.max_uses.data,
                email=form.email.data or None,
                label=form.label.data or None,
                by=current_user,
            )
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            session[_NEW_LINK_KEY] = external_url("groups.join", token=token)
            return redirect(url_for("groups.invitations", circle_id=circle_id))
    return _render_invitations(access, form=form, status=400)


@bp.post("/circles/<id:circle_id>/invitations/send")
@login_required
# Sends that went out (each up to 50 addresses) per person: mail is not a megaphone.
@limiter.limit(
    "10 per hour",
    key_func=lambda: f"invitations:{current_user.id}",
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 302,
)
def send_invitations(circle_id: int) -> Response | tuple[str, int]:
    access = managed_circle_or_404(circle_id, current_user)
    form = SendInvitationsForm()
    if form.validate_on_submit():
        try:
            addresses = invitations.parse_addresses(form.emails.data)
            invitations.send_invitations(
                access.circle,
                addresses,
                days=form.days.data,
                by=current_user,
                by_name=invitations.inviter_name(circle_id, current_user),
            )
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()  # the mails leave once this is committed
            count = len(addresses)
            flash(
                ngettext(
                    "%(num)d invitation sent, each with a link for its address only.",
                    "%(num)d invitations sent, each with a link for its address only.",
                    count,
                ),
                "success",
            )
            return redirect(url_for("groups.invitations", circle_id=circle_id))
    return _render_invitations(access, send_form=form, status=400)


@bp.post("/circles/<id:circle_id>/invitations/<id:invite_id>/revoke")
@login_required
def revoke_invitation(circle_id: int, invite_id: int) -> Response:
    access = managed_circle_or_404(circle_id, current_user)
    invite = scoped_get_or_404(CircleInvite, invite_id, circle_id=access.circle.id)
    if ConfirmForm().validate_on_submit():
        services.revoke_invite(invite, by=current_user)
        db.session.commit()
        flash(_("The link is withdrawn; nobody can use it any more."), "success")
    return redirect(url_for("groups.invitations", circle_id=circle_id))


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str) -> Response | tuple[str, int]:
    invite = invites.find_link(CircleInvite, token)
    if invite is None:
        return render_template("link_unusable.html", message=invites.UNKNOWN_LINK), 404
    if not current_user.is_authenticated:
        return _invitation_before_login(invite, token)
    if services.existing_membership(invite.circle_id, current_user) is not None:
        flash(_("You are already in this circle."), "info")
        return redirect(url_for("groups.show", circle_id=invite.circle_id))
    try:
        services.check_can_join(invite, current_user)
    except ServiceError as error:
        return render_template("link_unusable.html", message=error.message), 410
    form = JoinForm()
    if request.method == "GET" and not form.display_name.data:
        form.display_name.data = current_user.display_name.split(" ")[0]
    if form.validate_on_submit():
        try:
            services.join_circle(
                invite,
                current_user,
                display_name=form.display_name.data,
                accepted=bool(form.accept.data),
            )
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Welcome to %(name)s.", name=invite.circle.name), "success")
            return redirect(url_for("groups.show", circle_id=invite.circle_id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "groups/join.html", invite=invite, circle=invite.circle, form=form
    ), status


def _invitation_before_login(invite: CircleInvite, token: str) -> Response | tuple[str, int]:
    """The invitation as a logged-out person sees it; kept in this browser's signed session so
    that signing up or logging in, whichever way, leads on to the join step."""
    refusal = invitations.unusable_before_login(invite)
    if refusal is not None:
        return render_template("link_unusable.html", message=refusal), 410
    here = url_for("groups.join", token=token)
    if request.method == "POST":  # a join form sent after the login ended
        return redirect(here, 303)
    pending.remember_invitation(here)
    return render_template(
        "groups/invitation.html",
        circle=invite.circle,
        invite=invite,
        facilitators=_name_list(invitations.facilitator_names(invite.circle_id)),
        here=here,
    ), 200


def _name_list(names: list[str]) -> Markup:
    """Names in bold, listed as the page's language lists them ("A, B and C")."""
    slots = [f"\x00{number}\x00" for number in range(len(names))]
    listed = escape(format_list(slots, locale=get_locale())) if names else Markup("")
    for slot, name in zip(slots, names, strict=True):
        listed = listed.replace(slot, Markup("<strong>{}</strong>").format(name))
    return listed
