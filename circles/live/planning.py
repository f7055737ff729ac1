"""The prompt library (built in, the organisation's, the circle's) and meetings' session plans.

A facilitator prepares a meeting's plan before it starts, as an ordered list of prompts taken
from the library or written for the occasion, and opens its steps one by one in the live room.
Steps are copies: changing the library later leaves prepared plans as they were.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import Circle
from circles.i18n import gettext as _
from circles.i18n import lazy_gettext as _l
from circles.live.access import LiveError
from circles.live.library import BUILT_IN, THEMES
from circles.live.models import PlanItem, PromptKind, SavedPrompt
from circles.live.protocol import validate_spec
from circles.meetings.models import Meeting
from circles.urls import parse_id

MAX_PLAN_STEPS = 30
#: Saved prompts an organisation may keep (its own and all its circles').
MAX_SAVED_PROMPTS = 500


class Source(enum.StrEnum):
    """Where a library prompt comes from."""

    BUILT_IN = "built_in"
    ORG = "org"
    CIRCLE = "circle"

    @property
    def label(self) -> str:
        return _SOURCE_LABELS[self.value]


_SOURCE_LABELS = {
    "built_in": _l("Built in"),
    "org": _l("Organisation"),
    "circle": _l("This circle"),
}


@dataclass(frozen=True)
class LibraryEntry:
    """One prompt of a circle's library, whatever its source."""

    #: "builtin:<key>" or "saved:<id>": what a form sends to pick this prompt.
    ref: str
    spec: dict[str, Any]
    themes: tuple[str, ...]
    source: Source
    saved: SavedPrompt | None = None

    @property
    def text(self) -> str:
        return str(self.spec["text"])

    @property
    def kind(self) -> PromptKind:
        return PromptKind(self.spec["kind"])


def _checked(spec: object) -> dict[str, Any]:
    try:
        return validate_spec(spec)
    except LiveError as error:
        raise ServiceError(str(error.message)) from None


def _saved_entry(saved: SavedPrompt) -> LibraryEntry:
    source = Source.CIRCLE if saved.circle_id is not None else Source.ORG
    return LibraryEntry(f"saved:{saved.id}", saved.spec, tuple(saved.themes), source, saved)


def library_for(circle: Circle, theme: str | None = None) -> list[LibraryEntry]:
    """The built-in prompts, the organisation's and the circle's own (one query)."""
    saved = db.session.scalars(
        select(SavedPrompt)
        .where(
            SavedPrompt.org_id == circle.org_id,
            or_(SavedPrompt.circle_id.is_(None), SavedPrompt.circle_id == circle.id),
        )
        .order_by(SavedPrompt.circle_id.is_not(None), SavedPrompt.id)
    ).all()
    entries = [
        LibraryEntry(f"builtin:{p.key}", p.spec(), p.themes, Source.BUILT_IN) for p in BUILT_IN
    ] + [_saved_entry(s) for s in saved]
    if theme:
        entries = [e for e in entries if theme in e.themes]
    return entries


def entry_by_ref(circle: Circle, ref: str) -> LibraryEntry:
    """A prompt of this circle's library; another circle's or organisation's is not found."""
    kind, _sep, key = ref.partition(":")
    if kind == "builtin":
        for prompt in BUILT_IN:
            if prompt.key == key:
                return LibraryEntry(ref, prompt.spec(), prompt.themes, Source.BUILT_IN)
    elif kind == "saved" and (saved_id := parse_id(key)) is not None:
        saved = db.session.scalar(
            select(SavedPrompt).where(
                SavedPrompt.id == saved_id,
                SavedPrompt.org_id == circle.org_id,
                or_(SavedPrompt.circle_id.is_(None), SavedPrompt.circle_id == circle.id),
            )
        )
        if saved is not None:
            return _saved_entry(saved)
    raise ServiceError(_("That prompt is not in this circle's library."))


