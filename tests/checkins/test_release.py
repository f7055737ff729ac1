"""Check-ins wait sealed and come out readable only k or more at a time, shuffled, new keys."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from circles.checkins import release, reports
from circles.checkins.models import CheckinResponse, CheckinScore, CheckinWaiting
from circles.extensions import db
from circles.sealing import Keyring
from tests import factories as f

#: A Wednesday.
NOW = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


def keys() -> set[str]:
    return set(db.session.scalars(sa.select(CheckinResponse.id)))


@pytest.fixture
def circle(ctx):
    org = f.create_org()
    circle = f.create_circle(org, f.create_user(), capacity=30)
    f.set_up_checkins(circle)
    return circle


def people(n: int) -> list:
    return [f.create_user() for _ in range(n)]


def test_each_step_rewrites_all_of_the_periods_released_check_ins_under_new_keys(circle):
    members = people(12)
    for person in members[:5]:
        f.check_in(circle, person, 2, now=NOW)
    first = keys()
    assert len(first) == 5 and count(CheckinWaiting) == 0
    for person in members[5:9]:
        f.check_in(circle, person, 4, now=NOW)
    assert keys() == first and count(CheckinWaiting) == 4  # fewer than k: nothing moves
    f.check_in(circle, members[9], 4, now=NOW)
    second = keys()
    assert len(second) == 10 and not second & first  # every released row written anew
    values = db.session.scalars(sa.select(CheckinScore.value).where(CheckinScore.item_key == "wb1"))
    assert sorted(values) == [2] * 5 + [4] * 5
    assert set(db.session.scalars(sa.select(CheckinResponse.released))) == {True}


def test_a_pool_is_written_out_once_its_last_week_closes(circle):
    members = people(6)
    for week_back, group in ((2, members[:3]), (1, members[3:])):
        for person in group:
            f.check_in(circle, person, 3, now=NOW - timedelta(weeks=week_back))
    # At NOW both weeks are closed, 6 >= k: the report's release writes the pool out.
    assert count(CheckinWaiting) == 6 and count(CheckinResponse) == 0
    release.run_release([circle.id], NOW)
    assert count(CheckinWaiting) == 0
    assert count(CheckinResponse, CheckinResponse.released.is_(False)) == 6
    figures = reports.circle_report(circle, 5, NOW).figures
    assert [fig.n for fig in figures if fig.published] == [6] * 5


def test_check_ins_no_figure_can_use_are_deleted_once_their_week_closes(circle):
    members = people(7)
    for person in members:
        f.check_in(circle, person, 3, now=NOW - timedelta(weeks=1))
    assert count(CheckinWaiting) == 2  # 5 released, 2 waiting for a second step
    release.run_release([circle.id], NOW)  # the week closed with 2 left over: never shown
    assert count(CheckinWaiting) == 0 and count(CheckinResponse) == 5


def test_a_look_with_nothing_due_only_reads(circle, count_queries):
    f.check_in(circle, people(1)[0], 3, now=NOW)
    with count_queries() as counter:
        release.run_release([circle.id], NOW)
    assert all(q.lstrip().upper().startswith("SELECT") for q in counter.statements), counter
    assert count(CheckinWaiting) == 1


def test_after_a_step_no_copy_shows_which_check_ins_came_out_in_which_step(app, circle):
    """SQLite: the -wal, which keeps older page copies, is empty. PostgreSQL: every released row
    of the period was written by one transaction (one xmin)."""
    members = people(10)
    for person in members[:9]:
        f.check_in(circle, person, 3, now=NOW)
    db.session.remove()
    if db.engine.dialect.name == "sqlite":
        path = Path(sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database or "")
        assert Path(f"{path}-wal").stat().st_size > 0  # the waiting check-ins' pages
        f.check_in(circle, members[9], 3, now=NOW)
        db.session.remove()
        assert Path(f"{path}-wal").stat().st_size == 0
    else:
        f.check_in(circle, members[9], 3, now=NOW)
        written = db.session.scalars(sa.text("SELECT DISTINCT xmin::text FROM checkin_responses"))
        assert len(written.all()) == 1 and count(CheckinResponse) == 10


def test_check_ins_sealed_under_a_secret_being_rotated_out_still_come_out(app, another_app, circle):
    members = people(5)
    for person in members[:4]:
        f.check_in(circle, person, 3, now=NOW)
    rotated = another_app(
        SECRET_KEY="a-new-secret-that-is-long-enough-0123456789",
        SECRET_KEY_FALLBACKS=[app.config["SECRET_KEY"]],
    )
    with rotated.app_context():
        f.check_in(circle, members[4], 3, now=NOW)
        assert count(CheckinResponse) == 5 and count(CheckinWaiting) == 0
        db.session.remove()


def test_check_ins_no_secret_opens_are_dropped_and_never_make_a_step_short(
    app, another_app, circle
):
    members = people(6)
    for person in members[:4]:
        f.check_in(circle, person, 3, now=NOW)
    lost = another_app(SECRET_KEY="a-new-secret-that-is-long-enough-0123456789")
    with lost.app_context():
        f.check_in(circle, members[4], 3, now=NOW)  # 5 wait, but 4 of them cannot be opened
        assert count(CheckinResponse) == 0 and count(CheckinWaiting) == 1
        db.session.remove()


def test_sealed_values_are_one_size_whatever_they_hold():
    ring = Keyring("secret-" * 8)
    sizes = {len(ring.seal("p", b"x" * n, 64)) for n in (0, 1, 30, 60)}
    assert len(sizes) == 1
    with pytest.raises(ValueError):
        ring.seal("p", b"x" * 61, 64)
    assert ring.unseal("p", ring.seal("p", b"hello", 64)) == b"hello"
    assert ring.unseal("other purpose", ring.seal("p", b"hello", 64)) is None


def test_a_failed_step_does_not_give_up_the_thin_weeks_before_it(app, another_app, circle):
    """Four of the week's five cannot be opened (a secret gone): no step, and last week's lone
    check-in still waits for a pool instead of being given up as closed off by a step."""
    members = people(6)
    f.check_in(circle, members[0], 3, now=NOW - timedelta(weeks=1))
    for person in members[1:5]:
        f.check_in(circle, person, 3, now=NOW)
    lost = another_app(SECRET_KEY="a-new-secret-that-is-long-enough-0123456789")
    with lost.app_context():
        f.check_in(circle, members[5], 3, now=NOW)
        weeks = db.session.scalars(sa.select(CheckinWaiting.period)).all()
        assert sorted(weeks) == [
            (NOW - timedelta(weeks=1)).date() - timedelta(days=2),
            NOW.date() - timedelta(days=2),
        ]
        assert count(CheckinResponse) == 0
        db.session.remove()


def test_a_check_in_reaching_a_week_already_pooled_is_never_counted(circle):
    """Sent as its week closed, it arrives after that week went out in a pool: published once,
    a pool never changes (it would move by one person)."""
    members = people(7)
    for week_back, group in ((2, members[:3]), (1, members[3:6])):
        for person in group:
            f.check_in(circle, person, 3, now=NOW - timedelta(weeks=week_back))
    release.run_release([circle.id], NOW)
    before = reports.circle_report(circle, 5, NOW).figures
    assert count(CheckinResponse) == 6
    f.check_in(circle, members[6], 5, now=NOW - timedelta(weeks=1))  # late, into a pooled week
    release.run_release([circle.id], NOW)
    assert count(CheckinWaiting) == 0 and count(CheckinResponse) == 6
    assert reports.circle_report(circle, 5, NOW).figures == before


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (row-level races)"
)
def test_a_check_in_arriving_during_a_release_is_kept_for_the_next(app, circle):
    """PostgreSQL: a check-in committed by another request between the release's read of the
    waiting check-ins and its delete is not deleted with them."""
    members = people(7)
    for person in members[:5]:
        services_submit(circle, person)
    late = {"done": False}

    def arrive(conn, cursor, statement, *args):
        if not late["done"] and "FROM checkin_waiting" in statement and "count" not in statement:
            late["done"] = True
            with app.app_context(), db.engine.connect() as other:
                other.execute(
                    sa.insert(CheckinWaiting).values(
                        id="f" * 32,
                        circle_id=circle.id,
                        period=NOW.date() - timedelta(days=2),
                        sealed=b"\\0" * 16,
                    )
                )
                other.commit()

    sa.event.listen(db.engine, "after_cursor_execute", arrive)
    try:
        release.run_release([circle.id], NOW)
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", arrive)
    assert late["done"] and count(CheckinResponse) == 5
    assert db.session.scalars(sa.select(CheckinWaiting.id)).all() == ["f" * 32]


def services_submit(circle, person):
    """A check-in, committed, without the release that follows it on the page."""
    from circles.checkins import services

    services.submit_checkin(
        db.session.merge(circle),
        db.session.merge(person),
        services.Answers({f"wb{i}": 3 for i in range(1, 6)}),
        NOW,
        keep_private_copy=False,
    )
    db.session.commit()
