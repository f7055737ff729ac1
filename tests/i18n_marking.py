"""Finds texts a person would read that do not go through the translation layer.

Templates: the template's own text (outside ``{{ }}``, ``{% %}`` and ``{% trans %}`` blocks),
read as HTML, and the attributes people read or hear (``title``, ``alt``, ``placeholder``,
``aria-label``, a button's ``value``...). Python: strings handed to what shows them (``flash``,
form fields' labels, descriptions and choices, validators' messages, ``ValidationError``, mail)
and any other sentence-like string, unless it sits inside a ``gettext`` call, a log call, a
developer's exception, or on a line that says ``# untranslated: <why>``.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[1]

#: Words that are the same in every language: the product's name.
SAME_EVERYWHERE = {"Circles"}
LETTER = re.compile(r"[^\W\d_]")
#: What stands for an expression or a tag of the template language (no letters; inside an HTML
#: tag it reads as one more attribute).
HOLE = " _ "


@dataclass(frozen=True)
class Unmarked:
    where: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {self.text!r}"


def _readable(text: str) -> str | None:
    """The words of a text once placeholders, entities and the product's name are out."""
    plain = html.unescape(text.replace(HOLE, " "))
    words = [
        w for w in re.split(r"\s+", plain) if w and w.strip("·.,:;!?()") not in SAME_EVERYWHERE
    ]
    rest = " ".join(words).strip()
    return rest if LETTER.search(rest) else None


# ------------------------------------------------------------------------------------------------
# Templates

#: Attributes whose values are read or heard.
READ_ATTRIBUTES = {
    "title",
    "alt",
    "placeholder",
    "aria-label",
    "aria-description",
    "aria-roledescription",
    "aria-valuetext",
    "label",
    "data-confirm",
}
BUTTON_INPUTS = {"submit", "button", "reset"}


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            button = tag in ("input", "button") and values.get("type") in BUTTON_INPUTS
            read = name in READ_ATTRIBUTES or (name == "value" and button)
            if tag == "meta" and name == "content" and values.get("name") == "description":
                read = True
            if read and (words := _readable(value)):
                self.found.append((self.getpos()[0], f"{name}={words}"))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and (words := _readable(data)):
            self.found.append((self.getpos()[0], words))

    def handle_entityref(self, name: str) -> None:
        pass

    def handle_charref(self, name: str) -> None:
        pass


def _template_text(env: Environment, source: str) -> str:
    """The template's own text, every tag, expression and translated block a placeholder."""
    out: list[str] = []
    in_code = False
    in_trans = False
    block_words: list[str] = []
    for _line, kind, value in env.lex(source):
        if kind == "data":
            if in_trans:
                out.append(HOLE + "\n" * value.count("\n"))
            else:
                out.append(value)
            continue
        if kind in ("variable_begin", "block_begin"):
            in_code = True
            block_words = []
            out.append(HOLE)
            continue
        if kind in ("variable_end", "block_end"):
            in_code = False
            if block_words[:1] == ["trans"] or block_words[:1] == ["pluralize"]:
                in_trans = True
            elif block_words[:1] == ["endtrans"]:
                in_trans = False
            continue
        if in_code and kind == "name":
            block_words.append(value)
        if "\n" in value:
            out.append("\n" * value.count("\n"))
    return "".join(out)


def unmarked_in_templates(folder: Path = ROOT / "templates") -> Iterator[Unmarked]:
    env = Environment(extensions=["jinja2.ext.i18n"])
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".html", ".txt", ".ics") or not path.is_file():
            continue
        finder = _TextFinder()
        finder.feed(_template_text(env, path.read_text()))
        finder.close()
        for line, text in finder.found:
            yield Unmarked(str(path.relative_to(folder.parent)), line, text)


# ------------------------------------------------------------------------------------------------
# Python

