"""Process settings for the production server (see :mod:`circles.wsgi`)."""

from __future__ import annotations

import gc

#: Allocations between young-generation collections (CPython's default is 700).
YOUNG_COLLECTION_EVERY = 50_000


def tune_garbage_collector() -> None:
    """Keep the cyclic garbage collector from pausing a busy live server.

    A process holding a thousand sockets tracks a few hundred thousand objects. With CPython's
    defaults, the short-lived objects of every event (answers waiting for their batch) reach
    the oldest generation, and under load a full collection runs every second or two, scanning
    everything for 0.1-0.3 s while no socket is served (docs/benchmarks.md). So what exists once
    the app is built (modules, models, compiled statements) is frozen out of collection for
    good, and young collections run every 50,000 allocations instead of every 700, so that an
    event's objects are freed by reference counting before they can age. Cycles are still
    collected, only less often.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
