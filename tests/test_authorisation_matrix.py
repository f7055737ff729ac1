"""Every route, every role: who gets in, who is refused, and foreign ids are a 404.

Adding a route without adding it here fails ``test_every_route_is_in_the_matrix``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.conftest import login_as
from tests.world import ROLES, World, build_world

LOGIN = 302  # anonymous visitors are sent to the login page


def expect(default: int, **overrides: int) -> dict[str, int]:
    table = dict.fromkeys(ROLES, default)
    table.update(overrides)
    return table


def staff_page(ok: int = 200, facilitator: int = 200) -> dict[str, int]:
    """Org A pages: its staff get in, everyone else is told the org does not exist."""
    return expect(404, anonymous=LOGIN, facilitator=facilitator, colleague=facilitator, admin=ok)


def admin_page(ok: int = 200) -> dict[str, int]:
    """Org A admin pages: 403 for org A's facilitator (who knows the org), 404 for outsiders."""
    return staff_page(ok=ok, facilitator=403)


def circle_page(ok: int = 200) -> dict[str, int]:
    """Circle A1 pages that its member may see too."""
    return expect(404, anonymous=LOGIN, member=ok, facilitator=ok, admin=ok)


def managed_circle_page(ok: int = 200) -> dict[str, int]:
    """Circle A1 pages only its facilitators and org A's admins may use; its member gets 403."""
    return expect(404, anonymous=LOGIN, member=403, facilitator=ok, admin=ok)


LOGGED_IN_REDIRECT = expect(302, anonymous=200)
ANY_LOGGED_IN = expect(200, anonymous=LOGIN)


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    url: Callable[[World], str]
    expected: dict[str, int]
    #: Builds the same URL with ids of the other organisation, for the foreign-id check.
    foreign_url: Callable[[World], str] | None = None


def c1(w: World) -> str:
    return f"/circles/{w.circle_a1}"


