"""Data export: everything Circles holds about one person, as JSON, and nothing about anyone else.

Every query here is filtered by the person's own user id. Organisation, circle and prompt texts
are included only where they label the person's own entries.

Keys, and values a program may compare ("kept", "you", a role's or an answer's stored value),
stay English whatever the person's language; the notes about the file and the labels people
read in the app (a status, an audit action) come in the person's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select, union

from circles import signals
from circles.accounts.models import AuthSession, User
from circles.audit import services as audit
from circles.audit.models import AuditAction, AuditEntry
from circles.checkins import services as checkins
from circles.checkins.instrument import labels_for
from circles.checkins.models import CheckinHistory, CheckinOption, CheckinReceipt, CheckinReminder
from circles.extensions import db
from circles.groups.models import Circle, CircleMember
from circles.i18n import lazy_gettext as _l
from circles.journal import services as journal
from circles.journal.prompts import THEMES as JOURNAL_THEMES
from circles.meetings.models import CalendarFeed, DosingSession, Meeting, ReminderSent, Rsvp
from circles.orgs.models import Organisation, OrgMember
from circles.safety.models import SupportRequest
from circles.space import follow_ups, plans

FORMAT = "circles-personal-data"
VERSION = 1

#: What the file says about itself, in the file (a person may open it years from now).
NOTES = (
    _l("This file holds what Circles keeps about you, as of the moment you downloaded it."),
    _l("It leaves out everyone else: other members' names, answers and requests are not in it."),
    _l(
        "Anonymous check-ins carry no link to you at all (no name, no account, no time), so "
        "nobody, including Circles, can find them again to put them here. Where you chose to "
        "keep a private copy of a check-in, that copy is included under check_ins."
    ),
    _l(
        "Answers you gave in live sessions to anonymous prompts are not linked to you either. "
        "Answers to named prompts are listed while the circle still keeps them."
    ),
    _l(
        "Your journal entries are here, opened for you: in Circles they are sealed so that only "
        "you can read them. Keep this file somewhere private."
    ),
    _l("Times are in UTC, written as ISO 8601."),
)


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def orgs_of(user_id: int) -> list[int]:
    """Every organisation the person is part of: as staff or through a circle (one query)."""
    staff = select(OrgMember.org_id).where(OrgMember.user_id == user_id)
    circles = (
        select(Circle.org_id)
        .join(CircleMember, CircleMember.circle_id == Circle.id)
        .where(CircleMember.user_id == user_id)
    )
    return sorted(set(db.session.scalars(union(staff, circles))))


def record_export(user_id: int) -> None:
    """Note the download in the log of each of the person's organisations (never its content)."""
    for org_id in orgs_of(user_id):
        audit.record(org_id, user_id, AuditAction.DATA_EXPORTED, "user", user_id)


def personal_data(user: User, now: datetime) -> dict[str, Any]:
    """Everything Circles holds about ``user``, ready for ``json.dumps``."""
    uid = user.id
    live = signals.ask(signals.personal_data_asked, uid)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _iso(now),
        "about_this_file": [str(note) for note in NOTES],
        "profile": {
            "email": user.email,
            "display_name": user.display_name,
            "time_zone": user.timezone,
            "account_created_at": _iso(user.created_at),
            "password_changed_at": _iso(user.password_changed_at),
        },
        "logins": _logins(uid),
        "organisation_roles": _org_roles(uid),
        "circles": _circles(uid),
        "meeting_answers": _rsvps(uid),
        "meeting_reminders_sent": _meeting_reminders(uid),
        "calendar_feed": _calendar_feed(uid),
        "integration_window_entries": _dosing_sessions(uid),
        "commitments": live["commitments"],
        "live_sessions_joined": live["live_sessions_joined"],
        "live_answers_with_your_name": live["live_answers_with_your_name"],
        "journal_entries": _journal(uid),
        "journal_entries_you_shared": _shared_notes(uid),
        "commitments_followed_up": _follow_ups(uid),
        "plans_after_a_session": _plans(uid),
        "check_ins": _check_ins(uid),
        "check_in_reminders_sent": _checkin_reminders(uid),
        "support_requests": _support_requests(uid),
        "library_prompts_you_added": live["library_prompts_you_added"],
        "audit_log_entries": _audit_entries(uid),
    }


