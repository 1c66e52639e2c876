"""Results of a process pool in the order the tasks were given, with a bounded number of
tasks in flight (the indexer's reading workers, the commit's block encoders)."""

from __future__ import annotations

import collections
import itertools
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor


def in_order(pool: Executor, function: Callable, tasks: Iterable, ahead: int) -> Iterator:
    """`function(task)` per task, run in `pool`, yielded in task order; at most `ahead`
    tasks are submitted and not yet yielded, which bounds the memory of finished results
    the caller has not taken. A task's exception (BrokenProcessPool when a worker dies) is
    raised where its result would be yielded."""
    upcoming = iter(tasks)
    waiting = collections.deque(pool.submit(function, task)
                                for task in itertools.islice(upcoming, ahead))
    while waiting:
        future = waiting.popleft()
        waiting.extend(pool.submit(function, task) for task in itertools.islice(upcoming, 1))
        yield future.result()
