"""Check-in reporting benchmark: an organisation of 50 circles, 600 members, 50,000 check-ins.

Times the organisation's report page and its CSV export against a plain ``SELECT count(*)`` of
the same rows, in the same run, and prints the ratios. SQLite by default (a temporary file);
set BENCH_DATABASE_URL=postgresql+psycopg://... to run on PostgreSQL (its public schema is reset).

    make bench-reports            # or: .venv/bin/python bench/report_bench.py
"""

from __future__ import annotations

import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CIRCLES, MEMBERS, CHECKINS, REPEAT = 50, 600, 50_000, 5


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
    """Bulk-insert the organisation; returns (org id, admin id)."""
    from circles.accounts.services import create_user
    from circles.checkins.instrument import BUILTIN_THEMES, WELLBEING_KEYS
    from circles.extensions import db
    from circles.orgs.models import Organisation, OrgMember, OrgRole

    rng = random.Random(5)
    now = datetime.now(UTC)
    this_week = now.date() - timedelta(days=now.weekday())
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
                    "name": f"Circle {i:02}",
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
        user_ids = list(
            db.session.scalars(
                sa.select(t["users"].c.id).where(t["users"].c.email.like("m%@bench.example"))
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
                period = this_week - timedelta(weeks=week + 1)
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
        for table, rows in (
            ("checkin_responses", responses),
            ("checkin_receipts", receipts),
            ("checkin_scores", scores),
            ("checkin_choices", choices),
        ):
            for start in range(0, len(rows), 5000):
                conn.execute(t[table].insert(), rows[start : start + 5000])
        db.session.commit()
        return org.id, admin.id


def timed(action) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


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
    print(f"database: {url.split('://')[0]}; filled in {time.perf_counter() - started:.1f}s")

    from circles.extensions import db
    from tests.conftest import login_as

    client = app.test_client()
    with app.app_context():
        login_as(client, admin_id)
        count_sql = sa.text(
            "SELECT count(*) FROM checkin_responses r JOIN circles c ON c.id = r.circle_id "
            "WHERE c.org_id = :org"
        )
        rows = db.session.execute(count_sql, {"org": org_id}).scalar_one()

        def count() -> None:
            db.session.execute(count_sql, {"org": org_id}).scalar_one()

        baseline = timed(count)
    assert rows == CHECKINS, rows

    def page() -> None:
        assert client.get(f"/orgs/{org_id}/checkins/report").status_code == 200

    def export() -> None:
        assert client.get(f"/orgs/{org_id}/checkins/report.csv").status_code == 200

    page_time, csv_time = timed(page), timed(export)
    print(f"check-ins: {rows}; median of {REPEAT} runs")
    print(f"SELECT count(*)     {baseline * 1000:9.1f} ms")
    print(f"org report page     {page_time * 1000:9.1f} ms   ratio {page_time / baseline:7.1f}x")
    print(f"org report CSV      {csv_time * 1000:9.1f} ms   ratio {csv_time / baseline:7.1f}x")
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