MATRIX = [
    Case("main.home", "GET", lambda w: "/", expect(200)),
    Case("main.health", "GET", lambda w: "/health", expect(200)),
    Case("main.crisis_help", "GET", lambda w: "/help", expect(200)),
    # The language switcher, in every page's footer: for anyone; a body without a language of
    # ours is refused (browsers send one of the listed choices).
    Case("i18n.switch", "POST", lambda w: "/language", expect(400)),
    # An organisation's accent colour as a stylesheet: keyed by the colour alone, public.
    Case("orgs.accent_stylesheet", "GET", lambda w: "/accent/2f5d50.css", expect(200)),
    # Grounding, the offline page, the manifest and the service worker: for anyone.
    Case("grounding.exercises", "GET", lambda w: "/grounding", expect(200)),
    Case("grounding.offline", "GET", lambda w: "/offline", expect(200)),
    Case("grounding.manifest", "GET", lambda w: "/manifest.webmanifest", expect(200)),
    Case("grounding.service_worker", "GET", lambda w: "/sw.js", expect(200)),
    Case(
        "audit.log",
        "GET",
        lambda w: f"/orgs/{w.org_a}/audit",
        admin_page(),
        lambda w: f"/orgs/{w.org_b}/audit",
    ),
    Case("accounts.signup", "GET", lambda w: "/signup", LOGGED_IN_REDIRECT),
    Case("accounts.signup", "POST", lambda w: "/signup", expect(302, anonymous=200)),
    # Says where the last sign-up from this browser was sent, or that a link was sent.
    Case("accounts.signup_sent", "GET", lambda w: "/signup/check-your-inbox", expect(200)),
    Case("accounts.confirm_signup", "GET", lambda w: "/signup/confirm/not-a-token", expect(404)),
    Case("accounts.confirm_signup", "POST", lambda w: "/signup/confirm/not-a-token", expect(404)),
    Case("accounts.login", "GET", lambda w: "/login", LOGGED_IN_REDIRECT),
    Case("accounts.login", "POST", lambda w: "/login", expect(302, anonymous=200)),
    Case("accounts.logout", "POST", lambda w: "/logout", expect(302)),
    # The code step belongs to a login whose password was right; without one it sends people
    # back to the login page, and people already logged in on to where they were going.
    Case("accounts.login_code", "GET", lambda w: "/login/code", expect(302)),
    Case("accounts.login_code", "POST", lambda w: "/login/code", expect(302)),
    Case("accounts.forgot_password", "GET", lambda w: "/password/forgot", expect(200)),
    Case("accounts.forgot_password", "POST", lambda w: "/password/forgot", expect(200)),
    Case("accounts.reset_password", "GET", lambda w: "/password/reset/not-a-token", expect(404)),
    Case("accounts.reset_password", "POST", lambda w: "/password/reset/not-a-token", expect(404)),
    Case("accounts.profile", "GET", lambda w: "/account", ANY_LOGGED_IN),
    # A body without the form's fields keeps what is saved (browsers always send every field).
    Case("accounts.profile", "POST", lambda w: "/account", expect(302)),
    Case("accounts.change_password", "GET", lambda w: "/account/password", ANY_LOGGED_IN),
    Case("accounts.change_password", "POST", lambda w: "/account/password", ANY_LOGGED_IN),
    # Two-step sign-in acts on the caller's own account only. Org A's admin has it on; for them
    # the forms that need a password and a code refuse a body without them (400). Everyone else
    # has nothing to confirm, renew or turn off and is sent back to the two-step page.
    Case("accounts.two_step", "GET", lambda w: "/account/two-step", ANY_LOGGED_IN),
    Case("accounts.start_two_step", "POST", lambda w: "/account/two-step/set-up", expect(302)),
    Case("accounts.confirm_two_step", "GET", lambda w: "/account/two-step/confirm", expect(302)),
    Case("accounts.confirm_two_step", "POST", lambda w: "/account/two-step/confirm", expect(302)),
    Case(
        "accounts.regenerate_recovery_codes",
        "POST",
        lambda w: "/account/two-step/recovery-codes",
        expect(302, admin=400),
    ),
    Case(
        "accounts.turn_off_two_step",
        "POST",
        lambda w: "/account/two-step/turn-off",
        expect(302, admin=400),
    ),
    Case(
        "accounts.replace_two_step",
        "POST",
        lambda w: "/account/two-step/new-phone",
        expect(302, admin=400),
    ),
    # Your data and your account: each person acts on their own only, so there are no ids.
    Case("rights.your_data", "GET", lambda w: "/account/data", ANY_LOGGED_IN),
    Case("rights.download_data", "POST", lambda w: "/account/data", ANY_LOGGED_IN),
    Case("rights.delete_account", "GET", lambda w: "/account/delete", ANY_LOGGED_IN),
    # Without a password nothing is deleted (400); whoever is the last facilitator of a circle
    # with members, or the last owner among other staff, is told to hand over first (409).
    Case(
        "rights.delete_account",
        "POST",
        lambda w: "/account/delete",
        expect(
            400,
            anonymous=LOGIN,
            facilitator=409,
            other_facilitator=409,
            colleague=409,
            admin=409,
            other_admin=409,
        ),
    ),
    Case(
        "orgs.overview",
        "GET",
        lambda w: f"/orgs/{w.org_a}",
        staff_page(),
        lambda w: f"/orgs/{w.org_b}",
    ),
    Case(
        "orgs.settings",
        "GET",
        lambda w: f"/orgs/{w.org_a}/settings",
        admin_page(),
        lambda w: f"/orgs/{w.org_b}/settings",
    ),
    Case(
        "orgs.settings",
        "POST",
        lambda w: f"/orgs/{w.org_a}/settings",
        admin_page(302),
        lambda w: f"/orgs/{w.org_b}/settings",
    ),
    Case(
        "orgs.team",
        "GET",
        lambda w: f"/orgs/{w.org_a}/team",
        admin_page(),
        lambda w: f"/orgs/{w.org_b}/team",
    ),
    Case(
        "orgs.create_invite",
        "POST",
        lambda w: f"/orgs/{w.org_a}/invites",
        admin_page(400),
        lambda w: f"/orgs/{w.org_b}/invites",
    ),
    Case(
        "orgs.revoke_invite",
        "POST",
        lambda w: f"/orgs/{w.org_a}/invites/{w.staff_invite_a}/revoke",
        admin_page(302),
        lambda w: f"/orgs/{w.org_a}/invites/{w.staff_invite_b}/revoke",
    ),
    Case(
        "orgs.change_role",
        "POST",
        lambda w: f"/orgs/{w.org_a}/team/{w.staff_facilitator_a}/role",
        admin_page(302),
        lambda w: f"/orgs/{w.org_a}/team/{w.staff_facilitator_b}/role",
    ),
    Case(
        "orgs.remove_staff",
        "POST",
        lambda w: f"/orgs/{w.org_a}/team/{w.staff_facilitator_a}/remove",
        admin_page(302),
        lambda w: f"/orgs/{w.org_a}/team/{w.staff_facilitator_b}/remove",
    ),
    # Anyone holding the link may join the team; org A's own staff are sent to the org. Logged
    # out, the link shows the invitation (a form sent after the login ended: back to it, 303).
    Case(
        "orgs.join_team",
        "GET",
        lambda w: f"/team/join/{w.staff_token_a}",
        expect(200, facilitator=302, admin=302, colleague=302),
    ),
    Case(
        "orgs.join_team",
        "POST",
        lambda w: f"/team/join/{w.staff_token_a}",
        expect(302, anonymous=303),
    ),
    Case(
        "groups.create",
        "GET",
        lambda w: f"/orgs/{w.org_a}/circles/new",
        staff_page(),
        lambda w: f"/orgs/{w.org_b}/circles/new",
    ),
    Case(
        "groups.create",
        "POST",
        lambda w: f"/orgs/{w.org_a}/circles/new",
        staff_page(),
        lambda w: f"/orgs/{w.org_b}/circles/new",
    ),
    Case("groups.show", "GET", c1, circle_page(), lambda w: f"/circles/{w.circle_b1}"),
    Case(
        "groups.edit",
        "GET",
        lambda w: c1(w) + "/edit",
        managed_circle_page(),
        lambda w: f"/circles/{w.circle_b1}/edit",
    ),
    Case(
        "groups.edit",
        "POST",
        lambda w: c1(w) + "/edit",
        managed_circle_page(),
        lambda w: f"/circles/{w.circle_b1}/edit",
    ),
    Case(
        "groups.archive",
        "POST",
        lambda w: c1(w) + "/archive",
        managed_circle_page(302),
        lambda w: f"/circles/{w.circle_b1}/archive",
    ),
    Case(
        "groups.restore",
        "POST",
        lambda w: c1(w) + "/restore",
        managed_circle_page(302),
        lambda w: f"/circles/{w.circle_b1}/restore",
    ),
    Case(
        "groups.roster",
        "GET",
        lambda w: c1(w) + "/roster",
        circle_page(),
        lambda w: f"/circles/{w.circle_b1}/roster",
    ),
    Case(
        "groups.add_facilitator",
        "POST",
        lambda w: c1(w) + "/facilitators",
        managed_circle_page(302),
        lambda w: f"/circles/{w.circle_b1}/facilitators",
    ),
    Case(
        "groups.remove_member",
        "POST",
        lambda w: c1(w) + f"/members/{w.member_a1}/remove",
        managed_circle_page(302),
        lambda w: c1(w) + f"/members/{w.member_b1}/remove",
    ),
    Case(
        "groups.leave",
        "POST",
        lambda w: c1(w) + "/leave",
        circle_page(302),
        lambda w: f"/circles/{w.circle_b1}/leave",
    ),
    Case(
        "groups.invitations",
        "GET",
        lambda w: c1(w) + "/invitations",
        managed_circle_page(),
        lambda w: f"/circles/{w.circle_b1}/invitations",
    ),
    Case(
        "groups.create_invitation",
        "POST",
        lambda w: c1(w) + "/invitations",
        managed_circle_page(400),
        lambda w: f"/circles/{w.circle_b1}/invitations",
    ),
    Case(
        "groups.revoke_invitation",
        "POST",
        lambda w: c1(w) + f"/invitations/{w.circle_invite_a1}/revoke",
        managed_circle_page(302),
        lambda w: c1(w) + f"/invitations/{w.circle_invite_b1}/revoke",
    ),
    # Sending invitation links by email: a body without addresses is bad input, nothing sent.
    Case(
        "groups.send_invitations",
        "POST",
        lambda w: c1(w) + "/invitations/send",
        managed_circle_page(400),
        lambda w: f"/circles/{w.circle_b1}/invitations/send",
    ),
    # What to do after creating a circle: whoever runs it.
    Case(
        "groups.next_steps",
        "GET",
        lambda w: c1(w) + "/next-steps",
        managed_circle_page(),
        lambda w: f"/circles/{w.circle_b1}/next-steps",
    ),
    Case(
        "groups.join",
        "GET",
        lambda w: f"/join/{w.circle_token_a1}",
        # Anyone holding the link may join; people already in the circle go straight to it.
        # Logged out, the link shows the invitation (which circle, who facilitates it).
        expect(200, member=302, facilitator=302),
    ),
    Case(
        "groups.join",
        "POST",
        lambda w: f"/join/{w.circle_token_a1}",
        # Logged out: a join form sent after the login ended goes back to the invitation (303).
        expect(400, anonymous=303, member=302, facilitator=302),
    ),
]


