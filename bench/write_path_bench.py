"""What keeping anonymous content unlinkable costs per answer and per check-in (docs/privacy.md,
rule 8), against the write path it replaced, measured in the same run on the same database.

Live answers, ``--prompts`` prompts a round each answered by the whole circle, written a batch at
a time as the group commit does (``--batch`` answers a transaction, default 10):
- **sealed** (today): an anonymous text answer is sealed, padded to one size, into its
  submission row; the reveal opens the prompt's answers and writes them out shuffled.
- **written at once** (the path it replaced): the answer is inserted as a response beside its
  submission; the reveal only reads. The app still writes named answers this way, so this is the
  replaced path itself, run by today's code.

Check-ins:
- **sealed** (today): the receipt, a sealed waiting check-in and the sealed private copy in the
  member's transaction; a release in a transaction of its own (every k-th check-in writes the
  period out shuffled; on SQLite the write-ahead log is then emptied).
- **written at once** (the path it replaced, reproduced here from the earlier
  ``submit_checkin``): receipt, response, scores, choices and private copy in one transaction,
  releasing the period's rows by an ``UPDATE`` every k-th check-in.

Prints the median wall time per answer, per reveal and per check-in, and the ratios. SQLite by
default (a temporary file); BENCH_DATABASE_URL=postgresql+psycopg://... for PostgreSQL (its
public schema is reset).

    .venv/bin/python bench/write_path_bench.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from report_bench import build_app

#: A circle of the largest usual size (circles have 4-12 people).
MEMBERS = 12
K = 5


def seed(app: Any) -> dict[str, Any]:
    from circles.extensions import db
    from tests import factories as f

    with app.app_context():
        owner = f.create_user("Owner")
        org = f.create_org(owner=owner)
        circle = f.create_circle(org, owner, "Bench circle", capacity=MEMBERS + 1)
        people = [f.create_user(f"Member {n}") for n in range(MEMBERS)]
        for person in people:
            f.add_member(circle, person)
        f.set_up_checkins(circle)
        live = f.live_session(circle, owner)
        db.session.commit()
        return {
            "circle": circle.id,
            "owner": owner.id,
            "people": [p.id for p in people],
            "session": live.id,
        }


def answers_round(
    app: Any, world: dict[str, Any], anonymous: bool, batch: int, prompts_per_round: int
) -> tuple[float, float]:
    """Prompts answered by everyone, ``batch`` answers a transaction, each then revealed:
    (seconds per answer, seconds per reveal)."""
    from circles.db import begin_writing
    from circles.extensions import db
    from circles.live import access, answers, opening, revealing
    from circles.live.answers import Answer

    writing = spent_revealing = 0.0
    with app.app_context():
        session, facilitator = access.actor_for(world["session"], world["owner"])
        seats = []
        for person in world["people"]:
            _, actor = access.actor_for(world["session"], person)
            seats.append(access.Seat(session.id, session.circle_id, None, session.status, actor))
        words = [f"answer {n} " + "." * (n % 40) for n in range(len(seats))]
        for _ in range(prompts_per_round):
            spec = {"kind": "text", "text": "How is it?", "anonymous": anonymous}
            prompt_id = opening.open_prompt(session, facilitator, spec).ack["prompt"]["id"]
            db.session.commit()
            start = time.perf_counter()
            for at in range(0, len(seats), batch):
                begin_writing()
                chunk = zip(seats[at : at + batch], words[at : at + batch], strict=True)
                answers.record([(s, Answer(prompt_id, w, secrets.token_hex(8))) for s, w in chunk])
                db.session.commit()
            writing += time.perf_counter() - start
            start = time.perf_counter()
            begin_writing()
            revealing.reveal_prompt(session, facilitator, prompt_id)
            db.session.commit()
            spent_revealing += time.perf_counter() - start
        db.session.remove()
    return writing / (len(seats) * prompts_per_round), spent_revealing / prompts_per_round


def checkins_round(app: Any, world: dict[str, Any], sealed: bool, now: datetime) -> float:
    """Everyone checks in once for the period starting ``now``: seconds per check-in."""
    from circles.accounts.models import User
    from circles.checkins import release, services
    from circles.extensions import db
    from circles.groups.models import Circle

    with app.app_context():
        circle = db.session.get_one(Circle, world["circle"])
        users = [db.session.get_one(User, p) for p in world["people"]]
        start = time.perf_counter()
        for n, user in enumerate(users):
            given = services.Answers(
                {f"wb{i}": (n + i) % 6 for i in range(1, 6)},
                frozenset({"t_grief"} if n % 2 else ()),
                frozenset({"p_journal"} if n % 3 else ()),
            )
            if sealed:
                services.submit_checkin(circle, user, given, now, keep_private_copy=True)
                db.session.commit()
                release.run_release([circle.id], now)
            else:
                _written_at_once(circle, user, given, now)
                db.session.commit()
        elapsed = (time.perf_counter() - start) / len(users)
        db.session.remove()
        return elapsed


def _written_at_once(circle: Any, user: Any, answers: Any, now: datetime) -> None:
    """The earlier ``submit_checkin``: readable rows in the member's own transaction."""
    from sqlalchemy import func, select, update

    from circles.checkins import services
    from circles.checkins.instrument import questions_for
    from circles.checkins.models import (
        CheckinChoice,
        CheckinHistory,
        CheckinInstrument,
        CheckinReceipt,
        CheckinResponse,
        CheckinScore,
    )
    from circles.extensions import db
    from circles.sealing import keyring

    instrument = db.session.scalar(
        select(CheckinInstrument).where(CheckinInstrument.circle_id == circle.id).with_for_update()
    )
    assert instrument is not None
    period = services.current_period(instrument, now)
    assert period is not None
    services.check_answers(answers, questions_for(services.circle_options(circle.id), period))
    db.session.add(CheckinReceipt(circle_id=circle.id, period=period, user_id=user.id))
    key = secrets.token_hex(16)
    db.session.add(CheckinResponse(id=key, circle_id=circle.id, period=period))
    db.session.flush()
    db.session.add_all(
        CheckinScore(response_id=key, item_key=k, value=v) for k, v in answers.scores.items()
    )
    db.session.add_all(
        [CheckinChoice(response_id=key, kind="theme", option_key=t) for t in answers.themes]
        + [CheckinChoice(response_id=key, kind="practice", option_key=p) for p in answers.practices]
    )
    db.session.flush()
    waiting = db.session.scalar(
        select(func.count()).where(
            CheckinResponse.circle_id == circle.id,
            CheckinResponse.period == period,
            CheckinResponse.released.is_(False),
        )
    )
    if waiting is not None and waiting >= K:
        db.session.execute(
            update(CheckinResponse)
            .where(CheckinResponse.circle_id == circle.id, CheckinResponse.period == period)
            .values(released=True)
        )
    plain = services.encode_answers(answers)
    # The earlier private copy: sealed, padded to a multiple of 512 bytes.
    plain += b" " * (-len(plain) % 512)
    db.session.add(
        CheckinHistory(
            user_id=user.id,
            circle_id=circle.id,
            period=period,
            sealed=keyring().seal(f"checkin-history:{user.id}", plain, len(plain) + 4),
        )
    )
    db.session.flush()


