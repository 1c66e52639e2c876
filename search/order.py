"""The first rows of a sort order without sorting every row."""

from __future__ import annotations

import numpy as np

# Below this many rows per row wanted, a full sort is as quick as selecting first.
SELECT_FROM = 4


def first_in_order(tier: np.ndarray, key: np.ndarray, tie: np.ndarray, count: int
                   ) -> np.ndarray:
    """Indices of the first `count` rows in the order of `np.lexsort((tie, key, tier))`
    (by tier, then key, then tie), the same rows in the same order.

    A page needs ten or fifty of tens of thousands of matches: each tier's rows up to the
    `count`-th smallest key (all rows tied with it included, so ties still break by `tie`)
    are found in linear time, and only those are sorted.
    """
    if count <= 0:
        return np.zeros(0, dtype=np.intp)
    if key.size <= SELECT_FROM * count:
        return np.lexsort((tie, key, tier))[:count]
    groups = [np.flatnonzero(tier == t) for t in np.unique(tier)] if tier.any() else [None]
    chosen = []
    left = count
    for group in groups:
        keys = key if group is None else key[group]
        if keys.size > left:
            threshold = np.partition(keys, left - 1)[left - 1]
            inside = np.flatnonzero(keys <= threshold)
            group = inside if group is None else group[inside]
        elif group is None:
            group = np.arange(keys.size)
        chosen.append(group)
        left -= min(left, group.size)
        if left == 0:
            break
    rows = np.concatenate(chosen)
    return rows[np.lexsort((tie[rows], key[rows], tier[rows]))][:count]
