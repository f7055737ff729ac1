"""Factories for test data; each flushes through the real services and commits."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pyotp
from sqlalchemy import select

from circles.accounts import second_factor
from circles.accounts import services as accounts
from circles.accounts.models import User
from circles.checkins import release
from circles.checkins import services as checkins
from circles.checkins.models import CheckinInstrument, CheckinOption, OptionKind, PeriodKind
from circles.db import utcnow
from circles.extensions import db
from circles.groups import services as groups
from circles.groups.models import Circle, CircleInvite, CircleMember, CircleRole
from circles.journal import services as journal
from circles.journal.models import JournalEntry, SharedNote
from circles.live import access as live_access
from circles.live import answers as live_answers
from circles.live import opening as live_opening
from circles.live import planning
from circles.live import rooms as live_rooms
from circles.live.models import Commitment, LiveSession, PlanItem, SavedPrompt
from circles.meetings import services as meetings
from circles.meetings import window
from circles.meetings.models import DosingSession, Meeting, MeetingSeries, RsvpAnswer
from circles.meetings.recurrence import Repeat, SeriesPlan
from circles.orgs import services as orgs
from circles.orgs.models import Organisation, OrgInvite, OrgMember, OrgRole
from circles.safety import services as safety
from circles.safety.models import SupportRequest, SupportStatus
from circles.space import follow_ups
from circles.space.models import FollowUp

PASSWORD = "correct horse battery"
#: The test app's SECRET_KEY (tests/conftest.py), for services that derive keys from it.
SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
_seq = itertools.count(1)


def create_user(name: str | None = None, email: str | None = None, timezone: str = "UTC") -> User:
    n = next(_seq)
    user = accounts.create_user(
        email or f"user{n}@example.org", PASSWORD, name or f"User {n}", timezone
    )
    db.session.commit()
    return user


def enrol_second_factor(user: User) -> tuple[str, list[str]]:
    """Turn on two-step sign-in for the user; returns the app's secret and the recovery codes.

    Confirmed with the code of a minute ago, so that the current code is still unused.
    """
    user = db.session.merge(user)
    secret = second_factor.begin_enrolment(user, SECRET_KEY)
    earlier = utcnow() - timedelta(minutes=1)
    codes = second_factor.confirm_enrolment(
        user, pyotp.TOTP(secret).at(earlier), SECRET_KEY, earlier
    )
    db.session.commit()
    return secret, codes


def require_second_factor(org_id: int) -> None:
    """The organisation's policy: everyone on its team uses two-step sign-in."""
    org = db.session.get(Organisation, org_id)
    assert org is not None
    org.require_second_factor = True
    db.session.commit()


def create_org(name: str = "Test Practice", owner: User | None = None) -> Organisation:
    org = Organisation(name=name)
    db.session.add(org)
    db.session.flush()
    if owner is not None:
        db.session.add(OrgMember(org_id=org.id, user_id=owner.id, role=OrgRole.OWNER))
    db.session.commit()
    return org


def add_staff(org: Organisation, user: User, role: OrgRole = OrgRole.FACILITATOR) -> OrgMember:
    member = OrgMember(org_id=org.id, user_id=user.id, role=role)
    db.session.add(member)
    db.session.commit()
    return member


def create_circle(
    org: Organisation, facilitator: User, name: str | None = None, capacity: int = 10
) -> Circle:
    circle = groups.create_circle(
        org,
        facilitator,
        name=name or f"Circle {next(_seq)}",
        description="We meet on Thursdays.",
        agreement="What is shared here stays here.",
        capacity=capacity,
        facilitator_name=facilitator.display_name.split()[0],
    )
    db.session.commit()
    return circle


def add_member(circle: Circle, user: User, display_name: str | None = None) -> CircleMember:
    member = groups.add_member(
        circle, user, display_name or f"{user.display_name} {next(_seq)}", CircleRole.MEMBER
    )
    db.session.commit()
    return member


def add_facilitator(circle: Circle, user: User, display_name: str) -> CircleMember:
    member = groups.add_member(circle, user, display_name, CircleRole.FACILITATOR)
    db.session.commit()
    return member


def create_circle_invite(
    circle: Circle, by: User, *, days: int = 7, max_uses: int = 5, email: str | None = None
) -> tuple[CircleInvite, str]:
    invite, token = groups.create_invite(circle, days=days, max_uses=max_uses, email=email, by=by)
    db.session.commit()
    return invite, token


def create_staff_invite(
    org: Organisation, by: User, *, role: OrgRole = OrgRole.FACILITATOR, email: str | None = None
) -> tuple[OrgInvite, str]:
    invite, token = orgs.create_staff_invite(org, role=role, days=7, max_uses=3, email=email, by=by)
    db.session.commit()
    return invite, token


def expire(link: CircleInvite | OrgInvite) -> None:
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


def schedule(
    circle: Circle,
    by: User,
    first: datetime | None = None,
    *,
    repeat: Repeat = Repeat.NONE,
    count: int | None = None,
    timezone: str = "UTC",
    duration: int = 90,
    video_url: str = "",
    agenda: str = "",
) -> MeetingSeries:
    """Schedule meetings; ``first`` is a wall-clock time in ``timezone`` (default: in 3 days)."""
    first = first or (datetime.now(UTC) + timedelta(days=3)).replace(
        tzinfo=None, second=0, microsecond=0
    )
    plan = SeriesPlan(
        first.date(),
        time(first.hour, first.minute),
        timezone,
        repeat,
        count=count if repeat != Repeat.NONE else None,
    )
    series = meetings.schedule_meeting(
        circle, by, plan, meetings.MeetingDetails(duration, video_url, agenda)
    )
    db.session.commit()
    return series


