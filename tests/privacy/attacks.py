"""The pairings a dump holder tries: by every order they can see, by transaction, text and size.

Each attack returns its guesses, (person, anonymous item) pairs, and the sizes of the groups it
guessed in (one group a circle, or a circle's prompt), so that its count of right pairs can be
held against blind chance (:mod:`tests.privacy.pairing`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tests.privacy.pairing import rank_by, zip_orders
from tests.privacy.sqlite_file import SQLiteCopy, first_seen, write_order
from tests.privacy.world import PgCopy, Truth


@dataclass
class Attempt:
    guesses: list[tuple[Any, Any]]
    groups: list[int]


Row = dict[str, Any]


class Holder:
    """One copy of the database, read the way its holder can: rows, their orders and sizes."""

    def __init__(self, copy: SQLiteCopy | PgCopy) -> None:
        self.copy = copy
        self.sqlite = isinstance(copy, SQLiteCopy)

    # --- SQLite: rows from the cells of the file --------------------------------------------

    def _columns(self, table: str) -> tuple[list[str], bool]:
        """Column names in the order a record stores them; whether the first is the rowid."""
        assert isinstance(self.copy, SQLiteCopy)
        sql, info = self.copy.schema[table]
        names = [row[1] for row in info]
        if "WITHOUT ROWID" in sql.upper():
            keys = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]]
            return keys + [n for n in names if n not in keys], False
        return ["rowid_", *names], True

    def _rows_of(self, cells: Iterable[Any], table: str) -> list[Row]:
        names, rowid = self._columns(table)
        rows = []
        for cell in cells:
            row: Row = dict(zip(names, cell.values, strict=False))
            row["sizes_"] = dict(zip(names, cell.sizes, strict=False))
            if rowid and "id" in row and row["id"] is None:
                row["id"] = row["rowid_"]  # an INTEGER PRIMARY KEY is stored as the rowid
            rows.append(row)
        return rows

    # --- both ---------------------------------------------------------------------------------

    def tables(self) -> set[str]:
        if isinstance(self.copy, SQLiteCopy):
            return set(self.copy.schema)
        return set(self.copy.rows)

    def rows(self, table: str) -> list[Row]:
        if isinstance(self.copy, SQLiteCopy):
            return self._rows_of(self.copy.cells(table), table)
        rows = []
        for row in self.copy.rows.get(table, []):
            row = dict(row)
            row["sizes_"] = {k: _size(v) for k, v in row.items()}
            rows.append(row)
        return rows

    def orders(self, table: str) -> dict[str, list[Row]]:
        """The table's rows in every order the holder can see."""
        if isinstance(self.copy, SQLiteCopy):
            cells = self.copy.cells(table)
            history = self.copy.wal_cells(table)
            seen = first_seen(history, key=lambda cell: cell.values)
            wal_rows = self._rows_of([_Stub(values) for values in seen], table)
            return {
                "the places of the file's cells": self._rows_of(write_order(cells), table),
                ".dump (key order)": self._rows_of(cells, table),
                "first appearance in the -wal": wal_rows,
            }
        assert isinstance(self.copy, PgCopy)
        rows = self.rows(table)
        columns, dumped = self.copy.dump.get(table, ([], []))
        dump_order = []
        key = "id" if "id" in columns else columns[0] if columns else None
        if key is not None:
            by_key = {str(row[key]): row for row in rows}
            position = columns.index(key)
            dump_order = [by_key[line[position]] for line in dumped if line[position] in by_key]
        return {
            "pg_dump": dump_order,
            "xmin, then ctid": sorted(rows, key=lambda r: (r["xmin_"], _ctid(r["ctid_"]))),
            "ctid": sorted(rows, key=lambda r: _ctid(r["ctid_"])),
        }


class _Stub:
    def __init__(self, values: tuple[Any, ...]) -> None:
        self.values = values
        self.sizes = tuple(_size(v) for v in values)


def _size(value: Any) -> int:
    if isinstance(value, bytes | bytearray | memoryview):
        return len(bytes(value))
    if isinstance(value, str):
        return len(value.encode())
    return 0


def _ctid(text: str) -> tuple[int, int]:
    page, item = text.strip("()").split(",")
    return int(page), int(item)


def _row_size(row: Row) -> int:
    return sum(size for name, size in row["sizes_"].items() if name not in ("xmin_", "ctid_"))


# --- Check-ins ------------------------------------------------------------------------------


def _checkin_items(holder: Holder) -> dict[str, tuple[tuple[int, ...], int]]:
    """Anonymous check-in key -> (its five scores, its circle)."""
    scores: dict[str, dict[str, int]] = defaultdict(dict)
    for row in holder.rows("checkin_scores"):
        scores[row["response_id"]][row["item_key"]] = int(row["value"])
    items = {}
    for row in holder.rows("checkin_responses"):
        given = scores.get(row["id"], {})
        if all(f"wb{i}" in given for i in range(1, 6)):
            items[row["id"]] = (tuple(given[f"wb{i}"] for i in range(1, 6)), row["circle_id"])
    return items


