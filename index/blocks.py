"""Posting blocks that unpickle fast and compress well.

Whoosh 2.7.5 stores each block of up to 128 postings as a zlib-compressed pickle (protocol 2)
of (document gaps, weights, values). Protocol 2 has no opcode for bytes: every posting's value
(its encoded positions) is pickled as a call of `codecs.encode` on a latin-1 string, and
every number as an opcode of its own. Unpickling such a block took ~95 µs, and on a large
index a search reads hundreds of blocks. Here each of the three parts is one typed byte string,
rebuilt on unpickling by a function of this module: ~10 µs a block, and blocks 60 % smaller
after compression.

Whoosh reads these blocks with its own code: gaps and weights come back as `array.array`
(which it iterates and indexes like the tuples it wrote itself), values as `PackedValues`, a
sequence of bytes. Indexes written before, and blocks of fewer than PACK_MIN postings, keep
the tuples; readers accept both. The pickles name `index.blocks.numbers` and
`index.blocks.packed_values`: those names are part of the index format and must not move.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import accumulate
from operator import sub

from .positions import from_little_endian, little_endian, smallest_array

# Blocks of fewer postings keep Whoosh's tuples: each byte string costs its pickle some 30
# bytes of function names, more than a few postings save (most terms have one or two).
PACK_MIN = 8


def numbers(typecode: str, raw: bytes) -> array:
    """Numbers stored as little-endian bytes, back as an array (called by the unpickler)."""
    return from_little_endian(typecode, raw)


class _Numbers:
    """Numbers that pickle as one byte string (as `numbers(typecode, raw)`)."""

    __slots__ = ("values",)

    def __init__(self, values: array):
        self.values = values

    def __reduce__(self):
        return numbers, (self.values.typecode, little_endian(self.values))


def packed_values(data: bytes, typecode: str, raw_sizes: bytes) -> PackedValues:
    """The unpickler's way back to `PackedValues`."""
    return PackedValues(data, numbers(typecode, raw_sizes))


class PackedValues(Sequence):
    """The values of a block as one byte string and the size of each."""

    __slots__ = ("data", "sizes", "_ends")

    def __init__(self, data: bytes, sizes: array):
        self.data = data
        self.sizes = sizes
        self._ends: list[int] | None = None

    def __len__(self) -> int:
        return len(self.sizes)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if self._ends is None:
            self._ends = [0, *accumulate(self.sizes)]
        if i < 0:
            i += len(self.sizes)
        if not 0 <= i < len(self.sizes):
            raise IndexError("value index out of range")
        return self.data[self._ends[i]:self._ends[i + 1]]

    def __reduce__(self):
        return packed_values, (self.data, self.sizes.typecode, little_endian(self.sizes))


def block_parts(ids, weights: array, sizes, data, at: int, fixed: int | None,
                valued: bool = False) -> tuple:
    """The (document gaps, weights, values) of one block as it is pickled: packed from
    PACK_MIN postings on, else as Whoosh's block writer minifies them.

    `weights` are the block's weights as Whoosh keeps them (`array("f")`); `sizes` the size of
    each posting's value (-1: none) and `data` the values one after the other from `at`;
    `fixed` the format's fixed value size (None: values vary); `valued` that every size is
    known to be above 0. Empty values are dropped, as Whoosh's `add_posting` drops them."""
    packed = len(ids) >= PACK_MIN
    gaps = [ids[0], *map(sub, ids[1:], ids)]
    return (_Numbers(smallest_array(gaps)) if packed else tuple(gaps),
            _weights(weights, packed), _values(sizes, data, at, fixed, packed, valued))


def _weights(weights: array, packed: bool):
    # Counted in C: every weight 1.0 is the common case.
    if weights.count(1.0) == len(weights):
        return None
    first = weights[0]
    if first == first and weights.count(first) == len(weights):  # (NaN equals nothing)
        return first
    return _Numbers(weights) if packed else tuple(weights)


def _values(sizes, data, at: int, fixed: int | None, packed: bool, valued: bool):
    if fixed == 0:
        return None
    if packed and fixed is None and (valued or all(s > 0 for s in sizes)):  # one slice
        return PackedValues(bytes(data[at:at + sum(sizes)]), smallest_array(sizes))
    bounds = list(accumulate((max(s, 0) for s in sizes), initial=at))
    values = [bytes(data[bounds[i]:bounds[i + 1]]) for i, s in enumerate(sizes) if s > 0]
    if fixed is not None:
        return b"".join(values)
    if packed:
        return PackedValues(b"".join(values), smallest_array([len(v) for v in values]))
    return tuple(values)
