"""Scoring an attacker's pairing of anonymous content with people against blind chance.

In a group of n whose anonymous items sit in an order unrelated to the people, any pairing the
attacker makes is a random permutation: its number of right pairs follows the rencontres
distribution, about one right whatever n is. Over several groups the counts add up. An attack
"beats chance" when it gets a count that chance reaches with probability below one in a million:
a correct implementation passes all but once in a million runs, and a real leak fails at once
(the code before this test paired ten of ten in every circle).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from fractions import Fraction
from math import comb, factorial
from typing import Any

#: Chance reaches a count at or above the bound with a probability below this.
SIGNIFICANCE = Fraction(1, 1_000_000)


def _derangements(n: int) -> int:
    values = [1, 0]
    for m in range(2, n + 1):
        values.append((m - 1) * (values[m - 1] + values[m - 2]))
    return values[n]


def fixed_points(n: int) -> list[Fraction]:
    """P(j of n are right) for a random pairing of n items with n people, j = 0..n."""
    return [Fraction(comb(n, j) * _derangements(n - j), factorial(n)) for j in range(n + 1)]


def chance_of_at_least(right: int, groups: Iterable[int]) -> Fraction:
    """The probability that random pairings in groups of these sizes get ``right`` or more."""
    total = [Fraction(1)]
    for n in groups:
        step = fixed_points(n)
        combined = [Fraction(0)] * (len(total) + len(step) - 1)
        for i, p in enumerate(total):
            for j, q in enumerate(step):
                combined[i + j] += p * q
        total = combined
    return sum(total[right:], Fraction(0))


def count_right(guesses: Iterable[tuple[Any, Any]], truth: dict[Any, Any]) -> int:
    """How many (person, item) guesses pair an item with the person who gave it."""
    return sum(1 for person, item in guesses if truth.get(item) == person)


def zip_orders(people: Sequence[Hashable], items: Sequence[Hashable]) -> list[tuple[Any, Any]]:
    """The attacker's pairing by position: the i-th person with the i-th item."""
    return list(zip(people, items, strict=False))


def rank_by(values: dict[Any, Any]) -> list[Any]:
    """Keys from the smallest value to the largest (ties keep the order given)."""
    return sorted(values, key=lambda key: values[key])
