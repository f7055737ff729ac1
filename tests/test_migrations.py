"""Migrations: one head, upgrade from empty, models agree with migrations, downgrade to base."""

from __future__ import annotations

import json
import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from circles import create_app
from circles.extensions import db
from tests.conftest import reset_database


@pytest.fixture
def scratch_app(app, tmp_path):
    """A second app on its own empty database (a separate schema on PostgreSQL)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA migration_check"))
        engine.dispose()
        options = {"connect_args": {"options": "-csearch_path=migration_check"}}
    else:
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        options = {}
        reset_database(url)
    scratch = create_app(
        {**app.config, "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    )
    yield scratch
    with scratch.app_context():
        db.engine.dispose()
    if os.environ.get("TEST_DATABASE_URL"):
        engine = sa.create_engine(os.environ["TEST_DATABASE_URL"])
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        engine.dispose()


def test_single_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_every_revision_file_is_dated_and_can_downgrade(app):
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        for revision in script.walk_revisions():
            assert revision.path.rsplit("/", 1)[1][:4].isdigit(), revision.path
            with open(revision.path) as handle:
                source = handle.read()
            assert "def downgrade" in source and "pass\n" not in source.split("def downgrade")[1]


def test_upgrade_matches_models_and_downgrades_to_base(scratch_app):
    with scratch_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()


def test_second_factor_revision_keeps_existing_organisations_optional(scratch_app):
    """Organisations made before two-step sign-in existed do not start requiring it."""
    with scratch_app.app_context():
        upgrade(revision="47676d5a9ad0")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO organisations (name, personal, anonymity_k, crisis_resources,"
                    " live_retention_days, created_at) VALUES ('Old', false, 5, '', 0, :now)"
                ),
                {"now": "2026-01-01 00:00:00+00:00"},
            )
        upgrade(revision="d20275d5403f")
        with db.engine.connect() as conn:
            required = conn.execute(sa.text("SELECT require_second_factor FROM organisations"))
            assert [bool(value) for (value,) in required] == [False]
            tables = set(sa.inspect(conn).get_table_names())
        assert {"totp_credentials", "recovery_codes"} <= tables
        downgrade(revision="47676d5a9ad0")
        with db.engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert "totp_credentials" not in inspector.get_table_names()
            columns = {c["name"] for c in inspector.get_columns("organisations")}
        assert "require_second_factor" not in columns
        downgrade(revision="base")


def test_sealing_revision_carries_existing_data_over_and_back(scratch_app):
    """Rule 8's revision: what the earlier code kept readable comes out sealed or shuffled, and
    a downgrade gives the earlier code back exactly what it expects."""
    from circles import crypto
    from circles.checkins import services as checkins
    from circles.checkins.models import CheckinHistory, CheckinWaiting
    from circles.live import access, answers, opening
    from circles.live.commitments import opened_text
    from circles.live.models import Commitment
    from tests import factories as f

    with scratch_app.app_context():
        upgrade()
        owner, ann, bo = f.create_user("Owner"), f.create_user("Ann"), f.create_user("Bo")
        org = f.create_org(owner=owner)
        circle = f.create_circle(org, owner)
        f.add_member(circle, ann, "Ann")
        f.add_member(circle, bo, "Bo")
        f.set_up_checkins(circle)
        f.check_in(circle, ann, {"wb1": 1, "wb2": 2, "wb3": 3, "wb4": 4, "wb5": 5})
        live = f.live_session(circle, owner)
        session, facilitator = access.actor_for(live.id, owner.id)
        _, as_ann = access.actor_for(live.id, ann.id)
        _, as_bo = access.actor_for(live.id, bo.id)
        text = opening.open_prompt(session, facilitator, {"kind": "text", "text": "Now?"})
        answers.submit_response(session, as_ann, text.ack["prompt"]["id"], "Still here", "a")
        commit = opening.open_prompt(session, facilitator, {"kind": "commitment", "text": "?"})
        answers.submit_response(session, as_bo, commit.ack["prompt"]["id"], "Swim on Friday", "b")
        ids = {"circle": circle.id, "ann": ann.id, "bo": bo.id}
        db.session.commit()
        db.session.remove()  # no transaction of ours may hold the tables the revision alters

        downgrade(revision="d20275d5403f")
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT text FROM commitments")).scalars().all() == [
                "Swim on Friday"
            ]
            # The answers waiting for a reveal are responses again, as the earlier code kept them.
            values = conn.execute(sa.text("SELECT value FROM live_responses")).scalars().all()
            assert sorted(values) == ["Still here", "Swim on Friday"]
            waiting = conn.execute(sa.text("SELECT id, released FROM checkin_responses")).all()
            assert [bool(released) for _, released in waiting] == [False]
            [sealed] = conn.execute(sa.text("SELECT sealed FROM checkin_history")).scalars()
            key = crypto.derive_key(scratch_app.secret_key, f"checkin-history:{ids['ann']}")
            old = crypto.unseal(key, sealed)
            assert old is not None and len(old) % 512 == 0
            assert json.loads(old)["scores"]["wb5"] == 5
            # Five released check-ins, written the earlier way (in the order they came).
            before = set()
            for n in range(5):
                key_ = f"{n:032x}"
                before.add(key_)
                conn.execute(
                    sa.text(
                        "INSERT INTO checkin_responses (id, circle_id, period, released)"
                        " VALUES (:id, :circle, :period, :released)"
                    ),
                    {"id": key_, "circle": ids["circle"], "period": "2026-11-02", "released": True},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO checkin_scores (response_id, item_key, value)"
                        " VALUES (:id, 'wb1', :value)"
                    ),
                    {"id": key_, "value": n},
                )

        upgrade()
        released = db.session.execute(
            sa.text(
                "SELECT r.id, s.value FROM checkin_responses r"
                " JOIN checkin_scores s ON s.response_id = r.id"
            )
        ).all()
        assert sorted(value for _, value in released) == [0, 1, 2, 3, 4]
        assert not {key for key, _ in released} & before  # rewritten under new keys
        # ... and added up once into the tallies the organisation's report reads.
        tallies = db.session.execute(
            sa.text("SELECT circle_id, period, respondents, scores FROM checkin_tallies")
        ).all()
        assert [(t[0], str(t[1]), t[2]) for t in tallies] == [(ids["circle"], "2026-11-02", 5)]
        scores = tallies[0][3] if isinstance(tallies[0][3], dict) else json.loads(tallies[0][3])
        assert scores == {"wb1": [1, 1, 1, 1, 1, 0]}
        [waiting_row] = db.session.scalars(sa.select(CheckinWaiting)).all()
        opened = checkins.open_waiting(waiting_row.sealed)
        assert opened is not None and opened.scores["wb5"] == 5
        [history] = checkins.own_history(ids["ann"], ids["circle"])
        assert history.answers is not None and history.answers.scores["wb1"] == 1
        sizes = {len(s) for s in db.session.scalars(sa.select(CheckinHistory.sealed))}
        assert sizes == {len(waiting_row.sealed)}  # one size, whatever was answered
        [commitment] = db.session.scalars(sa.select(Commitment)).all()
        assert opened_text(ids["bo"], commitment.sealed) == "Swim on Friday"
        values = db.session.scalars(sa.text("SELECT value FROM live_responses")).all()
        assert sorted(values) == ["Still here", "Swim on Friday"]  # kept, under new keys
        db.session.remove()


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL")
def test_sealed_values_stay_in_their_rows_on_postgresql(app):
    """Fixed-size random bytes: no compression attempt, no TOAST insert per answer."""
    with app.app_context():
        storage = dict(
            db.session.execute(
                sa.text(
                    "SELECT c.relname, a.attstorage FROM pg_attribute a"
                    " JOIN pg_class c ON c.oid = a.attrelid"
                    " WHERE a.attname = 'sealed' AND c.relname = ANY(:tables)"
                ),
                {
                    "tables": [
                        "live_submissions",
                        "commitments",
                        "checkin_waiting",
                        "checkin_history",
                    ]
                },
            ).all()
        )
    assert storage == dict.fromkeys(
        ("live_submissions", "commitments", "checkin_waiting", "checkin_history"), "p"
    )
