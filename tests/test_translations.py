"""Every text people read goes through the translation layer, and every catalogue is complete.

English is the source language; German and Spanish each have a catalogue in
``circles/translations``. A text that is not marked, a catalogue that lacks a text or keeps one
no longer used, and a translation whose placeholders differ from the original all fail here
(``make messages`` brings the catalogues up to date; see docs/operations.md, "Languages").
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from circles.i18n import DEFAULT, LANGUAGES
from tests.i18n_marking import ROOT, unmarked_in_python, unmarked_in_templates

TRANSLATIONS = ROOT / "circles" / "translations"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "lazy_pgettext": ((1, "c"), 2),
    "lazy_npgettext": ((1, "c"), 2, 3),
}


def extracted() -> dict[object, str]:
    """Every text the code and templates hand to the translation layer, with one place of each."""
    method_map = [
        ("circles/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
        ("templates/**.ics", "jinja2"),
    ]
    found: dict[object, str] = {}
    for filename, line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, keywords=KEYWORDS
    ):
        key = (context, message)
        found.setdefault(key, f"{filename}:{line}")
    return found


@pytest.fixture(scope="module")
def texts() -> dict[object, str]:
    return extracted()


def catalogue(code: str) -> Catalog:
    path = TRANSLATIONS / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        return read_po(po, locale=code)


def test_every_text_people_read_is_marked_for_translation() -> None:
    found = [*unmarked_in_templates(), *unmarked_in_python()]
    assert not found, "not marked for translation:\n" + "\n".join(map(str, found))


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != DEFAULT])
def test_catalogue_is_complete_and_current(code: str, texts: dict[object, str]) -> None:
    po = catalogue(code)
    held = {(m.context, m.id): m for m in po if m.id}
    missing = [f"{where}: {key[1]!r}" for key, where in texts.items() if key not in held]
    stale = [repr(key) for key in held if key not in texts]
    untranslated = [
        repr(m.id)
        for m in held.values()
        if m.fuzzy or not (all(m.string) if isinstance(m.string, tuple | list) else m.string)
    ]
    problems = [f"{m.id!r}: {'; '.join(map(str, errors))}" for m, errors in po.check()]
    assert not missing, f"{code}: not in the catalogue (make messages):\n" + "\n".join(missing)
    assert not stale, f"{code}: no longer used (make messages):\n" + "\n".join(stale)
    assert not untranslated, f"{code}: not translated:\n" + "\n".join(untranslated)
    assert not problems, f"{code}: placeholders differ:\n" + "\n".join(problems)


def test_the_marking_check_finds_what_it_should(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text(
        '<h1>{{ _("Marked") }}</h1>\n<p>Plain words</p>\n<img alt="A picture" src="x">\n'
        '{% trans %}Inside a block{% endtrans %}\n<a href="{{ url }}">{{ name }}</a> · Circles\n'
        '<input type="submit" value="Send it">\n<script>const x = "not read";</script>\n'
    )
    found = [u.text for u in unmarked_in_templates(templates)]
    assert found == ["Plain words", "alt=A picture", "value=Send it"]

    package = tmp_path / "circles"
    package.mkdir()
    (package / "views.py").write_text(
        '"""A docstring is not shown."""\n'
        "from flask import flash\n"
        "def view():\n"
        '    flash("Saved.")\n'
        '    flash(_("Saved."))\n'
        '    log.info("Something happened here")\n'
        '    raise ValueError("For developers only")\n'
        '    label = StringField("Name")\n'
        '    other = "A sentence people read."\n'
        '    kept = "Said on purpose in English."  # untranslated: a code\n'
        '    key = "snake_case_key"\n'
    )
    found = [u.text for u in unmarked_in_python(package)]
    assert found == ["Saved.", "Name", "A sentence people read."]
