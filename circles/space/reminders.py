"""The 72-hour plan's reminders: one short, neutral mail on each of the three days, for members
who asked for them. A job runs :func:`queue_plan_reminders` every quarter of an hour.

Plans are sealed, so the job opens each to see whether a reminder is due. Each reminder is
claimed by rewriting the plan only if it is still as read (a conditional update): of two runs at
once, one sends it. The mail is queued with that commit, so it goes once, or not at all if the
commit fails. Its subject and words say nothing of sessions, circles or therapy.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select, update

from circles.accounts.models import User
from circles.db import utcnow
from circles.extensions import db
from circles.i18n import gettext as _
from circles.i18n import language_for, speaking
from circles.i18n import lazy_gettext as _l
from circles.mail import send_mail
from circles.meetings.models import DosingSession
from circles.space.models import IntegrationPlan
from circles.space.plans import DAYS, REMIND_AFTER, days_after, open_plan, seal_plan
from circles.urls import external_url

log = logging.getLogger(__name__)

#: The same in every reminder, in the recipient's language: it says nothing of what it is about.
SUBJECT = _l("A note from Circles")


def _body(name: str, link: str) -> str:
    body: str = _(
        "Hello %(name)s,\n\n"
        "A short note for today, as you asked: there is a question waiting for you if you would "
        "like it, and a few quiet minutes if you need them.\n\n"
        "%(link)s\n\n"
        "You can turn these notes off on the same page.\n",
        name=name,
        link=link,
    )
    return body


def queue_plan_reminders(now: datetime | None = None) -> int:
    """Queue every plan reminder due now; returns how many were queued."""
    now = now or utcnow()
    opened = [
        (row, plan)
        for row in db.session.scalars(select(IntegrationPlan)).all()
        if (plan := open_plan(row)) is not None and plan.reminders and len(plan.reminded) < DAYS
    ]
    sessions = {
        s.id: s
        for s in db.session.scalars(
            select(DosingSession).where(DosingSession.id.in_({p.session_id for _, p in opened}))
        )
    }
    users = {
        u.id: u
        for u in db.session.scalars(select(User).where(User.id.in_({r.user_id for r, _ in opened})))
    }
    queued = 0
    for row, plan in opened:
        session = sessions.get(plan.session_id)
        if session is None or session.user_id != row.user_id:
            continue
        due = [
            day.number
            for day in days_after(session)
            if day.number not in plan.reminded and day.starts_at + REMIND_AFTER <= now < day.ends_at
        ]
        if not due:
            continue
        marked = replace(plan, reminded=[*plan.reminded, *due])
        claimed = db.session.execute(
            update(IntegrationPlan)
            .where(IntegrationPlan.id == row.id, IntegrationPlan.sealed == row.sealed)
            .values(sealed=seal_plan(row.user_id, marked))
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            user = users[row.user_id]
            link = external_url("space.plan", entry_id=session.id)
            with speaking(language_for(user)):
                send_mail(user.email, str(SUBJECT), _body(user.display_name.split(" ")[0], link))
            queued += 1
        db.session.commit()
    return queued