def _logins(uid: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(AuthSession).where(AuthSession.user_id == uid).order_by(AuthSession.created_at)
    )
    return [{"started_at": _iso(s.created_at), "last_seen_at": _iso(s.last_seen_at)} for s in rows]


def _org_roles(uid: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Organisation.name, OrgMember.role, OrgMember.created_at)
        .join(OrgMember, OrgMember.org_id == Organisation.id)
        .where(OrgMember.user_id == uid)
        .order_by(Organisation.name)
    ).all()
    return [
        {"organisation": name, "role": role.value, "since": _iso(at)} for name, role, at in rows
    ]


def _circles(uid: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(CircleMember, Circle.name, Circle.archived_at, Organisation.name)
        .join(Circle, Circle.id == CircleMember.circle_id)
        .join(Organisation, Organisation.id == Circle.org_id)
        .where(CircleMember.user_id == uid)
        .order_by(CircleMember.created_at)
    ).all()
    return [
        {
            "circle": circle,
            "organisation": org,
            "your_name_in_this_circle": m.display_name,
            "role": m.role.value,
            "joined_at": _iso(m.created_at),
            "agreement_accepted_at": _iso(m.agreed_at),
            "circle_archived": archived is not None,
        }
        for m, circle, archived, org in rows
    ]


def _rsvps(uid: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Rsvp, Meeting.starts_at, Meeting.cancelled_at, Circle.name)
        .join(Meeting, Meeting.id == Rsvp.meeting_id)
        .join(Circle, Circle.id == Meeting.circle_id)
        .where(Rsvp.user_id == uid)
        .order_by(Meeting.starts_at)
    ).all()
    return [
        {
            "circle": circle,
            "meeting_starts_at": _iso(starts),
            "meeting_cancelled": cancelled is not None,
            "answer": rsvp.answer.value,
            "answered_at": _iso(rsvp.updated_at),
        }
        for rsvp, starts, cancelled, circle in rows
    ]


def _meeting_reminders(uid: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(ReminderSent.sent_at, Meeting.starts_at, Circle.name)
        .join(Meeting, Meeting.id == ReminderSent.meeting_id)
        .join(Circle, Circle.id == Meeting.circle_id)
        .where(ReminderSent.user_id == uid)
        .order_by(ReminderSent.sent_at)
    ).all()
    return [
        {"circle": circle, "meeting_starts_at": _iso(starts), "sent_at": _iso(sent)}
        for sent, starts, circle in rows
    ]


def _calendar_feed(uid: int) -> dict[str, Any] | None:
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == uid))
    if feed is None:
        return None
    return {
        "private_link_on": feed.salt is not None,
        "circle_names_in_event_titles": feed.show_circle_names,
        "set_up_at": _iso(feed.created_at),
    }


def _dosing_sessions(uid: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(DosingSession).where(DosingSession.user_id == uid).order_by(DosingSession.taken_at)
    )
    return [{"session_at": _iso(d.taken_at), "recorded_at": _iso(d.created_at)} for d in rows]


def _journal(uid: int) -> list[dict[str, Any]]:
    return [
        {
            "title": e.title,
            "text": e.text,
            "prompt": e.prompt,
            "themes": [str(JOURNAL_THEMES[t]) for t in e.themes],
            "written_at": _iso(e.written_at),
            "changed_at": _iso(e.changed_at),
            "linked_session_id": e.dosing_session_id,
            "linked_meeting_id": e.meeting_id,
        }
        for e in reversed(journal.entries_of(uid))
    ]


def _shared_notes(uid: int) -> list[dict[str, Any]]:
    return [
        {"circle": circle, "title": n.title, "text": n.text, "shared_at": _iso(n.created_at)}
        for n, circle in reversed(journal.own_notes(uid))
    ]


def _follow_ups(uid: int) -> list[dict[str, Any]]:
    return [
        {
            "text": c.text,
            "from": c.source.value,
            "circle": c.circle,
            "made_at": _iso(c.made_at),
            "for": _iso(c.due),
            "status": str(c.status.label),
            "note": c.note,
        }
        for c in follow_ups.commitments_of(uid)
    ]


