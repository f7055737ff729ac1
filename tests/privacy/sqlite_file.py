"""What someone holding a copy of the SQLite file and its ``-wal`` can read: cells and their places.

An attacker does not need SQLite to read the file. Every b-tree page keeps an array of cell
offsets; a new cell is written below the earlier ones, so on a page that has not been rewritten
the offsets replay the order in which rows were written. The ``-wal`` file keeps a copy of every
page each transaction wrote, in commit order, until it is truncated, so it replays history too.
This module reads both, as such an attacker would, with nothing but the file format
(https://www.sqlite.org/fileformat2.html).
"""

from __future__ import annotations

import shutil
import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: b-tree page types: table (rowid) interior and leaf, index (also WITHOUT ROWID) interior and leaf
_TABLE_INTERIOR, _TABLE_LEAF, _INDEX_INTERIOR, _INDEX_LEAF = 5, 13, 2, 10


@dataclass(frozen=True)
class Cell:
    """One row as stored: its page, where on the page its bytes start, and its values."""

    page: int
    offset: int
    #: Column values in table order (for a rowid table: the rowid first), as far as stored on the
    #: page; a value that runs on to overflow pages is given as its size in bytes.
    values: tuple[Any, ...]
    #: Each column's stored size in bytes, read from the record header.
    sizes: tuple[int, ...]


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for i in range(8):
        byte = data[at + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    return (value << 8) | data[at + 8], at + 9


def _size_of(serial: int) -> int:
    if serial >= 12:
        return (serial - 12) // 2 if serial % 2 == 0 else (serial - 13) // 2
    return (0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0)[serial]


def _record(payload: bytes) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    header_size, at = _varint(payload, 0)
    serials = []
    while at < header_size:
        serial, at = _varint(payload, at)
        serials.append(serial)
    values: list[Any] = []
    sizes: list[int] = []
    at = header_size
    for serial in serials:
        size = _size_of(serial)
        sizes.append(size)
        raw = payload[at : at + size]
        at += size
        if len(raw) < size:  # runs on to an overflow page
            values.append(size)
        elif serial == 0:
            values.append(None)
        elif serial in (8, 9):
            values.append(serial - 8)
        elif 1 <= serial <= 6:
            values.append(int.from_bytes(raw, "big", signed=True))
        elif serial == 7:
            values.append(struct.unpack(">d", raw)[0])
        elif serial % 2:
            values.append(raw.decode("utf-8", "replace"))
        else:
            values.append(bytes(raw))
    return tuple(values), tuple(sizes)


def _local_size(payload_size: int, usable: int, index: bool) -> int:
    """How many payload bytes a cell keeps on its page (the rest goes to overflow pages)."""
    max_local = ((usable - 12) * 64 // 255 - 23) if index else usable - 35
    if payload_size <= max_local:
        return payload_size
    min_local = (usable - 12) * 32 // 255 - 23
    local = min_local + (payload_size - min_local) % (usable - 4)
    return local if local <= max_local else min_local


def page_cells(data: bytes, page_number: int, usable: int) -> tuple[int, list[Any]]:
    """A page's type and its cells (leaf pages) or child page numbers (interior pages)."""
    start = 100 if page_number == 1 else 0
    kind = data[start]
    count = struct.unpack(">H", data[start + 3 : start + 5])[0]
    header = 12 if kind in (_TABLE_INTERIOR, _INDEX_INTERIOR) else 8
    offsets = [
        struct.unpack(">H", data[start + header + 2 * i : start + header + 2 * i + 2])[0]
        for i in range(count)
    ]
    if kind in (_TABLE_INTERIOR, _INDEX_INTERIOR):
        children = [struct.unpack(">I", data[o : o + 4])[0] for o in offsets]
        children.append(struct.unpack(">I", data[start + 8 : start + 12])[0])
        return kind, children
    if kind not in (_TABLE_LEAF, _INDEX_LEAF):
        return kind, []
    return kind, _cells(data, page_number, offsets, kind == _INDEX_LEAF, usable)


def interior_cells(data: bytes, page_number: int, usable: int) -> list[Cell]:
    """An index b-tree's interior page holds rows too (WITHOUT ROWID tables keep rows there)."""
    start = 100 if page_number == 1 else 0
    if data[start] != _INDEX_INTERIOR:
        return []
    count = struct.unpack(">H", data[start + 3 : start + 5])[0]
    offsets = [
        struct.unpack(">H", data[start + 12 + 2 * i : start + 14 + 2 * i])[0] for i in range(count)
    ]
    return _cells(data, page_number, [o + 4 for o in offsets], True, usable)


def _cells(
    data: bytes, page_number: int, offsets: list[int], index: bool, usable: int
) -> list[Cell]:
    cells = []
    for offset in offsets:
        size, at = _varint(data, offset)
        rowid = None
        if not index:
            rowid, at = _varint(data, at)
        local = _local_size(size, usable, index)
        values, sizes = _record(data[at : at + local])
        if rowid is not None:
            values, sizes = (rowid, *values), (8, *sizes)
        cells.append(Cell(page_number, offset, values, sizes))
    return cells


class SQLiteCopy:
    """A copy of the database file with its ``-wal``, as an attacker would hold it."""

    def __init__(self, database: Path, into: Path) -> None:
        into.mkdir(parents=True, exist_ok=True)
        self.file = into / "copy.sqlite3"
        shutil.copyfile(database, self.file)
        wal = Path(f"{database}-wal")
        self.wal = wal.read_bytes() if wal.exists() else b""
        # The pages as they stand now: SQLite itself merges the copied -wal into the copy.
        merged = into / "merged.sqlite3"
        shutil.copyfile(self.file, merged)
        if self.wal:
            Path(f"{merged}-wal").write_bytes(self.wal)
        connection = sqlite3.connect(merged)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.roots = dict(
            connection.execute("SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0")
        )
        #: table -> (its CREATE statement, PRAGMA table_info rows)
        self.schema = {
            name: (sql, connection.execute(f'PRAGMA table_info("{name}")').fetchall())
            for name, sql in connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND rootpage > 0"
            )
        }
        self.dump_lines = list(connection.iterdump())
        connection.close()
        self.merged = merged.read_bytes()
        self.page_size = struct.unpack(">H", self.merged[16:18])[0] or 65536
        self.usable = self.page_size - self.merged[20]

    def _page(self, number: int) -> bytes:
        return self.merged[(number - 1) * self.page_size : number * self.page_size]

    def cells(self, table: str) -> list[Cell]:
        """The table's rows as they sit in the file now, page by page."""
        found: list[Cell] = []
        pending = [self.roots[table]]
        while pending:
            number = pending.pop(0)
            data = self._page(number)
            kind, items = page_cells(data, number, self.usable)
            if kind in (_TABLE_INTERIOR, _INDEX_INTERIOR):
                pending.extend(items)
                found.extend(interior_cells(data, number, self.usable))
            else:
                found.extend(items)
        return found

    def table_pages(self, table: str) -> set[int]:
        pages: set[int] = set()
        pending = [self.roots[table]]
        while pending:
            number = pending.pop(0)
            pages.add(number)
            kind, items = page_cells(self._page(number), number, self.usable)
            if kind in (_TABLE_INTERIOR, _INDEX_INTERIOR):
                pending.extend(items)
        return pages

    def wal_frames(self) -> list[tuple[int, bytes]]:
        """Every page image in the ``-wal`` (stale frames too), oldest first: (page, bytes)."""
        if len(self.wal) < 32:
            return []
        page_size = struct.unpack(">I", self.wal[8:12])[0]
        frames = []
        at = 32
        while at + 24 + page_size <= len(self.wal):
            number = struct.unpack(">I", self.wal[at : at + 4])[0]
            frames.append((number, self.wal[at + 24 : at + 24 + page_size]))
            at += 24 + page_size
        return frames

    def wal_cells(self, table: str) -> list[list[Cell]]:
        """For each ``-wal`` frame of one of the table's pages (as it stands now), its cells."""
        pages = self.table_pages(table)
        history = []
        for number, data in self.wal_frames():
            if number in pages:
                kind, cells = page_cells(data, number, self.usable)
                if kind in (_TABLE_LEAF, _INDEX_LEAF):
                    history.append(cells)
                elif kind == _INDEX_INTERIOR:
                    history.append(interior_cells(data, number, self.usable))
        return history

    def dump_rows(self, table: str) -> list[str]:
        """The table's INSERT lines of ``.dump``, in the order the dump writes them."""
        prefix = f'INSERT INTO "{table}" VALUES('
        return [line for line in self.dump_lines if line.startswith(prefix)]


def write_order(cells: list[Cell]) -> list[Cell]:
    """Cells from first written to last, as far as their places on each page tell."""
    return sorted(cells, key=lambda cell: (cell.page, -cell.offset))


def first_seen(history: list[list[Cell]], key: Any) -> list[Any]:
    """Row keys (``key(cell)``) in the order they first appear in the ``-wal``'s frames."""
    order: list[Any] = []
    seen: set[Any] = set()
    for cells in history:
        for cell in write_order(cells):
            identity = key(cell)
            if identity not in seen:
                seen.add(identity)
                order.append(identity)
    return order