def _themes(themes: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(themes))
    unknown = [t for t in chosen if t not in THEMES]
    if unknown:
        raise ServiceError(_("Choose themes from the list."), "themes")
    return chosen


def save_prompt(
    circle: Circle,
    by_user_id: int,
    spec: object,
    themes: Iterable[str],
    *,
    whole_org: bool,
) -> SavedPrompt:
    """Keep a prompt in the library of the circle, or of its whole organisation."""
    clean = _checked(spec)
    chosen = _themes(themes)
    kept = db.session.scalar(
        select(func.count()).select_from(SavedPrompt).where(SavedPrompt.org_id == circle.org_id)
    )
    if (kept or 0) >= MAX_SAVED_PROMPTS:
        raise ServiceError(
            _(
                "The library already holds %(num)d saved prompts; remove some first.",
                num=MAX_SAVED_PROMPTS,
            )
        )
    saved = SavedPrompt(
        org_id=circle.org_id,
        circle_id=None if whole_org else circle.id,
        created_by_id=by_user_id,
        spec=clean,
        themes=chosen,
    )
    db.session.add(saved)
    db.session.flush()
    return saved


def may_delete(saved: SavedPrompt, user_id: int, *, manages_circle: bool, is_admin: bool) -> bool:
    """A circle's prompt: whoever runs the circle; an organisation's: its author or an admin."""
    if is_admin:
        return True
    if saved.circle_id is not None:
        return manages_circle
    return saved.created_by_id == user_id


def delete_saved_prompt(saved: SavedPrompt) -> None:
    db.session.delete(saved)
    db.session.flush()


# Session plans -------------------------------------------------------------------------------


def plan_for(meeting_id: int) -> list[PlanItem]:
    """A meeting's plan, in order."""
    return list(
        db.session.scalars(
            select(PlanItem)
            .where(PlanItem.meeting_id == meeting_id)
            .order_by(PlanItem.position, PlanItem.id)
        )
    )


def plan_sizes(meeting_ids: Iterable[int]) -> dict[int, int]:
    """How many steps each meeting's plan has (one query)."""
    ids = list(meeting_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(PlanItem.meeting_id, func.count())
        .where(PlanItem.meeting_id.in_(ids))
        .group_by(PlanItem.meeting_id)
    ).all()
    return {meeting_id: count for meeting_id, count in rows}


def add_to_plan(meeting: Meeting, spec: object) -> PlanItem:
    """Append a prompt to the meeting's plan."""
    if meeting.cancelled_at is not None:
        raise ServiceError(_("This meeting is cancelled."))
    clean = _checked(spec)
    steps = plan_for(meeting.id)
    if len(steps) >= MAX_PLAN_STEPS:
        raise ServiceError(_("A plan can have at most %(num)d steps.", num=MAX_PLAN_STEPS))
    position = steps[-1].position + 1 if steps else 0
    item = PlanItem(meeting_id=meeting.id, position=position, spec=clean)
    db.session.add(item)
    db.session.flush()
    return item


STEP_GONE = _l("That step is no longer in the plan; someone may have removed it just now.")


def move_step(item: PlanItem, offset: int) -> None:
    """Move a step one place earlier (-1) or later (+1); at either end nothing changes.

    A step removed meanwhile (by another facilitator, from another page) is a ServiceError.
    """
    steps = plan_for(item.meeting_id)
    # Renumber as we go, so steps added at the same moment still get distinct places.
    index = next((i for i, step in enumerate(steps) if step.id == item.id), None)
    if index is None:
        raise ServiceError(str(STEP_GONE))
    target = index + offset
    if 0 <= target < len(steps):
        steps[index], steps[target] = steps[target], steps[index]
    for position, step in enumerate(steps):
        step.position = position
    try:
        db.session.flush()
    except StaleDataError:  # a step was deleted between reading the plan and writing it
        raise ServiceError(str(STEP_GONE)) from None


def remove_step(item: PlanItem) -> None:
    db.session.delete(item)
    db.session.flush()