def m1(w: World) -> str:
    return f"/circles/{w.circle_a1}/meetings/{w.meeting_a1}"


def m_foreign(w: World) -> str:
    """Circle A1's URL with circle B1's meeting in it."""
    return f"/circles/{w.circle_a1}/meetings/{w.meeting_b1}"


def own_entry_page(ok: int = 200) -> dict[str, int]:
    """Someone's private integration-window entry: theirs alone; everyone else is told 404."""
    return expect(404, anonymous=LOGIN, member=ok)


MATRIX += [
    Case(
        "meetings.schedule",
        "GET",
        lambda w: c1(w) + "/meetings/new",
        managed_circle_page(),
        lambda w: f"/circles/{w.circle_b1}/meetings/new",
    ),
    Case(
        "meetings.schedule",
        "POST",
        lambda w: c1(w) + "/meetings/new",
        managed_circle_page(400),
        lambda w: f"/circles/{w.circle_b1}/meetings/new",
    ),
    Case(
        "meetings.index",
        "GET",
        lambda w: c1(w) + "/meetings",
        circle_page(),
        lambda w: f"/circles/{w.circle_b1}/meetings",
    ),
    Case("meetings.show", "GET", m1, circle_page(), m_foreign),
    # A body without an answer is refused with a message (and a redirect back to the page).
    Case(
        "meetings.rsvp",
        "POST",
        lambda w: m1(w) + "/rsvp",
        circle_page(302),
        lambda w: m_foreign(w) + "/rsvp",
    ),
    Case(
        "meetings.edit",
        "GET",
        lambda w: m1(w) + "/edit",
        managed_circle_page(),
        lambda w: m_foreign(w) + "/edit",
    ),
    Case(
        "meetings.edit",
        "POST",
        lambda w: m1(w) + "/edit",
        managed_circle_page(400),
        lambda w: m_foreign(w) + "/edit",
    ),
    Case(
        "meetings.cancel",
        "GET",
        lambda w: m1(w) + "/cancel",
        managed_circle_page(),
        lambda w: m_foreign(w) + "/cancel",
    ),
    Case(
        "meetings.cancel",
        "POST",
        lambda w: m1(w) + "/cancel",
        managed_circle_page(400),
        lambda w: m_foreign(w) + "/cancel",
    ),
    Case(
        "meetings.restore",
        "POST",
        lambda w: m1(w) + "/restore",
        managed_circle_page(302),
        lambda w: m_foreign(w) + "/restore",
    ),
    Case(
        "meetings.download",
        "GET",
        lambda w: m1(w) + "/meeting.ics",
        circle_page(),
        lambda w: m_foreign(w) + "/meeting.ics",
    ),
    Case("meetings.schedule_view", "GET", lambda w: "/schedule", ANY_LOGGED_IN),
    Case("meetings.calendar_settings", "GET", lambda w: "/calendar", ANY_LOGGED_IN),
    # Each of these acts on the caller's own feed only, so every logged-in person may use them.
    Case("meetings.regenerate_feed", "POST", lambda w: "/calendar/link", expect(302)),
    Case("meetings.revoke_feed", "POST", lambda w: "/calendar/revoke", expect(302)),
    Case("meetings.calendar_titles", "POST", lambda w: "/calendar/titles", expect(302)),
    # The secret token is the credential: whoever holds it gets the feed, without logging in.
    Case("meetings.feed", "GET", lambda w: f"/calendar/{w.feed_token_member}.ics", expect(200)),
    Case("meetings.integration", "GET", lambda w: "/integration", ANY_LOGGED_IN),
    Case(
        "meetings.add_dosing_session",
        "POST",
        lambda w: "/integration",
        expect(400, anonymous=LOGIN),
    ),
    Case(
        "meetings.edit_dosing_session",
        "GET",
        lambda w: f"/integration/{w.dosing_member}/edit",
        own_entry_page(),
    ),
    Case(
        "meetings.edit_dosing_session",
        "POST",
        lambda w: f"/integration/{w.dosing_member}/edit",
        own_entry_page(400),
    ),
    Case(
        "meetings.delete_dosing_session",
        "POST",
        lambda w: f"/integration/{w.dosing_member}/delete",
        own_entry_page(302),
    ),
]