def median(runs: list[float]) -> float:
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="measured rounds of each path")
    parser.add_argument("--batch", type=int, default=10, help="answers written together")
    parser.add_argument("--prompts", type=int, default=10, help="prompts answered per round")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("CIRCLES_INSTANCE_PATH", tmp)
        app = build_app(url or f"sqlite:///{Path(tmp) / 'write_path.sqlite3'}")
        world = seed(app)
        results: dict[str, list[float]] = {k: [] for k in ("sealed", "at once", "rs", "ro")}
        checkins: dict[str, list[float]] = {"sealed": [], "at once": []}
        # Weekly periods far apart, one per round and path, so each round starts empty.
        weeks = iter(range(0, 10_000, 7))
        first = datetime(2030, 1, 7, 12, tzinfo=UTC)
        tasks = [
            ("live", "sealed"),
            ("checkin", "sealed"),
            ("live", "at once"),
            ("checkin", "at once"),
        ]
        for round_no in range(args.rounds + 1):  # round 0 warms up and is not kept
            for kind, label in tasks if round_no % 2 else list(reversed(tasks)):
                sealed = label == "sealed"
                if kind == "live":
                    per_answer, reveal = answers_round(app, world, sealed, args.batch, args.prompts)
                    if round_no:
                        results[label].append(per_answer)
                        results["rs" if sealed else "ro"].append(reveal)
                else:
                    now = first + timedelta(days=next(weeks))
                    per = checkins_round(app, world, sealed, now)
                    if round_no:
                        checkins[label].append(per)
        us = 1e6
        db_name = "PostgreSQL" if url else "SQLite"
        print(f"## Write path ({db_name}, {MEMBERS} members, k={K}, {args.rounds} rounds, medians)")
        print()
        print("| measure | written at once (replaced) | sealed (today) | ratio |")
        print("|---|---|---|---|")
        rows = [
            ("anonymous text answer, per answer", results["at once"], results["sealed"], us, "us"),
            (f"reveal of {MEMBERS} answers", results["ro"], results["rs"], 1e3, "ms"),
            (
                "check-in, per check-in (release included)",
                checkins["at once"],
                checkins["sealed"],
                us,
                "us",
            ),
        ]
        for name, before, after, scale, unit in rows:
            b, a = median(before) * scale, median(after) * scale
            digits = 1 if unit == "ms" else 0
            print(f"| {name} | {b:.{digits}f} {unit} | {a:.{digits}f} {unit} | {a / b:.2f} |")


if __name__ == "__main__":
    main()
