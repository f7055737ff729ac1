"""What reading a round's sealed answers costs on PostgreSQL, in text and in binary, measured in
the same run on the same database.

A round's reveal reads about a thousand sealed answers of about 4 KB (a text answer sealed and
padded to its one size, docs/privacy.md). The same statement is read:
- **text**: through SQLAlchemy, as every other statement (psycopg's text results: PostgreSQL
  writes each value out, bytes as hexadecimal, and psycopg parses it back);
- **binary**: through :class:`circles.bulk.DriverRows`, as ``circles.live.mixing.open_sealed``
  reads them.

Prints the median CPU time of the reading process and the wall time per read, and the ratios.
PostgreSQL only (psycopg); it works in a table of its own, dropped at the end.

    BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/binary_reads.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    select,
)
from sqlalchemy.engine import Connection

from circles.bulk import DriverRows, one_of
from circles.live.mixing import sealed_answer_size
from circles.live.models import PromptKind

_SEALED_SIZE = sealed_answer_size(PromptKind.TEXT)

metadata = MetaData()
table = Table(
    "bench_sealed_reads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("prompt_id", Integer, index=True),
    Column("user_id", Integer),
    Column("client_id", String(64)),
    Column("sealed", LargeBinary),
)
_READ = select(table.c.prompt_id, table.c.user_id, table.c.client_id, table.c.sealed).where(
    one_of(table.c.prompt_id, "prompts")
)


def measure(read: Callable[[], Any], times: int) -> tuple[float, float]:
    """Median CPU and wall milliseconds of one read."""
    for _ in range(5):
        read()
    cpu, wall = [], []
    for _ in range(times):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        read()
        cpu.append(1000 * (time.process_time() - cpu_start))
        wall.append(1000 * (time.perf_counter() - wall_start))
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=100, help="prompts revealed together")
    parser.add_argument("--members", type=int, default=10, help="answers to each prompt")
    parser.add_argument("--times", type=int, default=40, help="reads of each kind")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith("postgresql+psycopg"):
        sys.exit("BENCH_DATABASE_URL=postgresql+psycopg://... (PostgreSQL through psycopg)")
    engine = create_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    try:
        with engine.begin() as connection:
            # Kept in their row and never compressed, as the app keeps them (e1c30cbd0e43).
            connection.exec_driver_sql(
                "ALTER TABLE bench_sealed_reads ALTER COLUMN sealed SET STORAGE PLAIN"
            )
            rows = [
                {
                    "prompt_id": n // args.members,
                    "user_id": n,
                    "client_id": os.urandom(32).hex(),
                    "sealed": os.urandom(_SEALED_SIZE),
                }
                for n in range(args.prompts * args.members)
            ]
            connection.execute(table.insert(), rows)
        report(engine.connect(), list(range(args.prompts)), args.times, len(rows))
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def report(connection: Connection, prompts: list[int], times: int, count: int) -> None:
    reader = DriverRows(_READ)
    with connection:
        text = measure(lambda: connection.execute(_READ, {"prompts": prompts}).all(), times)
        binary = measure(lambda: reader.all(connection, {"prompts": prompts}), times)
        connection.rollback()
    print(f"{count} sealed answers of {_SEALED_SIZE} bytes, read {times} times each way")
    print("| read | CPU ms | wall ms |")
    print("|---|---|---|")
    print(f"| text (SQLAlchemy) | {text[0]:.2f} | {text[1]:.2f} |")
    print(f"| binary (DriverRows) | {binary[0]:.2f} | {binary[1]:.2f} |")
    print(f"| binary / text | {binary[0] / text[0]:.2f} | {binary[1] / text[1]:.2f} |")


if __name__ == "__main__":
    main()