def checkin_attacks(holder: Holder, truth: Truth) -> dict[str, Attempt]:
    items = _checkin_items(holder)
    if not items:
        return {}
    # The people in the order they checked in: private copies carry a sequential id.
    people: dict[int, list[int]] = defaultdict(list)
    person_size: dict[int, int] = {}
    for row in sorted(holder.rows("checkin_history"), key=lambda r: r["id"]):
        people[row["circle_id"]].append(row["user_id"])
        person_size[row["user_id"]] = row["sizes_"]["sealed"]
    attempts: dict[str, Attempt] = {}

    def by_order(name: str, ordered_keys: list[str]) -> None:
        per_circle: dict[int, list[tuple[int, ...]]] = defaultdict(list)
        for key in ordered_keys:
            if key in items and items[key][0] not in per_circle[items[key][1]]:
                per_circle[items[key][1]].append(items[key][0])
        guesses, groups = [], []
        for circle_id, found in per_circle.items():
            guesses += zip_orders(people[circle_id], found)
            groups.append(len(found))
        attempts[name] = Attempt(guesses, groups)

    for table in ("checkin_responses", "checkin_scores", "checkin_choices"):
        column = "id" if table == "checkin_responses" else "response_id"
        for order, rows in holder.orders(table).items():
            by_order(f"check-ins: {table} by {order}", [r[column] for r in rows])

    # The size of each private copy against how much each check-in holds.
    ticks: dict[str, int] = defaultdict(int)
    for row in holder.rows("checkin_choices"):
        ticks[row["response_id"]] += 1
    guesses, groups = [], []
    for circle_id, members in people.items():
        mine = {key: ticks[key] for key, (_, c) in items.items() if c == circle_id}
        by_size = [items[key][0] for key in rank_by(mine)]
        guesses += zip_orders(rank_by({p: person_size[p] for p in members}), by_size)
        groups.append(len(by_size))
    attempts["check-ins: size of the private copy"] = Attempt(guesses, groups)

    if not holder.sqlite:
        # The transaction that wrote each receipt against the one that wrote each check-in.
        receipts = {r["xmin_"]: r["user_id"] for r in holder.rows("checkin_receipts")}
        written = {r["id"]: r["xmin_"] for r in holder.rows("checkin_responses")}
        guesses = [
            (receipts[written[key]], scores)
            for key, (scores, _) in items.items()
            if written[key] in receipts
        ]
        groups = [sum(1 for _, c in items.values() if c == circle) for circle in people]
        attempts["check-ins: same xmin as a receipt"] = Attempt(guesses, groups)
    return attempts


def checkin_truth(truth: Truth) -> dict[Any, Any]:
    return dict(truth.checkins)


# --- Live answers and commitments -------------------------------------------------------------


