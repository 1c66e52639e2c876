"""A small least-recently-used cache shared by the search code (results, term postings,
decoded position blocks)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable


class LRUCache:
    """A thread-safe map that forgets its least recently used entries beyond a budget: a
    number of entries, or, with `size`, a total of what `size` measures (bytes). The newest
    entry always stays, even when it alone is over the budget."""

    def __init__(self, budget: int, size: Callable[[object], int] | None = None):
        self.budget = budget
        self._size = size or (lambda value: 1)
        self._items: OrderedDict = OrderedDict()
        self.total = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.total -= self._size(old)
            self._items[key] = value
            self.total += self._size(value)
            while self.total > self.budget and len(self._items) > 1:
                self.total -= self._size(self._items.popitem(last=False)[1])

    def __len__(self) -> int:
        return len(self._items)