def live_room_page() -> dict[str, int]:
    """The live room: the circle's own people; its org's admins run the org, not the room."""
    return expect(404, anonymous=LOGIN, member=200, facilitator=200, admin=403)


MATRIX += [
    # Only the circle's facilitators open the room (admins are not in it; members join it).
    Case(
        "live.start",
        "POST",
        lambda w: c1(w) + "/live",
        expect(404, anonymous=LOGIN, member=403, facilitator=302, admin=403),
        lambda w: f"/circles/{w.circle_b1}/live",
    ),
    Case(
        "live.room",
        "GET",
        lambda w: c1(w) + f"/live/{w.live_a1}",
        live_room_page(),
        lambda w: c1(w) + f"/live/{w.live_b1}",
    ),
    # The presenter view shows the room on a shared screen: the facilitators' tool.
    Case(
        "live.present",
        "GET",
        lambda w: c1(w) + f"/live/{w.live_a1}/present",
        expect(404, anonymous=LOGIN, member=403, facilitator=200, admin=403),
        lambda w: c1(w) + f"/live/{w.live_b1}/present",
    ),
    # Preparing sessions: whoever runs the circle (its facilitators and the org's admins).
    Case(
        "live.library",
        "GET",
        lambda w: c1(w) + "/prompts",
        managed_circle_page(),
        lambda w: f"/circles/{w.circle_b1}/prompts",
    ),
    Case(
        "live.library",
        "POST",
        lambda w: c1(w) + "/prompts",
        managed_circle_page(400),
        lambda w: f"/circles/{w.circle_b1}/prompts",
    ),
    Case(
        "live.delete_prompt",
        "POST",
        lambda w: c1(w) + f"/prompts/{w.prompt_a1}/delete",
        managed_circle_page(302),
        lambda w: c1(w) + f"/prompts/{w.prompt_b1}/delete",
    ),
    Case(
        "live.plan",
        "GET",
        lambda w: m1(w) + "/plan",
        managed_circle_page(),
        lambda w: m_foreign(w) + "/plan",
    ),
    Case(
        "live.plan",
        "POST",
        lambda w: m1(w) + "/plan",
        managed_circle_page(400),
        lambda w: m_foreign(w) + "/plan",
    ),
    Case(
        "live.add_step",
        "POST",
        lambda w: m1(w) + "/plan/add",
        managed_circle_page(302),
        lambda w: m_foreign(w) + "/plan/add",
    ),
    Case(
        "live.move_step",
        "POST",
        lambda w: m1(w) + f"/plan/{w.step_a1}/move",
        managed_circle_page(302),
        lambda w: m1(w) + f"/plan/{w.step_b1}/move",
    ),
    Case(
        "live.remove_step",
        "POST",
        lambda w: m1(w) + f"/plan/{w.step_a1}/delete",
        managed_circle_page(302),
        lambda w: m1(w) + f"/plan/{w.step_b1}/delete",
    ),
]