def _plans(uid: int) -> list[dict[str, Any]]:
    sessions = {s.id: s.taken_at for s in journal.dosing_choices(uid)}
    return [
        {
            "session_at": _iso(sessions.get(p.session_id)),
            "action": plans.chosen_action(uid, p),
            "reminder_mails": p.reminders,
        }
        for p in plans.plans_of(uid)
    ]


def _check_ins(uid: int) -> list[dict[str, Any]]:
    """Each period the person checked in, with their private copy where they kept one."""
    receipts = db.session.execute(
        select(CheckinReceipt.circle_id, CheckinReceipt.period, Circle.name)
        .join(Circle, Circle.id == CheckinReceipt.circle_id)
        .where(CheckinReceipt.user_id == uid)
    ).all()
    copies = db.session.execute(
        select(CheckinHistory, Circle.name)
        .join(Circle, Circle.id == CheckinHistory.circle_id)
        .where(CheckinHistory.user_id == uid)
    ).all()
    circle_ids = {r.circle_id for r in receipts} | {h.circle_id for h, _ in copies}
    options = db.session.scalars(
        select(CheckinOption).where(CheckinOption.circle_id.in_(circle_ids))
    ).all()
    labels = {
        circle_id: labels_for([o for o in options if o.circle_id == circle_id])
        for circle_id in circle_ids
    }
    entries: dict[tuple[int, date], dict[str, Any]] = {
        (circle_id, period): {
            "circle": name,
            "period_from": _iso(period),
            "private_copy": "not kept",  # untranslated: a stable value programs compare
        }
        for circle_id, period, name in receipts
    }
    for copy, name in copies:
        entry = entries.setdefault(
            (copy.circle_id, copy.period), {"circle": name, "period_from": _iso(copy.period)}
        )
        answers = checkins.open_history(uid, copy.sealed)
        if answers is None:
            entry["private_copy"] = "kept, but it can no longer be opened"  # untranslated: value
            continue
        names = labels[copy.circle_id]
        entry["private_copy"] = "kept"
        entry["your_answers"] = {
            "scale_0_to_5": {names.get(k, k): v for k, v in sorted(answers.scores.items())},
            "themes": _labels(answers.themes, names),
            "practices": _labels(answers.practices, names),
        }
    return sorted(entries.values(), key=lambda e: (e["period_from"], e["circle"]))


def _labels(keys: Iterable[str], names: dict[str, str]) -> list[str]:
    return sorted(names.get(k, k) for k in keys)


def _checkin_reminders(uid: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(CheckinReminder.period, Circle.name)
        .join(Circle, Circle.id == CheckinReminder.circle_id)
        .where(CheckinReminder.user_id == uid)
        .order_by(CheckinReminder.period)
    ).all()
    return [{"circle": circle, "period_from": _iso(period)} for period, circle in rows]


def _support_requests(uid: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(SupportRequest, Circle.name)
        .join(Circle, Circle.id == SupportRequest.circle_id)
        .where(SupportRequest.user_id == uid)
        .order_by(SupportRequest.created_at)
    ).all()
    return [
        {
            "circle": circle,
            "your_message": r.message,
            "status": r.status.label,
            "asked_at": _iso(r.created_at),
            "last_changed_at": _iso(r.updated_at),
        }
        for r, circle in rows
    ]


def _audit_entries(uid: int) -> list[dict[str, Any]]:
    """Entries that name the person, as actor or as object; other people appear as such only."""
    rows = db.session.execute(
        select(AuditEntry, Organisation.name)
        .join(Organisation, Organisation.id == AuditEntry.org_id)
        .where(
            or_(
                AuditEntry.actor_id == uid,
                and_(AuditEntry.object_type == "user", AuditEntry.object_id == uid),
            )
        )
        .order_by(AuditEntry.created_at, AuditEntry.id)
    ).all()
    labels = {a.value: a.label for a in AuditAction}
    out = []
    for entry, org in rows:
        if entry.object_type == "user":
            about = "you" if entry.object_id == uid else "another person"  # untranslated: value
        else:
            about = entry.object_type
        out.append(
            {
                "organisation": org,
                "at": _iso(entry.created_at),
                "what": labels.get(entry.action, entry.action),
                # untranslated: stable values programs compare
                "done_by": "you" if entry.actor_id == uid else "someone else in the organisation",
                "about": about,
            }
        )
    return out
