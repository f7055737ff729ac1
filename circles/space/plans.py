"""The 72-hour plan: what Circles offers when a member notes a dosing session.

A reflection prompt for each of the three days after the session (each opens a journal entry
linked to it), a grounding exercise, the circle meetings inside the integration window, one
small action to choose (it joins the member's commitments, due when the three days end), and, if
they want them, a short neutral reminder mail on each of the days. The plan is sealed under the
member's key: a copy of the database does not tell which session it is for, or that it has
reminders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from circles.extensions import db
from circles.i18n import lazy_gettext as _l
from circles.journal.prompts import GuidedPrompt, by_key
from circles.meetings.models import DosingSession
from circles.space import follow_ups
from circles.space.models import IntegrationPlan
from circles.space.sealed import open_record, seal_record

PLAN_SIZE = 512
DAYS = 3
#: Each day's reminder goes this long into the day (counted from the session's time), and not
#: at all once the day is over.
REMIND_AFTER = timedelta(hours=4)
DAY = timedelta(days=1)

#: A reflection for each day, from the journal's guided prompts.
DAY_PROMPTS = ("still-here", "body-now", "surprised")

#: Small actions to choose from (or the member writes their own). The one chosen is kept in the
#: words of the language the member chose it in: it is their commitment from then on.
SUGGESTED_ACTIONS = (
    _l("Take a slow walk outside, without my phone"),
    _l("Write three lines in my journal each evening"),
    _l("Tell one person I trust how the session went"),
    _l("Give myself an hour of rest with no screens"),
    _l("Eat one meal slowly, paying attention"),
)


def suggested_actions() -> list[str]:
    """The suggested actions in the language of this request."""
    return [str(action) for action in SUGGESTED_ACTIONS]


def _purpose(user_id: int) -> str:
    return f"plan:{user_id}"


@dataclass
class Plan:
    session_id: int
    reminders: bool = False
    action_id: int | None = None
    #: Days (1 to 3) whose reminder went out.
    reminded: list[int] = field(default_factory=list)


def open_plan(row: IntegrationPlan) -> Plan | None:
    record = open_record(_purpose(row.user_id), row.sealed)
    if record is None:
        return None
    return Plan(record["session"], record["reminders"], record["action"], record["reminded"])


def seal_plan(user_id: int, plan: Plan) -> bytes:
    record: dict[str, Any] = {
        "session": plan.session_id,
        "reminders": plan.reminders,
        "action": plan.action_id,
        "reminded": plan.reminded,
    }
    return seal_record(_purpose(user_id), record, PLAN_SIZE)


def plans_of(user_id: int) -> list[Plan]:
    """The person's plans (opened), in the order they were made."""
    rows = db.session.scalars(
        select(IntegrationPlan)
        .where(IntegrationPlan.user_id == user_id)
        .order_by(IntegrationPlan.id)
    )
    return [plan for row in rows if (plan := open_plan(row)) is not None]


def plan_for(user_id: int, session_id: int) -> tuple[IntegrationPlan, Plan] | None:
    """The person's plan for one of their sessions (found by opening their plans), or None."""
    for row in db.session.scalars(
        select(IntegrationPlan).where(IntegrationPlan.user_id == user_id)
    ):
        plan = open_plan(row)
        if plan is not None and plan.session_id == session_id:
            return row, plan
    return None


@dataclass(frozen=True)
class Day:
    number: int
    starts_at: datetime
    ends_at: datetime
    prompt: GuidedPrompt


def days_after(session: DosingSession) -> list[Day]:
    days = []
    for number, key in enumerate(DAY_PROMPTS, start=1):
        prompt = by_key(key)
        assert prompt is not None  # the keys above are the journal's own
        start = session.taken_at + (number - 1) * DAY
        days.append(Day(number, start, start + DAY, prompt))
    return days


def save_plan(
    user_id: int, session: DosingSession, action: str, reminders: bool, now: datetime
) -> IntegrationPlan:
    """Make or change the plan for the session; the caller commits. The action becomes (or
    changes) one of the member's commitments, due when the three days are over."""
    due = session.taken_at + DAYS * DAY
    found = plan_for(user_id, session.id)
    row, plan = found if found is not None else (IntegrationPlan(user_id=user_id), Plan(session.id))
    action_row = follow_ups.own_row(user_id, plan.action_id) if plan.action_id else None
    if action.strip():
        if action_row is not None:
            follow_ups.update_text(action_row[0], action_row[1], action, due)
        else:
            text = follow_ups.checked_text(action, "action")
            plan.action_id = follow_ups.add_record(
                user_id, text, due, now, follow_ups.Source.PLAN
            ).id
    plan.reminders = reminders
    row.sealed = seal_plan(user_id, plan)
    db.session.add(row)
    db.session.flush()
    return row


def chosen_action(user_id: int, plan: Plan) -> str:
    found = follow_ups.own_row(user_id, plan.action_id) if plan.action_id else None
    return str(found[1]["text"]) if found is not None else ""