def member_only_page(ok: int = 200) -> dict[str, int]:
    """Circle A1 pages for its members only: facilitators and admins see aggregates, not these."""
    return expect(404, anonymous=LOGIN, member=ok, facilitator=403, admin=403)


def circle_facilitator_page(ok: int = 200) -> dict[str, int]:
    """Circle A1's support inbox: its facilitators only (requests are personal, not org data)."""
    return expect(404, anonymous=LOGIN, member=403, facilitator=ok, admin=403)


MATRIX += [
    # Members check in; a body without the form's answers is bad input (400), nothing stored.
    Case("checkins.checkin", "GET", lambda w: c1(w) + "/checkin", member_only_page()),
    Case("checkins.checkin", "POST", lambda w: c1(w) + "/checkin", member_only_page(400)),
    Case("checkins.history", "GET", lambda w: c1(w) + "/checkin/history", member_only_page()),
    Case(
        "checkins.delete_history",
        "POST",
        lambda w: c1(w) + "/checkin/history/delete",
        member_only_page(302),
    ),
    Case(
        "checkins.setup",
        "GET",
        lambda w: c1(w) + "/checkins/setup",
        managed_circle_page(),
        lambda w: f"/circles/{w.circle_b1}/checkins/setup",
    ),
    Case(
        "checkins.setup",
        "POST",
        lambda w: c1(w) + "/checkins/setup",
        managed_circle_page(400),
        lambda w: f"/circles/{w.circle_b1}/checkins/setup",
    ),
    Case(
        "checkins.add_option",
        "POST",
        lambda w: c1(w) + "/checkins/options",
        managed_circle_page(400),
        lambda w: f"/circles/{w.circle_b1}/checkins/options",
    ),
    Case(
        "checkins.remove_option",
        "POST",
        lambda w: c1(w) + f"/checkins/options/{w.option_a1}/remove",
        managed_circle_page(302),
        lambda w: c1(w) + f"/checkins/options/{w.option_b1}/remove",
    ),
    Case(
        "checkins.circle_report",
        "GET",
        lambda w: c1(w) + "/checkins/report",
        managed_circle_page(),
        lambda w: f"/circles/{w.circle_b1}/checkins/report",
    ),
    Case(
        "checkins.circle_report_csv",
        "GET",
        lambda w: c1(w) + "/checkins/report.csv",
        managed_circle_page(),
        lambda w: f"/circles/{w.circle_b1}/checkins/report.csv",
    ),
    Case(
        "checkins.org_report",
        "GET",
        lambda w: f"/orgs/{w.org_a}/checkins/report",
        admin_page(),
        lambda w: f"/orgs/{w.org_b}/checkins/report",
    ),
    Case(
        "checkins.org_report_csv",
        "GET",
        lambda w: f"/orgs/{w.org_a}/checkins/report.csv",
        admin_page(),
        lambda w: f"/orgs/{w.org_b}/checkins/report.csv",
    ),
    Case("safety.request_support", "POST", lambda w: c1(w) + "/support", member_only_page(302)),
    Case(
        "safety.inbox",
        "GET",
        lambda w: c1(w) + "/support",
        circle_facilitator_page(),
        lambda w: f"/circles/{w.circle_b1}/support",
    ),
    Case(
        "safety.set_status",
        "POST",
        lambda w: c1(w) + f"/support/{w.support_a1}/status",
        circle_facilitator_page(302),
        lambda w: c1(w) + f"/support/{w.support_b1}/status",
    ),
]


