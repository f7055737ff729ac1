"""Flask commands: ``demo`` (sample data); ``send-reminders``, ``send-checkin-reminders``,
``checkins-release`` and ``purge`` (the job queue runs them on its own schedule, see
:mod:`circles.tasks`; cron may too); ``reset-second-factor`` (a lost phone). ``jobs`` (the
consumer) is registered by :mod:`circles.jobs`."""

from __future__ import annotations

from datetime import time, timedelta

import click
from flask import Flask
from sqlalchemy import select

from circles import signals
from circles.accounts import services as accounts
from circles.accounts.models import User
from circles.db import utcnow
from circles.extensions import db
from circles.groups import services as groups
from circles.groups.models import CircleRole
from circles.meetings import services as meetings
from circles.meetings.recurrence import Repeat, SeriesPlan
from circles.meetings.reminders import send_due_reminders
from circles.orgs.models import Organisation, OrgMember, OrgRole

DEMO_PASSWORD = "circles-demo-password"  # noqa: S105 - printed for the demo on purpose
DEMO_DOMAIN = "demo.example.org"

#: (email local part, account name, org role or None, name in the circle or None, time zone)
DEMO_PEOPLE = [
    ("admin", "Ada Admin", OrgRole.OWNER, None, "Europe/London"),
    ("facilitator", "Farah Facilitator", OrgRole.FACILITATOR, "Farah", "Europe/London"),
    ("sam", "Sam Member", None, "Sam", "Europe/Berlin"),
    ("robin", "Robin Member", None, "R.", "America/New_York"),
    ("kai", "Kai Member", None, "Kai", "Asia/Kolkata"),
]


def create_demo_data() -> Organisation:
    """A demo organisation with an admin, a facilitator, one circle and three members."""
    if db.session.scalar(select(User).where(User.email == f"admin@{DEMO_DOMAIN}")):
        raise click.ClickException(
            "The demo data is already there. Log in with the accounts below."
        )
    org = Organisation(name="Riverside Integration Practice (demo)")
    db.session.add(org)
    db.session.flush()
    users: dict[str, User] = {}
    for local, name, role, _, zone in DEMO_PEOPLE:
        user = accounts.create_user(f"{local}@{DEMO_DOMAIN}", DEMO_PASSWORD, name, zone)
        users[local] = user
        if role is not None:
            db.session.add(OrgMember(org_id=org.id, user_id=user.id, role=role))
    db.session.flush()
    circle = groups.create_circle(
        org,
        users["facilitator"],
        name="Thursday evening circle",
        description="A small group meeting weekly for eight weeks after assisted sessions.",
        agreement=(
            "What is shared here stays here.\nWe listen without advising.\n"
            "Anyone may pass on any prompt.\nThis is peer support, not emergency care."
        ),
        capacity=10,
        facilitator_name="Farah",
    )
    for local, _, role, circle_name, _ in DEMO_PEOPLE:
        if role is None and circle_name:
            groups.add_member(circle, users[local], circle_name, CircleRole.MEMBER)
    # Eight weekly evening meetings from next Thursday, on London's wall clock.
    today = utcnow().date()
    first = today + timedelta(days=(3 - today.weekday()) % 7 or 7)
    series = meetings.schedule_meeting(
        circle,
        users["facilitator"],
        SeriesPlan(first, time(19, 0), "Europe/London", Repeat.WEEKLY, count=8),
        meetings.MeetingDetails(
            duration_minutes=90,
            video_url="https://meet.example.org/thursday-circle",
            agenda="Arrival and grounding\nA shared prompt\nTalking round\nClosing",
        ),
    )
    # The first meeting's session plan, from the built-in library, following its agenda.
    signals.ask(
        signals.demo_plan_asked, series.meetings[0], keys=("arrive", "still-with-you", "one-step")
    )
    return org


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    def demo() -> None:
        """Fill a demo organisation so a newcomer can look around at once."""
        create_demo_data()
        db.session.commit()
        click.echo("Demo organisation created. Log in at /login with any of these accounts")
        click.echo(f"(password for all: {DEMO_PASSWORD}):")
        for local, name, role, _, _ in DEMO_PEOPLE:
            email = f"{local}@{DEMO_DOMAIN}"
            click.echo(f"  {email:<36} {name} ({role.label if role else 'circle member'})")

    @app.cli.command("send-reminders")
    @click.option(
        "--hours",
        type=click.FloatRange(min=0, min_open=True),
        default=None,
        help="Remind about meetings starting within this many hours "
        "(default: CIRCLES_REMINDER_HOURS, 24).",
    )
    def send_reminders(hours: float | None) -> None:
        """Mail each person a reminder of their coming meetings; safe to run twice or at once."""
        lead = timedelta(hours=hours or app.config["CIRCLES_REMINDER_HOURS"])
        run = send_due_reminders(utcnow(), lead)
        click.echo(f"Reminders sent: {run.sent}. Failed (will retry next run): {run.failed}.")
        if run.failed:
            raise SystemExit(1)

    @app.cli.command("send-checkin-reminders")
    def send_checkin_reminders() -> None:
        """Mail members who have not checked in yet, once per period."""
        from circles.checkins.reminders import send_checkin_reminders as send

        run = send(utcnow())
        click.echo(
            f"Check-in reminders sent: {run.sent}. Failed (will retry next run): {run.failed}."
        )
        if run.failed:
            raise SystemExit(1)

    @app.cli.command("checkins-release")
    def checkins_release() -> None:
        """Release check-ins that are due (pools of closed periods) and drop dead waiting ones."""
        from circles.checkins.release import release_everywhere

        circles, emptied = release_everywhere(utcnow())
        click.echo(f"Circles with check-ins waiting, looked at: {circles}.")
        if not emptied:
            click.echo("The SQLite write-ahead log could not be emptied (busy); run again.")
            raise SystemExit(1)

    @app.cli.command("reset-second-factor")
    @click.argument("email")
    def reset_second_factor(email: str) -> None:
        """Remove someone's two-step sign-in (a lost phone) and log them out everywhere."""
        from circles.accounts import second_factor

        user = accounts.find_user_by_email(email)
        if user is None:
            raise click.ClickException(f"No account uses {email!r}.")
        if not second_factor.reset(user):
            raise click.ClickException(f"{user.email} has no two-step sign-in to remove.")
        db.session.commit()
        signals.logins_ended.send(user.id)  # the live rooms close their sockets
        click.echo(
            f"Two-step sign-in removed for {user.email}; every login of theirs has ended. "
            "They can now log in with their password alone"
            + (
                " and will be asked to set it up again, since an organisation they work for "
                "requires it."
                if second_factor.orgs_requiring(user.id)
                else "."
            )
        )

    @app.cli.command("purge")
    def purge() -> None:
        """Delete what is past the organisations' retention; safe to run twice or at once."""
        from circles.retention import purge as run_purge

        purged = run_purge(utcnow())
        db.session.commit()
        for line in purged.lines():
            click.echo(line)
