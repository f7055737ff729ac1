"""Shared database helpers, on the test database (SQLite, or PostgreSQL in CI)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from circles.accounts.models import User
from circles.db import one_of
from circles.extensions import db
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
