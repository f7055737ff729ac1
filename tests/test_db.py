"""Shared database helpers, on the test database (SQLite, or PostgreSQL in CI)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, StatementError

from circles.accounts.models import User
from circles.bulk import DriverInsert, DriverRows, one_of
from circles.extensions import db
from circles.live.models import (
    LivePrompt,
    LiveResponse,
    LiveSubmission,
    PromptKind,
    PromptStatus,
)
from tests import factories

_users = User.__table__.c
_BY_ID = select(_users.email).where(one_of(_users.id, "ids")).order_by(_users.email)
_BY_EMAIL = select(_users.id).where(one_of(_users.email, "emails"))


def test_one_of_matches_the_listed_values_whatever_their_number(ctx: None) -> None:
    people = [factories.create_user(f"Person {n}") for n in range(5)]
    db.session.commit()
    ids = [person.id for person in people]

    def emails(wanted: list[int]) -> list[str]:
        return list(db.session.scalars(_BY_ID, {"ids": wanted}))

    assert emails(ids[:1]) == [people[0].email]
    assert emails(ids[1:4]) == sorted(p.email for p in people[1:4])
    assert emails([]) == []
    # Ids that exist nowhere, and many of them, in the same compiled statement.
    assert emails([*range(10**6, 10**6 + 2000), ids[4]]) == [people[4].email]


def test_one_of_compares_text_exactly(ctx: None) -> None:
    plain = factories.create_user("Plain", email="plain@example.org")
    odd = factories.create_user("Odd", email="o\"d,d]'@example.org")
    db.session.commit()

    def ids(wanted: list[str]) -> set[int]:
        return set(db.session.scalars(_BY_EMAIL, {"emails": wanted}))

    assert ids(["o\"d,d]'@example.org"]) == {odd.id}
    assert ids(["plain@example.org", "PLAIN@example.org", "plain@example.org "]) == {plain.id}
    assert ids(["1", "null", "[]"]) == set()


def test_one_of_refuses_a_single_string_instead_of_a_list(ctx: None) -> None:
    # A string is a collection of characters: "ab" would otherwise match "a" and "b".
    with pytest.raises(StatementError, match="not a single string"):
        db.session.scalars(_BY_EMAIL, {"emails": "plain@example.org"}).all()
    db.session.rollback()


def test_a_driver_insert_writes_every_row_as_given(ctx: None) -> None:
    facilitator = factories.create_user("Fran")
    circle = factories.create_circle(factories.create_org(owner=facilitator), facilitator)
    session = factories.live_session(circle, facilitator)
    prompt = LivePrompt(
        session_id=session.id,
        kind=PromptKind.TEXT,
        text="What is here?",
        anonymous=False,
        status=PromptStatus.OPEN,
    )
    db.session.add(prompt)
    db.session.flush()
    insert = DriverInsert(
        LiveResponse, ("id", "prompt_id", "value", "author_name", "shuffle_key", "hidden")
    )
    rows = [
        {
            "id": "a" * 32,
            "prompt_id": prompt.id,
            "value": "Calm",
            "author_name": None,
            "shuffle_key": 7,
            "hidden": False,
        },
        {
            "id": "b" * 32,
            "prompt_id": prompt.id,
            "value": "It's «fine»",
            "author_name": "Mo",
            "shuffle_key": 2**31 - 1,
            "hidden": True,
        },
    ]
    insert.run(db.session.connection(), rows)
    insert.run(db.session.connection(), [])  # nothing to write is no statement at all
    stored = db.session.execute(
        select(
            LiveResponse.id,
            LiveResponse.value,
            LiveResponse.author_name,
            LiveResponse.shuffle_key,
            LiveResponse.hidden,
        ).order_by(LiveResponse.id)
    ).all()
    assert [tuple(row) for row in stored] == [
        ("a" * 32, "Calm", None, 7, False),
        ("b" * 32, "It's «fine»", "Mo", 2**31 - 1, True),
    ]
    db.session.rollback()


_subs = LiveSubmission.__table__.c
_SUBMITTED = select(_subs.prompt_id, _subs.user_id, _subs.client_id, _subs.sealed).where(
    one_of(_subs.prompt_id, "prompts")
)


def test_driver_rows_reads_what_the_statement_reads(ctx: None) -> None:
    """On PostgreSQL in binary: the same values, bytes included, as SQLAlchemy reads them."""
    facilitator = factories.create_user("Fran")
    members = [factories.create_user(f"Member {n}") for n in range(3)]
    circle = factories.create_circle(factories.create_org(owner=facilitator), facilitator)
    session = factories.live_session(circle, facilitator)
    prompts = [
        LivePrompt(
            session_id=session.id,
            kind=PromptKind.TEXT,
            text=f"Prompt {n}",
            anonymous=True,
            status=PromptStatus.OPEN,
        )
        for n in range(2)
    ]
    db.session.add_all(prompts)
    db.session.flush()
    sealed = [bytes(range(256)) * 16, b"", None]
    db.session.add_all(
        LiveSubmission(
            prompt_id=prompts[n % 2].id, user_id=member.id, client_id=f"c{n}é", sealed=sealed[n]
        )
        for n, member in enumerate(members)
    )
    db.session.flush()
    connection = db.session.connection()
    reader = DriverRows(_SUBMITTED)
    for wanted in ([prompts[0].id], [p.id for p in prompts], [], [prompts[1].id + 1000]):
        read = reader.all(connection, {"prompts": wanted})
        expected = connection.execute(_SUBMITTED, {"prompts": wanted}).all()
        assert sorted(tuple(row) for row in read) == sorted(tuple(row) for row in expected)
        assert len(read) == sum(1 for n in range(3) if prompts[n % 2].id in wanted)
    everything = reader.all(connection, {"prompts": (p.id for p in prompts)})
    assert sorted(row[3] for row in everything if row[3] is not None) == [b"", sealed[0]]
    assert {tuple(type(value) for value in row) for row in everything} == {
        (int, int, str, bytes),
        (int, int, str, type(None)),
    }
    # The parameter's type still refuses a string, as it does through SQLAlchemy.
    with pytest.raises(StatementError, match="not a single string"):
        reader.all(connection, {"prompts": "12"})
    db.session.rollback()


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL")
def test_driver_rows_fail_as_sqlalchemy_does_without_their_parameters(ctx: None) -> None:
    """A failure on the driver is SQLAlchemy's (so a batch knows a deadlock from a bug), without
    the parameters, as the engine hides them (PostgreSQL's own message may quote the value it
    refused; logs keep only the exception's type)."""
    connection = db.session.connection()
    with pytest.raises(DBAPIError) as raised:
        DriverRows(_SUBMITTED).all(connection, {"prompts": ["not a number"]})
    assert "[parameters" not in str(raised.value)
    assert getattr(raised.value.orig, "sqlstate", None) == "22P02"
    db.session.rollback()


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL")
def test_postgresql_runs_prepared_statements_on_their_generic_plan(ctx: None) -> None:
    """Set on every connection, and kept across the rollbacks that end each request; the
    generic plans are costed for solid-state storage, so that they use the indexes."""
    connection = db.session.connection()
    assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_generic_plan"
    assert connection.exec_driver_sql("SHOW random_page_cost").scalar() == "1.1"
    db.session.rollback()
    again = db.session.connection()
    assert again.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_generic_plan"
    assert again.exec_driver_sql("SHOW random_page_cost").scalar() == "1.1"
