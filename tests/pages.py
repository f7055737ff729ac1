"""What a browser would send: the forms of a page with their current values, and the database's
state before and after, for tests that post bad input and check that nothing was kept."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import select

from circles.extensions import db

#: Columns a request may touch without changing anything a person wrote (the login's clock).
VOLATILE = {("auth_sessions", "last_seen_at")}


@dataclass
class PageForm:
    """One ``<form>``: where it posts, and the fields a browser would send if submitted as is."""

    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    #: Every named control, whether or not it would be sent (unticked boxes, unchosen radios).
    names: list[str] = field(default_factory=list)

    def data(self, **changes: str) -> dict[str, str | list[str]]:
        """The fields as a request body, with some replaced."""
        body: dict[str, str | list[str]] = {}
        for name, value in self.fields:
            if name in body:
                existing = body[name]
                body[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
            else:
                body[name] = value
        body.update(changes)
        return body


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self.current: PageForm | None = None
        self.textarea: str | None = None
        self.text: list[str] = []
        self.select: tuple[str, bool] | None = None
        self.options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = a.get("action") or self.page_url
            self.current = PageForm(action.split("#")[0], a.get("method", "get").upper())
            self.forms.append(self.current)
            return
        form, name = self.current, a.get("name")
        if form is None or not name:
            if tag == "option" and self.select is not None:
                self.options.append((a.get("value", ""), "selected" in a))
            return
        if tag == "button" or (tag == "input" and a.get("type", "").lower() == "submit"):
            if a.get("type", "submit").lower() == "submit" and name not in form.names:
                form.names.append(name)  # as if this button, the first of its name, was clicked
                form.fields.append((name, a.get("value", "")))
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"button", "image", "reset", "file"}:
                return
            form.names.append(name)
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            form.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea":
            form.names.append(name)
            self.textarea, self.text = name, []
        elif tag == "select":
            form.names.append(name)
            self.select, self.options = (name, "multiple" in a), []

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "textarea" and self.textarea is not None and self.current is not None:
            text = "".join(self.text)
            self.current.fields.append((self.textarea, text[1:] if text[:1] == "\n" else text))
            self.textarea = None
        elif tag == "select" and self.select is not None and self.current is not None:
            name, multiple = self.select
            chosen = [value for value, selected in self.options if selected]
            if not chosen and not multiple and self.options:
                chosen = [self.options[0][0]]
            self.current.fields += [(name, value) for value in chosen]
            self.select = None


def forms_on(html: str, page_url: str) -> list[PageForm]:
    """The page's forms, as a browser would submit them unchanged."""
    parser = _FormParser(page_url)
    parser.feed(html)
    parser.close()
    return parser.forms


def form_posting_to(html: str, page_url: str, action: str) -> PageForm:
    """The page's form that posts to ``action``."""
    for form in forms_on(html, page_url):
        if form.method == "POST" and form.action == action:
            return form
    raise AssertionError(f"no form posting to {action} on {page_url}")


def database_state() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (call in an app context), to compare before and after."""
    state = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE]
        rows = db.session.execute(select(*columns)).all()
        state[table.name] = sorted((tuple(row) for row in rows), key=repr)
    db.session.rollback()
    return state


def page_nav(html: str) -> str:
    """The list's page links (``<nav aria-label="Pages">``), or "" when it has one page."""
    match = re.search(r'<nav aria-label="Pages".*?</nav>', html, re.S)
    return match.group(0) if match else ""
