"""What a reveal shows at a glance: counts of each value (and the mean of a scale).

A summary is computed from the responses the reveal sends (hidden ones left out), so it says
nothing the responses themselves do not: who gave which answer is no more known than before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from circles.live.models import PromptKind

#: A word cloud shows at most this many words (the most frequent).
MAX_WORDS = 60


def summary(
    kind: PromptKind,
    options: Sequence[str] | None,
    scale: dict[str, Any] | None,
    values: Sequence[Any],
) -> dict[str, Any] | None:
    """``{"n", "counts"}`` for the reveal of a scale, choice, pick or word prompt, else None.

    ``values`` are the responses' values as sent (numbers, lists of indexes, words). Scale:
    counts for ``min`` to ``max`` in order, and the mean to one decimal (None without answers).
    Choice and pick: counts per option. Word: ``words``, most frequent first, and their counts.
    """
    if not kind.summarised:
        return None
    data: dict[str, Any] = {"n": len(values)}
    if kind == PromptKind.SCALE:
        low, high = (scale or {}).get("min", 0), (scale or {}).get("max", 10)
        tally = Counter(values)
        data["counts"] = [tally.get(value, 0) for value in range(low, high + 1)]
        data["mean"] = round(sum(values) / len(values), 1) if values else None
    elif kind == PromptKind.WORD:
        common = sorted(Counter(values).items(), key=lambda item: (-item[1], item[0]))
        common = common[:MAX_WORDS]
        data["words"] = [word for word, _ in common]
        data["counts"] = [count for _, count in common]
    else:
        picked = Counter(
            index for value in values for index in (value if isinstance(value, list) else [value])
        )
        data["counts"] = [picked.get(index, 0) for index in range(len(options or []))]
    return data
