"""Lists that grow: one bounded page of a query, counted on the server, and a text search.

A page number past the end shows the last page (so removing the last person on the last page
lands on the page before, not on an empty one); anything that is not a positive whole number is
page 1. ``db.paginate`` is not used because it yields only the first entity of each row (the
audit log and support inbox page over rows with a name beside the entity) and answers a page
past the end with a 404 or an empty page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, TypeVarTuple

from sqlalchemy import Row, Select, func, select

from circles.extensions import db

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

#: Rows on one page of a list, unless the list says otherwise.
PAGE_SIZE = 50
#: The longest search text kept; longer text is cut here.
MAX_SEARCH = 100
#: The largest page number read from a link (past the end is the last page anyway).
_MAX_PAGE = 10**9


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and where it sits: ``total`` counts every row that matched."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return max(1, self.page - 1)

    @property
    def next_num(self) -> int:
        return min(self.pages, self.page + 1)


def requested_page(args: Mapping[str, str]) -> int:
    """The ``?page=`` asked for; text, zero or a negative number is page 1."""
    raw = args.get("page", "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    if len(raw) > len(str(_MAX_PAGE)):
        return _MAX_PAGE
    return min(_MAX_PAGE, max(1, int(raw)))


def search_text(args: Mapping[str, str]) -> str:
    """The ``?q=`` search: spaces collapsed, cut to a sensible length, no NUL characters."""
    raw = args.get("q", "").replace("\x00", "")
    return " ".join(raw.split())[:MAX_SEARCH]


def contains(text: str) -> str:
    """A LIKE pattern (escape character ``\\``) that finds ``text`` literally, anywhere."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_args(q: str, page: int = 1) -> dict[str, Any]:
    """Query arguments that lead back to this page of this search (defaults left out)."""
    args: dict[str, Any] = {}
    if q:
        args["q"] = q
    if page > 1:
        args["page"] = page
    return args


def same_list(args: Mapping[str, str]) -> dict[str, Any]:
    """The page and search a form's action carried, to redirect back to after the action."""
    return list_args(search_text(args), requested_page(args))


def count(stmt: Select[*Ts]) -> int:
    """How many rows the query yields (one ``count(*)`` over it, its order dropped)."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _number(total: int, wanted: int, per_page: int) -> int:
    last = max(1, -(-total // per_page))
    return min(max(1, wanted), last)


def paginate(stmt: Select[T], page: int, per_page: int = PAGE_SIZE) -> Page[T]:
    """One page of a query's entities (two queries: the count, then the page)."""
    total = count(stmt)
    number = _number(total, page, per_page)
    items = list(db.session.scalars(stmt.limit(per_page).offset((number - 1) * per_page)))
    return Page(items, total, number, per_page)


def paginate_rows(stmt: Select[*Ts], page: int, per_page: int = PAGE_SIZE) -> Page[Row[*Ts]]:
    """One page of a query's rows, for queries that select more than one thing."""
    total = count(stmt)
    number = _number(total, page, per_page)
    rows = db.session.execute(stmt.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(list(rows), total, number, per_page)
