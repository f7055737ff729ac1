"""Demo data (``flask demo``): two organisations a newcomer can log in to and look around.

"Riverside" has a circle of ten members who have checked in most weeks for seven weeks (through
the check-in services, released k at a time as real check-ins are, so its report shows figures),
a finished live session with commitments, the next eight meetings with the first one planned,
and crisis contacts. "Harbour", a second organisation with its own owner and circle, shows that
neither can see the other. Everything goes through the services the pages use; only the clock
they are given goes back, week by week. Running it again changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from circles import signals
from circles.accounts import services as accounts
from circles.accounts.models import User
from circles.checkins import release
from circles.checkins import services as checkins
from circles.checkins.instrument import questions_for
from circles.checkins.models import OptionKind, PeriodKind
from circles.db import empty_write_ahead_log, utcnow
from circles.extensions import db
from circles.groups import services as groups
from circles.groups.models import Circle, CircleRole
from circles.meetings import services as meetings
from circles.meetings.models import Meeting
from circles.meetings.recurrence import Repeat, SeriesPlan
from circles.orgs import services as orgs
from circles.orgs.models import Organisation, OrgMember, OrgRole

DEMO_PASSWORD = "circles-demo-password"  # noqa: S105 - printed for the demo on purpose
DEMO_DOMAIN = "demo.example.org"
RIVERSIDE = "Riverside Integration Practice (demo)"
HARBOUR = "Harbour Wellbeing Collective (demo)"
EVENING_CIRCLE = "Thursday evening circle"
MORNING_CIRCLE = "Tuesday morning circle"


@dataclass(frozen=True)
class Person:
    """A demo account: email local part, account name, staff role, circle and name there."""

    local: str
    name: str
    timezone: str
    org: str
    role: OrgRole | None = None
    circle: str | None = None
    circle_name: str | None = None
    facilitates: bool = False

    @property
    def email(self) -> str:
        return f"{self.local}@{DEMO_DOMAIN}"

    @property
    def who(self) -> str:
        """What the person does there, for the list of logins."""
        parts = [self.role.label.lower()] if self.role in (OrgRole.OWNER, OrgRole.ADMIN) else []
        if self.circle:
            parts.append(f"{'facilitator' if self.facilitates else 'member'} of {self.circle}")
        return ", ".join(parts)


def _member(local: str, name: str, zone: str, circle_name: str | None = None) -> Person:
    return Person(
        local, f"{name} Member", zone, RIVERSIDE, None, EVENING_CIRCLE, circle_name or name
    )


PEOPLE = [
    Person("admin", "Ada Admin", "Europe/London", RIVERSIDE, OrgRole.OWNER),
    Person(
        "facilitator",
        "Farah Facilitator",
        "Europe/London",
        RIVERSIDE,
        OrgRole.FACILITATOR,
        EVENING_CIRCLE,
        "Farah",
        facilitates=True,
    ),
    _member("sam", "Sam", "Europe/Berlin"),
    _member("robin", "Robin", "America/New_York", "R."),
    _member("kai", "Kai", "Asia/Kolkata"),
    _member("lena", "Lena", "Europe/Berlin"),
    _member("tomas", "Tomás", "Europe/Madrid"),
    _member("priya", "Priya", "Europe/London"),
    _member("jo", "Jo", "Europe/London"),
    _member("mateo", "Mateo", "Europe/Rome"),
    _member("ines", "Inês", "Europe/Lisbon"),
    _member("noor", "Noor", "Europe/London"),
    Person(
        "harbour-admin",
        "Hana Admin",
        "Europe/Dublin",
        HARBOUR,
        OrgRole.OWNER,
        MORNING_CIRCLE,
        "Hana",
        facilitates=True,
    ),
    Person("lou", "Lou Member", "Europe/Dublin", HARBOUR, None, MORNING_CIRCLE, "Lou"),
    Person("mina", "Mina Member", "Europe/Dublin", HARBOUR, None, MORNING_CIRCLE, "Mina"),
]

AGREEMENT = (
    "What is shared here stays here.\nWe listen without advising.\n"
    "Anyone may pass on any prompt.\nThis is peer support, not emergency care."
)
CRISIS_CONTACTS = {
    RIVERSIDE: (
        "If you are in danger right now, call 999 or go to your nearest A&E.\n"
        "Samaritans are there day and night, free, on 116 123, or https://www.samaritans.org\n"
        "Our team, weekdays 9:00 to 17:00: 020 7946 0321 (a demo number)."
    ),
    HARBOUR: (
        "If you are in danger right now, call 112 or 999.\n"
        "Samaritans are there day and night, free, on 116 123.\n"
        "The collective's duty phone, weekdays 10:00 to 16:00: 01 555 0142 (a demo number)."
    ),
}


@dataclass(frozen=True)
class Weeks:
    """How one member's weeks go: wellbeing (0-5) moving from ``start`` to ``end``, what they
    tend to tick ("own-theme"/"own-practice": the circle's own), and the weeks they missed
    (0 is the oldest)."""

    start: float
    end: float
    themes: tuple[str, ...]
    practices: tuple[str, ...]
    missed: frozenset[int] = frozenset()
    keep_copy: bool = True


#: The closed weeks the circle has checked in; the current week has a few check-ins waiting.
PAST_WEEKS = 7
#: Each member of the evening circle, in the order of PEOPLE.
STORIES = {
    "sam": Weeks(2.0, 3.6, ("t_grief", "t_relief", "t_compassion"), ("p_move", "p_journal")),
    "robin": Weeks(
        2.6, 3.2, ("t_control", "t_safety", "t_selfcrit"), ("p_ground", "p_rest"), frozenset({3})
    ),
    "kai": Weeks(
        1.8, 2.6, ("t_selfcrit", "t_grief", "own-theme"), ("p_journal", "p_talk"), frozenset({1, 5})
    ),
    "lena": Weeks(3.0, 4.0, ("t_selfaccept", "t_compassion"), ("p_move", "own-practice")),
    "tomas": Weeks(
        2.4, 2.0, ("t_anger", "t_control", "own-theme"), ("p_ground", "p_action"), frozenset({3, 5})
    ),
    "priya": Weeks(
        2.2, 3.4, ("t_grief", "t_selfaccept"), ("p_talk", "p_journal", "p_rest"), frozenset({0})
    ),
    "jo": Weeks(3.2, 3.6, ("t_safety", "t_relief"), ("p_move", "p_rest"), frozenset({1, 3})),
    "mateo": Weeks(
        1.6,
        2.8,
        ("t_selfcrit", "t_control", "t_compassion"),
        ("p_ground", "p_action", "own-practice"),
        frozenset({4}),
    ),
    "ines": Weeks(
        2.8, 3.0, ("t_relief", "own-theme"), ("p_journal", "p_move"), frozenset({0, 5}), False
    ),
    "noor": Weeks(
        2.0, 3.2, ("t_safety", "t_grief", "t_compassion"), ("p_talk", "p_ground"), frozenset({3})
    ),
}
#: Who has checked in so far this week (Sam has not: log in as Sam to try it).
THIS_WEEK = ("lena", "priya", "mateo")
#: Wellbeing items that sit a little apart from the rest (sleep is often the last to settle).
ITEM_LEAN = {"wb1": 0.0, "wb2": 0.3, "wb3": 0.0, "wb4": -0.5, "wb5": -0.2}


def login_lines() -> list[str]:
    """Every demo account under its organisation: email, then what the person does there."""
    width = max(len(person.email) for person in PEOPLE)
    lines = []
    for org in (RIVERSIDE, HARBOUR):
        lines.append(f"  {org}")
        lines += [f"    {p.email:<{width}}  {p.who}" for p in PEOPLE if p.org == org]
    return lines


def demo_exists() -> bool:
    return db.session.scalar(select(User.id).where(User.email == PEOPLE[0].email)) is not None


def create_demo_data(now: datetime | None = None) -> None:
    """Both organisations, their people and circles, the evening circle's weeks of check-ins and
    its finished live session; commits as it goes (check-ins are released after their commit)."""
    now = now or utcnow()
    users = {
        p.local: accounts.create_user(p.email, DEMO_PASSWORD, p.name, p.timezone) for p in PEOPLE
    }
    circles: dict[str, Circle] = {}
    for org_name in (RIVERSIDE, HARBOUR):
        circles.update(_organisation(org_name, users))
    evening = circles[EVENING_CIRCLE]
    first_meeting = _schedule(evening, users["facilitator"], now)
    db.session.commit()
    _check_ins(evening, users, now)
    # The live package plans the first meeting and holds a short session (it commits nothing).
    signals.ask(
        signals.demo_live_asked,
        first_meeting,
        keys=("arrive", "how-did-it-go", "still-with-you", "one-step"),
    )
    db.session.commit()
    empty_write_ahead_log()  # as after a release or a reveal (docs/privacy.md, rule 8)


def _organisation(name: str, users: dict[str, User]) -> dict[str, Circle]:
    """The organisation with its staff, crisis contacts (set by its owner) and circle."""
    org = Organisation(name=name)
    db.session.add(org)
    db.session.flush()
    people = [p for p in PEOPLE if p.org == name]
    for person in people:
        if person.role is not None:
            db.session.add(
                OrgMember(org_id=org.id, user_id=users[person.local].id, role=person.role)
            )
    db.session.flush()
    owner = next(users[p.local] for p in people if p.role == OrgRole.OWNER)
    orgs.update_settings(
        org,
        name=org.name,
        anonymity_k=org.anonymity_k,
        crisis_resources=CRISIS_CONTACTS[name],
        by=owner,
    )
    facilitator = next(p for p in people if p.facilitates)
    assert facilitator.circle is not None and facilitator.circle_name is not None
    evening = facilitator.circle == EVENING_CIRCLE
    circle = groups.create_circle(
        org,
        users[facilitator.local],
        name=facilitator.circle,
        description=(
            "A group meeting on Thursday evenings to make sense, together, of what came up in "
            "assisted sessions."
            if evening
            else "A small morning group for people a few months on from their sessions."
        ),
        agreement=AGREEMENT,
        capacity=12 if evening else 8,
        facilitator_name=facilitator.circle_name,
    )
    for person in people:
        if person.circle_name and not person.facilitates:
            groups.add_member(circle, users[person.local], person.circle_name, CircleRole.MEMBER)
    return {circle.name: circle}


def _schedule(circle: Circle, facilitator: User, now: datetime) -> Meeting:
    """Eight weekly evening meetings from next Thursday, on London's wall clock; the first."""
    today = now.date()
    first = today + timedelta(days=(3 - today.weekday()) % 7 or 7)
    series = meetings.schedule_meeting(
        circle,
        facilitator,
        SeriesPlan(first, time(19, 0), "Europe/London", Repeat.WEEKLY, count=8),
        meetings.MeetingDetails(
            duration_minutes=90,
            video_url="https://meet.example.org/thursday-circle",
            agenda="Arrival and grounding\nHow last week's step went\nA shared prompt\n"
            "Talking round\nClosing",
        ),
        now,
    )
    return series.meetings[0]


def _check_ins(circle: Circle, users: dict[str, User], now: datetime) -> None:
    """Weekly check-ins for seven weeks and a few this week, each taken and released as the
    check-in page does, at the moment it was made; the circle's own theme and practice are
    added as a facilitator would have (the practice from the third week on)."""
    this_week = checkins.week_start(now.date())
    weeks = [this_week - timedelta(weeks=PAST_WEEKS - n) for n in range(PAST_WEEKS)]
    checkins.set_up_instrument(circle, PeriodKind.WEEKLY)
    own = {
        "own-theme": checkins.add_option(
            circle, OptionKind.THEME, "Family and old roles", weeks[0] - timedelta(days=2)
        ).key,
        "own-practice": checkins.add_option(
            circle, OptionKind.PRACTICE, "Music or singing", weeks[2] - timedelta(days=3)
        ).key,
    }
    db.session.commit()
    rng = random.Random(16)  # noqa: S311 - not a secret: the same demo every time
    order = list(STORIES)
    taken: list[tuple[datetime, str, int]] = []
    for week, monday in enumerate(weeks):
        for index, local in enumerate(order):
            if week not in STORIES[local].missed:
                day, hour = (index * 2 + week) % 7, 8 + (index * 5 + week * 3) % 13
                at = datetime.combine(monday, time(hour, 10 * (index % 6)), UTC)
                taken.append((at + timedelta(days=day), local, week))
    start = datetime.combine(this_week, time(), UTC)
    for n, local in enumerate(THIS_WEEK, start=1):
        taken.append((start + (now - start) * n / (len(THIS_WEEK) + 1), local, PAST_WEEKS))
    for at, local, week in sorted(taken):
        story = STORIES[local]
        questions = questions_for(
            checkins.circle_options(circle.id), checkins.week_start(at.date())
        )
        progress = min(week, PAST_WEEKS - 1) / (PAST_WEEKS - 1)
        level = story.start + (story.end - story.start) * progress
        scores = {
            key: max(0, min(5, round(level + ITEM_LEAN.get(key, 0) + rng.uniform(-0.8, 0.8))))
            for key in sorted(questions.scale_keys)
        }
        themes = _ticked(rng, story.themes, own, questions.theme_keys, 0.6, at_least_one=True)
        practices = _ticked(rng, story.practices, own, questions.practice_keys, 0.5)
        checkins.submit_checkin(
            circle,
            users[local],
            checkins.Answers(scores, themes, practices),
            at,
            keep_private_copy=story.keep_copy,
        )
        db.session.commit()
        release.run_release([circle.id], at)
    # What the report page and the hourly job do first: anything due by now comes out.
    release.run_release([circle.id], now)


def _ticked(
    rng: random.Random,
    usual: tuple[str, ...],
    own: dict[str, str],
    asked: frozenset[str],
    odds: float,
    *,
    at_least_one: bool = False,
) -> frozenset[str]:
    """Each of what the member usually ticks, with these odds, if the week asks it (the circle's
    own as the key it was given)."""
    keys = [key for key in (own.get(key, key) for key in usual) if key in asked]
    ticked = {key for key in keys if rng.random() < odds}
    if at_least_one and not ticked and keys:
        ticked.add(rng.choice(keys))
    return frozenset(ticked)
