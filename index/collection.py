"""Fewer runs of Python's cyclic garbage collector while indexing.

The indexer makes and drops millions of small containers (an agenda item's fields, a
value's terms) and keeps large long-lived ones (vocabularies, caches, the manifest). With
the default thresholds the collector ran every 700 new containers and now and then walked
all the long-lived ones: 5-7 s of the writer's CPU in a 100,000-item run, and a share of
every worker's. The indexer's data holds no reference cycles that must be freed early, so
collecting less often only lets a little garbage wait.
"""

from __future__ import annotations

import contextlib
import gc

# New containers between collections of the youngest generation (Python's default: 700).
YOUNG_THRESHOLD = 50_000


def collect_less() -> None:
    """From now on in this process: leave what exists to the collector's permanent
    generation (it is never walked again) and collect young objects less often. For worker
    processes, which live for one run."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


@contextlib.contextmanager
def collecting_less():
    """`collect_less` for the length of a block; the collector's settings are restored
    after it (the indexer also runs inside the web process's tests and tools)."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@contextlib.contextmanager
def not_collecting():
    """No cyclic collection for the length of a block (building many containers that all
    live until its end: walking them again and again found nothing)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
