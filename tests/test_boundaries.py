"""Features talk through signals (:mod:`circles.signals`), not by importing each other.

Read from the source, so that a new import across the line fails here, whoever adds it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from blinker import NamedSignal
from flask import Flask

from circles import signals

PACKAGE = Path(__file__).resolve().parents[1] / "circles"
FEATURES = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
#: Modules that are a feature's edge: only the feature itself and the app factory import them.
EDGES = {"views", "events", "sockets", "listeners", "questions"}
#: The app factory registers every feature's blueprint (the live package registers its own, with
#: its Socket.IO server); it is not a feature.
COMPOSITION = {"circles/__init__.py"}


def _imports() -> list[tuple[str, str]]:
    """Every ``(file, imported module)`` in the package, relative imports resolved."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        package = rel.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        if path.name != "__init__.py":
            package = package.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), rel)):
            if isinstance(node, ast.Import):
                found += [(rel, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                found.append((rel, base))
                found += [(rel, f"{base}.{alias.name}") for alias in node.names]
    return found


def _feature_of(module_or_file: str) -> str | None:
    parts = module_or_file.removesuffix(".py").replace("/", ".").split(".")
    if len(parts) > 2 and parts[0] == "circles" and parts[1] in FEATURES:
        return parts[1]
    return None


def test_the_import_reader_finds_the_imports_it_must() -> None:
    """The test below is only as good as the reader; it must see these known imports."""
    imports = set(_imports())
    assert ("circles/live/server.py", "circles.live.events.register_live_events") in imports
    assert ("circles/__init__.py", "circles.audit.views.bp") in imports
    assert ("circles/live/events.py", "circles.live.listeners") in imports
    assert ("circles/rights/export.py", "circles.signals") in imports


def test_no_feature_imports_another_features_views_or_sockets() -> None:
    crossing = [
        (rel, module)
        for rel, module in _imports()
        if module.split(".")[-1] in EDGES
        and _feature_of(module) is not None
        and _feature_of(module) != _feature_of(rel)
        and rel not in COMPOSITION
    ]
    assert crossing == []


def test_nothing_outside_the_live_package_imports_it() -> None:
    """Pages, export, erasure, clean-up and the command line ask through signals.

    Not even the app factory reaches inside: it calls ``circles.live.init_app``.
    """
    crossing = [
        (rel, module)
        for rel, module in _imports()
        if _feature_of(module) == "live" and _feature_of(rel) != "live"
    ]
    assert crossing == []


QUESTIONS = [
    signals.circle_page_asked,
    signals.checkin_page_asked,
    signals.open_room_asked,
    signals.open_rooms_asked,
    signals.plan_sizes_asked,
    signals.demo_live_asked,
    signals.personal_data_asked,
    signals.others_content_asked,
    signals.content_expired,
    signals.commitments_asked,
    signals.closed_commitments_asked,
    signals.journal_prompts_asked,
]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_every_question_has_exactly_one_answer(app: Flask, question: NamedSignal) -> None:
    assert len(question.receivers) == 1


def test_a_question_nobody_answers_is_an_error_not_an_empty_answer() -> None:
    unanswered = NamedSignal("nobody-listens")
    with pytest.raises(RuntimeError, match="0 answers"):
        signals.ask(unanswered, 1)
    unanswered.connect(lambda sender: "one", weak=False)
    unanswered.connect(lambda sender: "two", weak=False)
    with pytest.raises(RuntimeError, match="2 answers"):
        signals.ask(unanswered, 1)
