"""Small NumPy helpers shared by the indexer's flat postings and the vectorised search."""

from __future__ import annotations

import numpy as np


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indexes start..start+length of every (start, length), one after the other."""
    before = np.cumsum(lengths) - lengths
    return np.repeat(starts - before, lengths) + np.arange(int(lengths.sum()))


def encode_varints(values: np.ndarray) -> np.ndarray:
    """Non-negative whole numbers as variable-length bytes (7 bits per byte, low first; the
    high bit marks a byte that is followed by another of the same number)."""
    values = np.asarray(values, dtype=np.int64)
    sizes = varint_sizes(values)
    owner = np.repeat(np.arange(values.size), sizes)
    place = np.arange(owner.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    out = ((values[owner] >> (7 * place)) & 0x7F).astype(np.uint8)
    out[place < sizes[owner] - 1] |= 0x80
    return out


def varint_sizes(values: np.ndarray) -> np.ndarray:
    """How many bytes `encode_varints` gives each number."""
    sizes = np.ones(values.size, dtype=np.int64)
    for bits in range(7, 63, 7):
        wider = values >= (1 << bits)
        if not wider.any():
            break
        sizes += wider
    return sizes


def decode_varints(raw: np.ndarray) -> np.ndarray:
    """The numbers `encode_varints` made `raw` of."""
    raw = np.asarray(raw, dtype=np.uint8)
    last = raw < 0x80
    if last.all():  # every number below 128: most gaps between documents of a common word
        return raw.astype(np.int64)
    ends = np.flatnonzero(last)
    starts = np.concatenate(([0], ends[:-1] + 1))
    place = np.arange(raw.size) - np.repeat(starts, ends - starts + 1)
    return np.add.reduceat((raw & 0x7F).astype(np.int64) << (7 * place), starts)
