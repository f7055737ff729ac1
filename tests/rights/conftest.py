"""Two members of the same circles with look-alike data, for export and erasure tests.

Morgan is the person who downloads or erases; Nicola has the same kinds of records, so that
anything of hers turning up in Morgan's file, or going with Morgan's account, is caught.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from circles.db import utcnow
from circles.extensions import db
from circles.live import access as live_access
from circles.live import answers, opening
from circles.live import rooms as live_rooms
from circles.meetings import feeds
from circles.meetings.models import RsvpAnswer
from tests import factories as f

SECRET = "test-secret-key-that-is-long-enough-0123456789"  # the test app's SECRET_KEY

MORGAN = {
    "name": "Morgan Quillfeather",
    "email": "morgan.quill@example.org",
    "evening_name": "Morgan Q",
    "morning_name": "Quill",
    "commitment": "Walk by the river before breakfast",
    "support": "The second week after my session felt heavy",
    "word": "Grateful for the quiet",
}
NICOLA = {
    "name": "Nicola Pikestaff",
    "email": "nicola.pike@example.org",
    "evening_name": "Nico P",
    "morning_name": "Pikestaff",
    "commitment": "Phone my sister on Sunday",
    "support": "Sleep has been strange since Tuesday",
    "word": "Tender but steady",
}
#: Words of Morgan's that no table may hold after erasure.
MORGAN_IDENTIFIERS = (MORGAN["name"], MORGAN["email"], MORGAN["evening_name"], "Quill")


@dataclass
class Harbour:
    """Ids of the people and places, usable outside the app context that made them."""

    fran: int  # facilitator and owner of Harbour Practice
    cas: int  # co-facilitator of the evening circle
    rae: int  # owner of Riverside Collective, runs the morning circle
    morgan: int
    nicola: int
    harbour: int
    riverside: int
    evening: int
    morning: int
    session: int  # an ended live session whose answers are still kept


def _person(circle_names: dict[Any, str], data: dict[str, str]) -> Any:
    person = f.create_user(data["name"], data["email"], timezone="Europe/London")
    for circle, name in circle_names.items():
        f.add_member(circle, person, name)
    return person


def build_harbour() -> Harbour:
    fran = f.create_user("Fran Okafor", "fran.okafor@example.org")
    cas = f.create_user("Cas Lindqvist", "cas.lindqvist@example.org")
    harbour = f.create_org("Harbour Practice", owner=fran)
    harbour.live_retention_days = 30  # answers outlive the session, so there are some to find
    f.add_staff(harbour, cas)
    evening = f.create_circle(harbour, fran, "Evening circle")
    f.add_facilitator(evening, cas, "Cas")
    rae = f.create_user("Rae Banks", "rae.banks@example.org")
    riverside = f.create_org("Riverside Collective", owner=rae)
    morning = f.create_circle(riverside, rae, "Morning circle")

    morgan = _person({evening: MORGAN["evening_name"], morning: MORGAN["morning_name"]}, MORGAN)
    nicola = _person({evening: NICOLA["evening_name"], morning: NICOLA["morning_name"]}, NICOLA)
    others = [f.create_user() for _ in range(3)]
    for other in others:
        f.add_member(evening, other)

    meeting = f.meeting(evening, fran)
    f.answer(meeting, morgan, RsvpAnswer.GOING)
    f.answer(meeting, nicola, RsvpAnswer.MAYBE)
    f.dosing_session(morgan, utcnow() - timedelta(days=2))
    f.dosing_session(nicola, utcnow() - timedelta(days=3))
    feeds.regenerate_feed(morgan, SECRET)
    feeds.regenerate_feed(nicola, SECRET)

    # Five check-ins: enough for the circle's figures to be published.
    f.set_up_checkins(evening)
    f.check_in(evening, morgan, 4, themes=frozenset({"t_grief"}), practices=frozenset({"p_ground"}))
    f.check_in(evening, nicola, 1, themes=frozenset({"t_anger"}))
    for other in others:
        f.check_in(evening, other, 3)
    f.support_request(evening, morgan, MORGAN["support"])
    f.support_request(evening, nicola, NICOLA["support"])

    started = f.live_session(evening, fran)
    session, facilitator = live_access.actor_for(started.id, fran.id)
    people = {
        "morgan": live_access.actor_for(started.id, morgan.id)[1],
        "nicola": live_access.actor_for(started.id, nicola.id)[1],
    }
    for name, actor in people.items():
        live_rooms.join(session, actor, f"sid-{name}")
    for spec, key in (
        ({"kind": "commitment", "text": "One small step for this week?"}, "commitment"),
        ({"kind": "text", "text": "A few words for today?", "anonymous": False}, "word"),
    ):
        prompt = opening.open_prompt(session, facilitator, spec).ack["prompt"]["id"]
        for (name, actor), data in zip(people.items(), (MORGAN, NICOLA), strict=True):
            answers.submit_response(session, actor, prompt, data[key], f"{name}-{key}")
    live_rooms.end_session(session, facilitator)
    db.session.commit()
    return Harbour(
        fran=fran.id,
        cas=cas.id,
        rae=rae.id,
        morgan=morgan.id,
        nicola=nicola.id,
        harbour=harbour.id,
        riverside=riverside.id,
        evening=evening.id,
        morning=morning.id,
        session=started.id,
    )


@pytest.fixture
def harbour(app: Flask) -> Harbour:
    with app.app_context():
        return build_harbour()


def table_rows(app: Flask) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table in the database (reflected, not taken from the models)."""
    with app.app_context():
        inspector = sa.inspect(db.engine)
        with db.engine.connect() as conn:
            return {
                table: [
                    dict(row)
                    for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')).mappings()
                ]
                for table in inspector.get_table_names()
                if table != "alembic_version"
            }


def identifiers_left(app: Flask, user_id: int, words: tuple[str, ...]) -> list[str]:
    """Every place in the database that still holds the person's id, email or names.

    The id is looked for in every column with a foreign key to ``users.id``, in audit entries
    about a user, and in talking rounds; the words in every text and JSON column.
    """
    with app.app_context():
        inspector = sa.inspect(db.engine)
        user_columns = {
            table: [
                column
                for fk in inspector.get_foreign_keys(table)
                if fk["referred_table"] == "users"
                for column in fk["constrained_columns"]
            ]
            for table in inspector.get_table_names()
        }
    found = []
    for table, rows in table_rows(app).items():
        for row in rows:
            if table == "users" and row["id"] == user_id:
                found.append("users.id")
            found += [f"{table}.{c}" for c in user_columns[table] if row[c] == user_id]
            if table == "audit_entries" and (row["object_type"], row["object_id"]) == (
                "user",
                user_id,
            ):
                found.append("audit_entries.object_id")
            if table == "live_sessions" and row["round_order"] is not None:
                order = row["round_order"]
                if user_id in (json.loads(order) if isinstance(order, str) else order):
                    found.append("live_sessions.round_order")
            for column, value in row.items():
                if isinstance(value, dict | list):
                    value = json.dumps(value, ensure_ascii=False)
                if not isinstance(value, str):
                    continue
                found += [
                    f"{table}.{column} holds {word!r}"
                    for word in words
                    if word.casefold() in value.casefold()
                ]
    return found
