"""Flask commands: ``demo`` (sample data); ``send-reminders``, ``send-checkin-reminders``,
``checkins-release`` and ``purge`` (the job queue runs them on its own schedule, see
:mod:`circles.tasks`; cron may too); ``reset-second-factor`` (a lost phone). ``jobs`` (the
consumer) is registered by :mod:`circles.jobs`."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask

from circles import demo as demo_data
from circles import signals
from circles.accounts import services as accounts
from circles.db import utcnow
from circles.extensions import db
from circles.meetings.reminders import send_due_reminders
from circles.urls import external_url


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    def demo() -> None:
        """Fill two demo organisations so a newcomer can look around at once; run again, it
        changes nothing and lists the logins."""
        if demo_data.demo_exists():
            click.echo("The demo data is already there; nothing was changed.")
        else:
            demo_data.create_demo_data()
            click.echo("Demo data created.")
        login = external_url("accounts.login")  # where `make run` serves, in development
        click.echo(f"Log in at {login} with any of these (password: {demo_data.DEMO_PASSWORD}):")
        click.echo("\n".join(demo_data.login_lines()))

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
