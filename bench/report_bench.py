"""Check-in reporting benchmark: an organisation of 200 circles, 2,000 members, 50,000 check-ins
(250,000 answers), then as much history again, older.

Times the organisation's report page and its CSV export against one bare
``GROUP BY period, item, value`` over the same rows, in the same run, and prints the ratios:
first against the rows the page shows (its window of weeks: like for like), then against the
whole history. The history is then doubled with older check-ins and the page timed again: its
time should not grow. SQLite by default (a temporary file); set
BENCH_DATABASE_URL=postgresql+psycopg://... to run on PostgreSQL (its public schema is reset).

    make bench-reports            # or: .venv/bin/python bench/report_bench.py
"""

from __future__ import annotations

import gc
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CIRCLES, MEMBERS, CHECKINS, REPEAT = 200, 2_000, 50_000, 7


def build_app(url: str):  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from circles import create_app

    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-secret-key-long-enough-0123456789abcdef",
            "WTF_CSRF_ENABLED": False,
            "CIRCLES_MAIL_BACKEND": "memory",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
    return app


def fill(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Bulk-insert the organisation, its circles and members; returns (org id, admin id)."""
    from circles.accounts.services import create_user
    from circles.extensions import db
    from circles.orgs.models import Organisation, OrgMember, OrgRole

    now = datetime.now(UTC)
    with app.app_context():
        admin = create_user("admin@bench.example", "bench-password-123", "Ada Admin", "UTC")
        org = Organisation(name="Bench practice")
        db.session.add(org)
        db.session.flush()
        db.session.add(OrgMember(org_id=org.id, user_id=admin.id, role=OrgRole.OWNER))
        db.session.commit()
        conn = db.session.connection()
        t = db.metadata.tables
        conn.execute(
            t["circles"].insert(),
            [
                {
                    "org_id": org.id,
                    "name": f"Circle {i:03}",
                    "description": "",
                    "agreement": "-",
                    "capacity": 20,
                    "created_at": now,
                }
                for i in range(CIRCLES)
            ],
        )
        circle_ids = list(db.session.scalars(sa.select(t["circles"].c.id)))
        conn.execute(
            t["checkin_instruments"].insert(),
            [{"circle_id": c, "period_kind": "weekly"} for c in circle_ids],
        )
        conn.execute(
            t["users"].insert(),
            [
                {
                    "email": f"m{i}@bench.example",
                    "password_hash": "x",
                    "display_name": f"M {i}",
                    "timezone": "UTC",
                    "created_at": now,
                    "password_changed_at": now,
                }
                for i in range(MEMBERS)
            ],
        )
        db.session.commit()
        return org.id, admin.id


def add_history(app, weeks_back: int) -> None:  # type: ignore[no-untyped-def]
    """CHECKINS released check-ins: every member, week after week, from ``weeks_back`` + 1
    weeks ago back in time."""
    from circles.checkins.instrument import BUILTIN_THEMES, WELLBEING_KEYS
    from circles.checkins.release import write_tallies
    from circles.checkins.services import Answers
    from circles.extensions import db

    rng = random.Random(weeks_back)
    now = datetime.now(UTC)
    this_week = now.date() - timedelta(days=now.weekday())
    with app.app_context():
        t = db.metadata.tables
        circle_ids = list(db.session.scalars(sa.select(t["circles"].c.id).order_by("id")))
        user_ids = list(
            db.session.scalars(
                sa.select(t["users"].c.id)
                .where(t["users"].c.email.like("m%@bench.example"))
                .order_by("id")
            )
        )
        per_circle = MEMBERS // CIRCLES
        weeks = -(-CHECKINS // MEMBERS)
        responses, scores, choices, receipts = [], [], [], []
        for index, user_id in enumerate(user_ids):
            circle_id = circle_ids[index // per_circle]
            for week in range(weeks):
                if len(responses) >= CHECKINS:
                    break
                period = this_week - timedelta(weeks=weeks_back + week + 1)
                rid = secrets.token_hex(16)
                responses.append(
                    {"id": rid, "circle_id": circle_id, "period": period, "released": True}
                )
                receipts.append({"circle_id": circle_id, "period": period, "user_id": user_id})
                scores += [
                    {"response_id": rid, "item_key": key, "value": rng.randint(0, 5)}
                    for key in sorted(WELLBEING_KEYS)
                ]
                choices.append(
                    {
                        "response_id": rid,
                        "kind": "theme",
                        "option_key": rng.choice(BUILTIN_THEMES)[0],
                    }
                )
        # What release writes beside them: each circle's tally per period (one per period).
        written: dict[int, list[tuple[date, Answers]]] = defaultdict(list)
        score_of = defaultdict(dict)
        for row in scores:
            score_of[row["response_id"]][row["item_key"]] = row["value"]
        theme_of = {row["response_id"]: row["option_key"] for row in choices}
        for row in responses:
            answers = Answers(score_of[row["id"]], frozenset({theme_of[row["id"]]}), frozenset())
            written[row["circle_id"]].append((row["period"], answers))
        for circle_id, answered in written.items():
            write_tallies(circle_id, answered)
        conn = db.session.connection()
        for table, rows in (
            ("checkin_responses", responses),
            ("checkin_receipts", receipts),
            ("checkin_scores", scores),
            ("checkin_choices", choices),
        ):
            for start in range(0, len(rows), 5000):
                conn.execute(t[table].insert(), rows[start : start + 5000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()


def timed(action) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


#: The bare query the report is measured against: one GROUP BY over the organisation's rows.
BARE = (
    "SELECT r.period, s.item_key, s.value, count(*) FROM checkin_responses r "
    "JOIN checkin_scores s ON s.response_id = r.id JOIN circles c ON c.id = r.circle_id "
    "WHERE c.org_id = :org AND r.released AND r.period >= :first "
    "GROUP BY r.period, s.item_key, s.value"
)


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    tmp = None
    if not url:
        tmp = tempfile.mkdtemp(prefix="circles-bench-")
        url = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("CIRCLES_INSTANCE_PATH", tmp or tempfile.mkdtemp())
    app = build_app(url)
    started = time.perf_counter()
    org_id, admin_id = fill(app)
    add_history(app, 0)
    print(f"database: {url.split('://')[0]}; filled in {time.perf_counter() - started:.1f}s")

    from circles.checkins.org_reports import window_ending
    from circles.extensions import db
    from tests.conftest import login_as

    client = app.test_client()
    with app.app_context():
        login_as(client, admin_id)
        first, _ = window_ending(None, datetime.now(UTC))

    def bare(since: date):  # type: ignore[no-untyped-def]
        def run() -> None:
            with app.app_context():
                db.session.execute(sa.text(BARE), {"org": org_id, "first": since}).all()

        return run

    def page() -> None:
        assert client.get(f"/orgs/{org_id}/checkins/report").status_code == 200

    def export() -> None:
        assert client.get(f"/orgs/{org_id}/checkins/report.csv").status_code == 200

    def measure() -> dict[str, float]:
        gc.collect()  # the fill's garbage is collected now, not during a timed run
        page()  # warm
        return {
            "window": timed(bare(first)),
            "history": timed(bare(date(1970, 1, 1))),
            "page": timed(page),
            "csv": timed(export),
        }

    before = measure()
    add_history(app, -(-CHECKINS // MEMBERS))  # as much again, older
    after = measure()
    print(f"check-ins: {CHECKINS:,}, then {2 * CHECKINS:,}; medians of {REPEAT} runs")
    print(f"bare GROUP BY, the weeks shown    {before['window'] * 1000:8.1f} ms")
    print(f"bare GROUP BY, the whole history  {before['history'] * 1000:8.1f} ms")
    for name in ("page", "csv"):
        ms, like = before[name] * 1000, before[name] / before["window"]
        print(
            f"org report {name:4}  {ms:8.1f} ms   like for like {like:5.2f}x"
            f"   against the whole history {before[name] / before['history']:5.2f}x"
        )
    for name in ("page", "csv"):
        print(
            f"org report {name:4} with twice the history {after[name] * 1000:8.1f} ms"
            f"   growth {after[name] / before[name]:5.2f}x"
            f"   (bare over the whole history grew {after['history'] / before['history']:5.2f}x)"
        )
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