MATRIX += [
    # The member's own space: theirs alone; another person's id is "not found" to everyone.
    Case("journal.index", "GET", lambda w: "/journal", ANY_LOGGED_IN),
    Case("journal.new", "GET", lambda w: "/journal/new", ANY_LOGGED_IN),
    Case("journal.new", "POST", lambda w: "/journal/new", expect(400, anonymous=LOGIN)),
    Case("space.commitments", "GET", lambda w: "/commitments", ANY_LOGGED_IN),
    Case("space.add_commitment", "POST", lambda w: "/commitments", expect(400, anonymous=LOGIN)),
    Case(
        "journal.edit",
        "GET",
        lambda w: f"/journal/{w.journal_member}/edit",
        own_entry_page(),
    ),
    Case(
        "journal.edit",
        "POST",
        lambda w: f"/journal/{w.journal_member}/edit",
        own_entry_page(400),
    ),
    Case(
        "journal.delete",
        "POST",
        lambda w: f"/journal/{w.journal_member}/delete",
        own_entry_page(302),
    ),
    Case(
        "journal.share",
        "GET",
        lambda w: f"/journal/{w.journal_member}/share",
        own_entry_page(),
    ),
    Case(
        "journal.share",
        "POST",
        lambda w: f"/journal/{w.journal_member}/share",
        own_entry_page(400),
    ),
    Case(
        "journal.withdraw",
        "POST",
        lambda w: f"/journal/shared/{w.note_a1}/withdraw",
        own_entry_page(302),
    ),
    Case(
        "space.set_status",
        "POST",
        lambda w: f"/commitments/{w.follow_up_member}/status",
        own_entry_page(302),
    ),
    Case(
        "space.set_live_status",
        "POST",
        lambda w: f"/commitments/live/{w.commitment_member}/status",
        own_entry_page(302),
    ),
    Case(
        "space.delete_commitment",
        "POST",
        lambda w: f"/commitments/{w.follow_up_member}/delete",
        own_entry_page(302),
    ),
    Case(
        "space.plan",
        "GET",
        lambda w: f"/integration/{w.dosing_member}/plan",
        own_entry_page(),
    ),
    Case(
        "space.plan",
        "POST",
        lambda w: f"/integration/{w.dosing_member}/plan",
        own_entry_page(302),
    ),
    # What members shared is read by the circle's facilitators only, like support requests.
    Case(
        "journal.circle_notes",
        "GET",
        lambda w: c1(w) + "/shared-notes",
        circle_facilitator_page(),
        lambda w: f"/circles/{w.circle_b1}/shared-notes",
    ),
]


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    covered = {(case.endpoint, case.method) for case in MATRIX}
    assert routes - covered == set(), "routes missing from the authorisation matrix"
    assert covered - routes == set(), "matrix rows for routes that do not exist"


