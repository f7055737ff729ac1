"""PRODUCT.md privacy rule 8: whoever holds the database without the app's secret key can do no
better than chance at pairing anonymous content with people.

The test plays that person. Three circles of ten check in and answer anonymous live prompts (text,
commitment, scale) in random orders (:mod:`tests.privacy.world`); copies of the database are taken
before the last reveal and at the end: the SQLite file with its ``-wal`` (read cell by cell, and
as ``.dump`` would write it), or ``pg_dump`` with the live tables and their ``xmin`` and ``ctid``.
Every attack of :mod:`tests.privacy.attacks` is tried on every copy, and none may get more right
than blind chance would with a probability of one in a million.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.privacy import attacks
from tests.privacy.pairing import SIGNIFICANCE, chance_of_at_least, count_right
from tests.privacy.world import CIRCLES, MEMBERS, World, play


@pytest.fixture(scope="module")
def world(app: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from play(app, Path(tmp_path_factory.mktemp("attack")))


def _truth(world: World) -> dict[Any, Any]:
    return {**world.truth.checkins, **world.truth.answers}


def test_the_copies_hold_every_answer_in_the_clear_for_the_attacks_to_work_on(world):
    """The attacks below have material: at the end every answer is readable in the copy."""
    holder = attacks.Holder(world.copies["at the end"])
    assert len(attacks._checkin_items(holder)) == CIRCLES * MEMBERS
    answers = [
        r for r in holder.rows("live_responses") if r["prompt_id"] in world.truth.prompt_circle
    ]
    passes = sum(len(passers) for passers in world.truth.passed.values())
    assert passes and len(answers) == 3 * CIRCLES * MEMBERS - passes


COPIES = ["while check-ins wait", "before the last reveal", "at the end"]


@pytest.mark.parametrize("copy", COPIES)
def test_no_pairing_of_anonymous_content_with_people_beats_chance(world, copy):
    holder = attacks.Holder(world.copies[copy])
    truth = _truth(world)
    tried, beaten = [], []
    for attack in attacks.ALL:
        for name, attempt in attack(holder, world.truth).items():
            right = count_right(attempt.guesses, truth)
            chance = chance_of_at_least(right, attempt.groups)
            tried.append(name)
            line = f"{name}: {right} of {sum(attempt.groups)} right (chance {float(chance):.2g})"
            if chance < SIGNIFICANCE:
                beaten.append(line)
    assert tried, "no attack had anything to work on"
    assert not beaten, "\n".join(beaten)


@pytest.mark.parametrize("copy", COPIES)
def test_no_copy_says_who_passed(world, copy):
    """A pass is indistinguishable from an answer to the other members (PRODUCT.md C5), and to
    whoever holds the database: no value, size or missing row sets the passers apart."""
    assert attacks.who_passed(attacks.Holder(world.copies[copy]), world.truth) == []
