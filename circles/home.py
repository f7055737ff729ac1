"""What the home page needs, across all of a person's circles, in a fixed number of queries.

A member sees what is due for them (a check-in, an answer for the next meeting); a facilitator
also sees, per circle they run, how many requests for contact are open and whether this period's
check-in figures are in yet. Nothing here reads what anyone wrote or answered: support requests
are counted, and check-ins are looked at only as the report page does (are the open period's
figures released, or still waiting for k people), never how many are waiting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import contains_eager

from circles.checkins.models import (
    CheckinInstrument,
    CheckinReceipt,
    CheckinResponse,
    PeriodKind,
)
from circles.checkins.services import week_start
from circles.extensions import db
from circles.groups.models import Circle, CircleMember, CircleRole
from circles.meetings.models import Meeting, Rsvp, RsvpAnswer
from circles.orgs.models import Organisation
from circles.safety.models import SupportRequest, SupportStatus

T = TypeVar("T")


@dataclass(frozen=True)
class CircleGlance:
    """One of the person's circles as the home page shows it."""

    membership: CircleMember
    #: The organisation's anonymity threshold (check-in figures need this many people).
    k: int
    #: First day of the check-in period open now; None without check-ins or before any meeting.
    open_period: date | None = None
    #: Members: they have checked in for the open period.
    checked_in: bool = False
    #: Facilitators: the open period's figures are released (the report shows them).
    figures_in: bool = False
    #: Facilitators: requests for contact nobody has looked at yet, and those seen but not closed.
    new_requests: int = 0
    seen_requests: int = 0
    #: How often the circle checks in; None while check-ins are not set up.
    period_kind: PeriodKind | None = None

    @property
    def circle(self) -> Circle:
        return self.membership.circle

    @property
    def facilitates(self) -> bool:
        return self.membership.role == CircleRole.FACILITATOR

    @property
    def checkin_due(self) -> bool:
        """A member's check-in is open for them and not done yet."""
        return (
            not self.facilitates
            and not self.circle.archived
            and self.open_period is not None
            and not self.checked_in
        )

    @property
    def waiting_for_k(self) -> bool:
        """The facilitator's report does not show the open period yet (fewer than k so far)."""
        return self.facilitates and self.open_period is not None and not self.figures_in

    @property
    def open_requests(self) -> int:
        return self.new_requests + self.seen_requests


def _count_requests(status: SupportStatus) -> ColumnElement[int]:
    return (
        select(func.count())
        .select_from(SupportRequest)
        .where(SupportRequest.circle_id == Circle.id, SupportRequest.status == status)
        .scalar_subquery()
    )


def _only_for_facilitators(value: ColumnElement[T]) -> ColumnElement[T | None]:
    """Members' rows never carry the circle's support or report state, not even to the view."""
    return case((CircleMember.role == CircleRole.FACILITATOR, value), else_=None)


def circles_at_a_glance(user_id: int, now: datetime) -> list[CircleGlance]:
    """Every circle the person is in (open ones first, by name), with what is due (one query)."""
    last_meeting = (
        select(func.max(Meeting.starts_at))
        .where(
            Meeting.circle_id == Circle.id,
            Meeting.cancelled_at.is_(None),
            Meeting.starts_at <= now,
        )
        .scalar_subquery()
    )
    own_receipt = (
        select(func.max(CheckinReceipt.period))
        .where(CheckinReceipt.circle_id == Circle.id, CheckinReceipt.user_id == user_id)
        .scalar_subquery()
    )
    last_released = (
        select(func.max(CheckinResponse.period))
        .where(CheckinResponse.circle_id == Circle.id, CheckinResponse.released.is_(True))
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            CircleMember,
            Organisation.anonymity_k,
            CheckinInstrument.period_kind,
            case((CheckinInstrument.period_kind == PeriodKind.MEETING, last_meeting)),
            case((CircleMember.role == CircleRole.MEMBER, own_receipt)),
            _only_for_facilitators(last_released),
            _only_for_facilitators(_count_requests(SupportStatus.NEW)),
            _only_for_facilitators(_count_requests(SupportStatus.ACKNOWLEDGED)),
        )
        .join(CircleMember.circle)
        .join(Organisation, Organisation.id == Circle.org_id)
        .outerjoin(CheckinInstrument, CheckinInstrument.circle_id == Circle.id)
        .options(contains_eager(CircleMember.circle))
        .where(CircleMember.user_id == user_id)
        .order_by(Circle.archived_at.isnot(None), Circle.name, Circle.id)
    ).all()
    glances = []
    for membership, k, kind, started, receipt, released, new, seen in rows:
        period: date | None = None
        if kind == PeriodKind.WEEKLY:
            period = week_start(now.date())
        elif kind is not None and started is not None:
            period = started.date()
        if membership.circle.archived:
            period = None
        glances.append(
            CircleGlance(
                membership=membership,
                k=k,
                open_period=period,
                checked_in=period is not None and receipt == period,
                figures_in=period is not None and released == period,
                new_requests=new or 0,
                seen_requests=seen or 0,
                period_kind=kind,
            )
        )
    return glances


@dataclass(frozen=True)
class Upcoming:
    """Meetings not over yet across a person's circles, with their own answers, and the counts
    of answers for meetings of circles they facilitate (as the circle page shows them)."""

    meetings: Sequence[Meeting] = ()
    own_rsvps: dict[int, RsvpAnswer] = field(default_factory=dict)
    counts: dict[int, dict[str, int]] = field(default_factory=dict)


def _rsvps(answer: RsvpAnswer) -> ColumnElement[int]:
    return (
        select(func.count())
        .select_from(Rsvp)
        .where(Rsvp.meeting_id == Meeting.id, Rsvp.answer == answer)
        .scalar_subquery()
    )


def upcoming(user_id: int, now: datetime, limit: int) -> Upcoming:
    """The next ``limit`` meetings of the person's circles, soonest first (one query)."""
    own = (
        select(Rsvp.answer)
        .where(Rsvp.meeting_id == Meeting.id, Rsvp.user_id == user_id)
        .scalar_subquery()
    )
    answers = list(RsvpAnswer)
    rows = db.session.execute(
        select(Meeting, own, *(_only_for_facilitators(_rsvps(a)) for a in answers))
        .join(CircleMember, CircleMember.circle_id == Meeting.circle_id)
        .join(Meeting.circle)
        .options(contains_eager(Meeting.circle))
        .where(CircleMember.user_id == user_id, Meeting.ends_at > now)
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    ).all()
    meetings: list[Meeting] = []
    own_rsvps: dict[int, RsvpAnswer] = {}
    counts: dict[int, dict[str, int]] = {}
    for meeting, answer, *numbers in rows:
        meetings.append(meeting)
        if answer is not None:
            own_rsvps[meeting.id] = RsvpAnswer(answer)
        if numbers[0] is not None:
            counts[meeting.id] = {a.value: n for a, n in zip(answers, numbers, strict=True)}
    return Upcoming(meetings, own_rsvps, counts)