def live_attacks(holder: Holder, truth: Truth) -> dict[str, Attempt]:
    responses = [r for r in holder.rows("live_responses") if r["prompt_id"] in truth.prompt_circle]
    if not responses:
        return {}
    prompts = {r["prompt_id"] for r in responses}
    # The people in the order they answered each prompt: submissions carry a sequential id.
    people: dict[int, list[int]] = defaultdict(list)
    person_size: dict[tuple[int, int], int] = {}
    for row in sorted(holder.rows("live_submissions"), key=lambda r: r["id"]):
        people[row["prompt_id"]].append(row["user_id"])
        person_size[(row["prompt_id"], row["user_id"])] = _row_size(row)
    attempts: dict[str, Attempt] = {}

    def by_order(
        name: str, rows: list[Row], who: dict[int, list[int]] = people, spread: bool = False
    ) -> None:
        """Pair by position; ``spread``: by relative position (the i-th of n answers with the
        person as far along the order of m people), when some of the people passed."""
        per_prompt: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for row in rows:
            if row["prompt_id"] in prompts:
                per_prompt[row["prompt_id"]].append((row["prompt_id"], row["value"]))
        guesses, groups = [], []
        for prompt_id, found in per_prompt.items():
            order = who.get(prompt_id, [])
            if spread and order:
                order = [order[i * len(order) // len(found)] for i in range(len(found))]
            guesses += zip_orders(order, found)
            groups.append(len(found))
        attempts[name] = Attempt(guesses, groups)

    for order, rows in holder.orders("live_responses").items():
        by_order(f"live answers: live_responses by {order}", rows)
    by_order("live answers: key order", sorted(responses, key=lambda r: r["id"]))
    # The order people answered in, as any part of the copy keeps it, against the answers'
    # lengths (in the scenario, later answers are longer).
    by_length = sorted(responses, key=lambda r: len(r["value"]))
    for order, rows in holder.orders("live_submissions").items():
        answered: dict[int, list[int]] = defaultdict(list)
        for row in rows:
            if row.get("user_id") not in answered[row["prompt_id"]]:
                answered[row["prompt_id"]].append(row["user_id"])
        by_order(
            f"live answers: people by live_submissions {order}, answers by length",
            by_length,
            answered,
            spread=True,
        )
    by_order("live answers: people by submission id, answers by length", by_length, spread=True)

    # The size stored for each person's submission against the length of each answer.
    guesses, groups = [], []
    for prompt_id in prompts:
        mine = [r for r in responses if r["prompt_id"] == prompt_id]
        by_length = rank_by({(prompt_id, r["value"]): len(r["value"]) for r in mine})
        sizes = {p: person_size[(prompt_id, p)] for p in people[prompt_id]}
        guesses += zip_orders(rank_by(sizes), by_length)
        groups.append(len(mine))
    attempts["live answers: size of the submission row"] = Attempt(guesses, groups)

    if not holder.sqlite:
        written = {}
        for row in holder.rows("live_submissions"):
            written.setdefault((row["prompt_id"], row["xmin_"]), []).append(row["user_id"])
        guesses = []
        for r in responses:
            same = written.get((r["prompt_id"], r["xmin_"]), [])
            if len(same) == 1:
                guesses.append((same[0], (r["prompt_id"], r["value"])))
        attempts["live answers: same xmin as a submission"] = Attempt(
            guesses, [len([r for r in responses if r["prompt_id"] == p]) for p in prompts]
        )

    # Commitments kept for their authors: the same words, or rows as long as the words.
    commitments = [r for r in responses if r["prompt_id"] in truth.commitment_prompts]
    by_text = {r["value"]: (r["prompt_id"], r["value"]) for r in commitments}
    kept = holder.rows("commitments")
    guesses = []
    for row in kept:
        for value in row.values():
            if isinstance(value, str) and value in by_text:
                guesses.append((row["user_id"], by_text[value]))
    groups = [sum(1 for r in commitments if r["prompt_id"] == p) for p in truth.commitment_prompts]
    attempts["commitments: the same text kept with a user id"] = Attempt(guesses, groups)
    guesses = []
    for prompt_id in truth.commitment_prompts:
        circle = truth.prompt_circle[prompt_id]
        mine = {
            (prompt_id, r["value"]): len(r["value"])
            for r in commitments
            if r["prompt_id"] == prompt_id
        }
        theirs = {
            r["user_id"]: _row_size(r) for r in kept if truth.circle_of.get(r["user_id"]) == circle
        }
        guesses += zip_orders(rank_by(theirs), rank_by(mine))
    attempts["commitments: size of the kept row"] = Attempt(guesses, groups)
    return attempts


def shared_value_attacks(holder: Holder, truth: Truth) -> dict[str, Attempt]:
    """Any row that names a person and holds the very words of an anonymous answer."""
    words = {
        r["value"]: (r["prompt_id"], r["value"])
        for r in holder.rows("live_responses")
        if r["prompt_id"] in truth.prompt_circle and not r["value"].isdigit()
    }
    if not words:
        return {}
    guesses = []
    for table in holder.tables():
        if table.startswith("sqlite_") or table == "live_responses":
            continue
        for row in holder.rows(table):
            person = row.get("user_id")
            if person is None:
                continue
            for value in row.values():
                if isinstance(value, str) and value in words:
                    guesses.append((person, words[value]))
    groups = [MEMBERS_PER_PROMPT] * (len(words) // MEMBERS_PER_PROMPT)
    return {"any table: a person's row holding the words of an answer": Attempt(guesses, groups)}


MEMBERS_PER_PROMPT = 10


def who_passed(holder: Holder, truth: Truth) -> list[str]:
    """Every way the copy tells who passed an anonymous prompt: a value or a size that the
    passers' rows share and nobody else's do, or rows that only those who answered have."""
    session_of = {r["id"]: r["session_id"] for r in holder.rows("live_prompts")}
    submissions = holder.rows("live_submissions")
    commitments = holder.rows("commitments")
    found = []
    for prompt_id, passers in truth.passed.items():
        mine = [r for r in submissions if r["prompt_id"] == prompt_id]
        kept = [r for r in commitments if r.get("session_id") == session_of.get(prompt_id)]
        if prompt_id not in truth.commitment_prompts:
            kept = []
        answered = {r["user_id"] for r in mine}
        if kept and answered - {r["user_id"] for r in kept} == passers:
            found.append(f"prompt {prompt_id}: only those who answered have a commitment row")
        for table, rows in (("live_submissions", mine), ("commitments", kept)):
            for column in rows[0] if rows else ():
                if column in ("rowid_", "id", "prompt_id", "user_id", "sizes_", "ctid_"):
                    continue
                for view, of in (
                    ("value", lambda r, c=column: r[c]),
                    ("size", lambda r, c=column: r["sizes_"].get(c)),
                ):
                    groups: dict[Any, set[int]] = defaultdict(set)
                    for row in rows:
                        groups[repr(of(row))].add(row["user_id"])
                    if any(users == passers for users in groups.values()):
                        found.append(f"prompt {prompt_id}: {table}.{column} by {view}")
    return found


ALL: list[Callable[[Holder, Truth], dict[str, Attempt]]] = [
    checkin_attacks,
    live_attacks,
    shared_value_attacks,
]
