"""What a facilitator does after creating a circle: invite people, turn on check-ins, schedule
the first meeting; each step done or not yet."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select

from circles.checkins import services as checkins
from circles.checkins.models import PeriodKind
from circles.extensions import db
from circles.groups.models import Circle, CircleInvite
from circles.i18n import gettext as _
from circles.meetings.models import Meeting


@dataclass(frozen=True)
class NextStep:
    """One thing to do, where it is done, and whether it is done."""

    key: str
    title: str
    explanation: str
    #: The page where it is done (an endpoint taking ``circle_id``).
    endpoint: str
    action: str
    done: bool


def turn_on_checkins(circle: Circle) -> None:
    """Weekly check-ins with the default questions, as on the check-in set-up page."""
    checkins.set_up_instrument(circle, PeriodKind.WEEKLY)


def next_steps(circle: Circle) -> list[NextStep]:
    """The circle's first steps, in the order they are best taken."""
    invited = db.session.scalar(select(exists().where(CircleInvite.circle_id == circle.id)))
    scheduled = db.session.scalar(select(exists().where(Meeting.circle_id == circle.id)))
    return [
        NextStep(
            "invite",
            _("Invite people"),
            _("Send invitation links by email, or make a link to pass on yourself."),
            "groups.invitations",
            _("Invite people"),
            bool(invited),
        ),
        NextStep(
            "checkins",
            _("Turn on check-ins"),
            _(
                "Members answer a few short questions each week; you see only anonymous figures "
                "for the whole circle."
            ),
            "checkins.setup",
            _("Set up check-ins"),
            checkins.instrument_for(circle.id) is not None,
        ),
        NextStep(
            "meeting",
            _("Schedule the first meeting"),
            _("One meeting or a series; everyone sees it in their own time zone."),
            "meetings.schedule",
            _("Schedule a meeting"),
            bool(scheduled),
        ),
    ]