def meeting(circle: Circle, by: User, **kwargs: object) -> Meeting:
    """A one-off meeting."""
    return schedule(circle, by, **kwargs).meetings[0]  # type: ignore[arg-type]


def dosing_session(user: User, taken_at: datetime) -> DosingSession:
    entry = window.add_dosing_session(user, taken_at)
    db.session.commit()
    return entry


def answer(meeting: Meeting, user: User, rsvp: RsvpAnswer) -> None:
    meetings.set_rsvp(db.session.merge(meeting), db.session.merge(user), rsvp)
    db.session.commit()


def live_session(circle: Circle, by: User) -> LiveSession:
    """Open a circle's live room."""
    session = live_rooms.start_session(db.session.merge(circle), by.id)
    db.session.commit()
    return session


PLAIN_PROMPT = {"kind": "text", "text": "What is asking for your attention today?"}


def saved_prompt(
    circle: Circle,
    by: User,
    *,
    whole_org: bool = False,
    spec: dict[str, object] | None = None,
    themes: tuple[str, ...] = ("safety",),
) -> SavedPrompt:
    """A prompt kept in the circle's (or the whole organisation's) library."""
    saved = planning.save_prompt(
        db.session.merge(circle), by.id, spec or PLAIN_PROMPT, themes, whole_org=whole_org
    )
    db.session.commit()
    return saved


def plan_step(meeting: Meeting, spec: dict[str, object] | None = None) -> PlanItem:
    """A step at the end of the meeting's session plan."""
    item = planning.add_to_plan(db.session.merge(meeting), spec or PLAIN_PROMPT)
    db.session.commit()
    return item


def set_up_checkins(circle: Circle, kind: PeriodKind = PeriodKind.WEEKLY) -> CheckinInstrument:
    instrument = checkins.set_up_instrument(db.session.merge(circle), kind)
    db.session.commit()
    return instrument


def checkin_option(
    circle: Circle, kind: OptionKind, label: str, added_on: date | None = None
) -> CheckinOption:
    """An own item, asked from the period after ``added_on`` (default: long ago)."""
    option = checkins.add_option(
        db.session.merge(circle), kind, label, added_on or date(2000, 1, 1)
    )
    db.session.commit()
    return option


def check_in(
    circle: Circle,
    user: User,
    scores: dict[str, int] | int = 3,
    *,
    themes: frozenset[str] = frozenset(),
    practices: frozenset[str] = frozenset(),
    now: datetime | None = None,
    keep: bool = True,
) -> None:
    """A member's check-in for the period open at ``now``; ``scores`` may be one value for all."""
    if isinstance(scores, int):
        scores = {f"wb{i}": scores for i in range(1, 6)}
    now = now or utcnow()
    checkins.submit_checkin(
        db.session.merge(circle),
        db.session.merge(user),
        checkins.Answers(scores, themes, practices),
        now,
        keep_private_copy=keep,
    )
    db.session.commit()
    release.run_release([circle.id], now)  # as the check-in page does after its commit


def support_request(circle: Circle, user: User, message: str = "") -> SupportRequest:
    request = safety.request_support(circle.id, user.id, message)
    db.session.commit()
    return request


def set_support_status(request: SupportRequest, status: SupportStatus) -> None:
    """A facilitator marks a request for contact as seen or closed."""
    safety.set_status(db.session.merge(request), status)
    db.session.commit()


def join_through(invite: CircleInvite, user: User, display_name: str) -> CircleMember:
    """The person joins the invitation's circle through it, accepting the agreement."""
    member = groups.join_circle(
        db.session.get_one(CircleInvite, invite.id),
        db.session.get_one(User, user.id),
        display_name=display_name,
        accepted=True,
    )
    db.session.commit()
    return member


def journal_entry(user: User, text: str = "A line for myself") -> JournalEntry:
    """A private journal entry of the person's."""
    entry = journal.add_entry(user.id, journal.Draft(text=text), utcnow())
    db.session.commit()
    return entry


def shared_note(user: User, circle: Circle, text: str = "For my facilitators") -> SharedNote:
    """An entry the person wrote and shared with the circle's facilitators."""
    row = journal.add_entry(user.id, journal.Draft(text=text), utcnow())
    found = journal.entry_of(user.id, row.id)
    assert found is not None
    note = journal.share_entry(user.id, found[1], circle.id)
    db.session.commit()
    return note


def own_commitment(user: User, text: str = "Walk by the river") -> FollowUp:
    """A commitment the person added to their own list."""
    row = follow_ups.add_own(user.id, text, None, utcnow())
    db.session.commit()
    return row


def live_commitment(circle: Circle, facilitator: User, member: User, text: str) -> int:
    """The member commits to ``text`` in the circle's open live room; the commitment's id."""
    session_id = live_rooms.active_session(circle.id).id  # type: ignore[union-attr]
    session, host = live_access.actor_for(session_id, facilitator.id)
    _, person = live_access.actor_for(session_id, member.id)
    spec = {"kind": "commitment", "text": "One small step?", "anonymous": False}
    prompt = live_opening.open_prompt(session, host, spec)
    live_answers.submit_response(session, person, prompt.ack["prompt"]["id"], text, f"f-{text}")
    db.session.commit()
    return int(
        db.session.scalars(
            select(Commitment.id)
            .where(Commitment.user_id == member.id)
            .order_by(Commitment.id.desc())
        ).first()
        or 0
    )