TRANSLATING = {
    "_",
    "_l",
    "gettext",
    "ngettext",
    "lazy_gettext",
    "lazy_ngettext",
    "pgettext",
    "npgettext",
    "lazy_pgettext",
}
#: Calls whose strings nobody using the app reads: logs, developers' errors, SQL.
NOT_SHOWN_CALLS = {
    "debug",
    "info",
    "warning",
    "error",
    "exception",
    "critical",
    "log",
    "text",
    "execute",
    "exec_driver_sql",
    "warn",
    "ValueError",
    "TypeError",
    "RuntimeError",
    "KeyError",
    "LookupError",
    "AssertionError",
    "NotImplementedError",
    "SystemExit",
    "TryAgain",
    "getLogger",
    "mapped_column",
    "Column",
    "echo",
    "secho",
    "option",
    "argument",
    "command",
    "group",
    "ClickException",
    "BadParameter",
    "UsageError",
    "HTTPException",
}
#: Modules for operators and developers, not for people using the app.
NOT_SHOWN_MODULES = {"circles/cli.py", "circles/demo.py", "circles/live/demo.py"}
UNTRANSLATED = "# untranslated:"
#: Keyword arguments people read, whatever the call.
SHOWN_KEYWORDS = {"label", "description", "message", "subject", "placeholder"}


def _is_prose(value: str) -> bool:
    words = re.findall(r"[^\W\d_][^\W\d_'\u2019-]*", value)
    if len(words) < 2 or " " not in value.strip():
        return False
    if value.strip().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "/", "%(")):
        return False
    return bool(re.match(r"\s*[\"“(]?[A-ZÀ-Ý]", value))


class _PythonFinder(ast.NodeVisitor):
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.found: list[tuple[int, str]] = []
        self._quiet = 0
        self._docstrings: set[int] = set()

    def visit_Module(self, node: ast.Module) -> None:
        self._note_docstring(node)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._note_docstring(node)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._note_docstring(node)
        self.generic_visit(node)

    def _note_docstring(self, node: ast.AST) -> None:
        body = getattr(node, "body", [])
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            self._docstrings.add(id(body[0].value))
        # A bare string after an assignment documents it (Sphinx's "#:" alternative).
        for statement in body:
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                self._docstrings.add(id(statement.value))

    def _quietly(self, node: ast.AST) -> None:
        self._quiet += 1
        self.generic_visit(node)
        self._quiet -= 1

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in TRANSLATING or name in NOT_SHOWN_CALLS:
            self._quietly(node)
            return
        # Where even one word is read: labels, messages, flashes, choices.
        shown: list[ast.expr] = [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        if name.endswith("Field") and node.args:
            shown.append(node.args[0])
        if name in ("flash", "ValidationError", "StopValidation") and node.args:
            shown.append(node.args[0])
        if name == "SelectChoice" and len(node.args) > 1:
            shown.append(node.args[1])
        for value in shown:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                if LETTER.search(value.value) and not self._excused(value):
                    self.found.append((value.lineno, value.value[:80]))
                self._docstrings.add(id(value))  # reported once
        self.generic_visit(node)

    def visit_Assert(self, node: ast.Assert) -> None:
        self._quietly(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if self._quiet:
            return
        text = "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
            for v in node.values
        )
        self._check(node, text)

    def visit_Constant(self, node: ast.Constant) -> None:
        if self._quiet or not isinstance(node.value, str) or id(node) in self._docstrings:
            return
        self._check(node, node.value)

    def _excused(self, node: ast.expr) -> bool:
        first, last = node.lineno, getattr(node, "end_lineno", node.lineno) or node.lineno
        return any(UNTRANSLATED in self.lines[n - 1] for n in range(first, last + 1))

    def _check(self, node: ast.expr, text: str) -> None:
        if _is_prose(text) and not self._excused(node):
            self.found.append((node.lineno, text[:80]))


def unmarked_in_python(folder: Path = ROOT / "circles") -> Iterator[Unmarked]:
    for path in sorted(folder.rglob("*.py")):
        where = str(path.relative_to(folder.parent))
        if where in NOT_SHOWN_MODULES:
            continue
        source = path.read_text()
        finder = _PythonFinder(source.splitlines())
        finder.visit(ast.parse(source))
        for line, text in finder.found:
            yield Unmarked(where, line, text)


if __name__ == "__main__":
    # python -m tests.i18n_marking [PATH-PREFIX ...]: what is still unmarked (under these paths).
    import sys

    prefixes = tuple(sys.argv[1:]) or ("",)
    for unmarked in [*unmarked_in_templates(), *unmarked_in_python()]:
        if unmarked.where.startswith(prefixes):
            print(unmarked)