def _request(app: Flask, role: str, world: World, method: str, url: str) -> Any:
    client = app.test_client()
    if role != "anonymous":
        with app.app_context():
            login_as(client, world.users[role])
    # A non-empty body with none of the form's fields: forms must treat it as bad input.
    return client.open(url, method=method, data={"unrelated": "1"} if method == "POST" else None)


@pytest.mark.parametrize("case", MATRIX, ids=lambda c: f"{c.method} {c.endpoint}")
@pytest.mark.parametrize("role", ROLES)
def test_role_gets_expected_status(app: Flask, case: Case, role: str) -> None:
    with app.app_context():
        world = build_world()
    response = _request(app, role, world, case.method, case.url(world))
    assert response.status_code == case.expected[role], (
        f"{role} {case.method} {case.url(world)} -> {response.status_code}"
    )
    if response.status_code == LOGIN and role == "anonymous":
        assert "/login" in response.headers["Location"]


FOREIGN_CASES = [case for case in MATRIX if case.foreign_url is not None]


@pytest.mark.parametrize("case", FOREIGN_CASES, ids=lambda c: f"{c.method} {c.endpoint}")
def test_foreign_ids_are_not_found(app: Flask, case: Case) -> None:
    """Whoever may use a route on org A, with ids of org B's objects in the URL, gets a 404."""
    with app.app_context():
        world = build_world()
    assert case.foreign_url is not None
    allowed = [r for r in ("admin", "facilitator") if case.expected[r] not in (403, 404)]
    assert allowed
    for role in allowed:
        response = _request(app, role, world, case.method, case.foreign_url(world))
        assert response.status_code == 404, f"{role} {case.method} {case.foreign_url(world)}"
