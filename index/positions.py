"""A compact on-disk form for the word positions of a posting.

Whoosh's own `Positions` format pickles each posting's position list and prefixes it with a
four-byte count: a word that occurs once in an agenda item costs 13 bytes, and most postings
are like that. Here the gaps between positions are one array of the smallest unsigned type
that holds them, after a one-byte type code: 2 bytes for that same posting, read back by C
code (`array.frombytes`) instead of unpickling.
"""

from __future__ import annotations

import sys
from array import array
from itertools import accumulate
from operator import sub

import numpy as np
from whoosh import formats

from .arrays import ranges

_TYPES = (("B", 0xFF), ("H", 0xFFFF), ("I", 0xFFFFFFFF))
# The same codes as NumPy types (byte value of the code -> little-endian unsigned type), for
# readers that decode many values at once.
CODE_TYPES = {ord(code): np.dtype(f"<u{array(code).itemsize}") for code, _ in _TYPES}


def smallest_array(values) -> array:
    """Non-negative whole numbers in the smallest unsigned array type that holds them."""
    biggest = max(values, default=0)
    return array(next(code for code, limit in _TYPES if biggest <= limit), values)


def little_endian(values: array) -> bytes:
    """The bytes of an array in the byte order of the index files (little-endian)."""
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def from_little_endian(typecode: str, raw: bytes) -> array:
    """The array that `little_endian` turned into `raw`."""
    values = array(typecode)
    values.frombytes(raw)
    if sys.byteorder == "big":
        values.byteswap()
    return values


class Analysed(tuple):
    """A field value analysed before it reaches Whoosh's writer: the (term, frequency, weight,
    encoded positions) items Whoosh would make of it, kept as (terms in UTF-8 joined by
    newlines, frequencies, sizes of the encoded positions, the encoded positions one after the
    other, the format's boost). The indexer analyses in worker processes while the writer
    process only writes: in this form an agenda item crosses the pipe as a few byte strings
    instead of some 200 tuples, which cost the writer more to unpickle than to write. A
    tuple, so that Whoosh's type check lets it through; `items` gives Whoosh's items."""

    def items(self):
        """(term, frequency, weight, encoded positions) per term, as Whoosh's format makes
        them."""
        names, counts, sizes, data, boost = self
        at = 0
        # Not strict: the names of an empty value split into one empty string.
        for name, count, size in zip(names.split(b"\n"), counts, sizes, strict=False):
            yield name.decode("utf-8"), count, count * boost, data[at:at + size]
            at += size


def analysed(field, text: str, terms) -> Analysed:
    """`text` analysed for a `compact` field, as Whoosh's writer would make it with the
    field's analyzer; `terms` (text -> {term: positions}) is a direct form of that analyzer
    that skips Whoosh's token objects (`tests/test_writer.py` compares the two)."""
    format_ = field.format
    encode = format_.encode
    found = terms(text)
    places = found.values()
    # Most postings hold one position, most others only positions below 256: their
    # encodings (`encode`'s bytes) without a method call.
    single = _SINGLE
    values = [single[p[0]] if len(p) == 1 and p[0] <= 0xFF
              else b"B" + bytes(map(sub, p, [0, *p])) if p[-1] <= 0xFF
              else encode(p) for p in places]
    # Index terms are words (`analysis.WORD`): no newline in them.
    return Analysed(("\n".join(found).encode("utf-8"), array("i", map(len, places)),
                     array("i", map(len, values)),
                     b"".join(values), format_.field_boost))


# The encoding of one position below 256, made once.
_SINGLE = [b"B" + bytes([p]) for p in range(256)]


class CompactPositions(formats.Positions):
    """Whoosh's `Positions` (phrases, frequency, weight) with a smaller encoding."""

    def word_values(self, value, analyzer, **kwargs):
        if isinstance(value, Analysed):
            return value.items()
        return super().word_values(value, analyzer, **kwargs)

    def encode(self, poslist) -> bytes:
        if len(poslist) == 1 and 0 <= poslist[0] <= 0xFF:  # most postings
            return _SINGLE[poslist[0]]
        gaps = list(map(sub, poslist, [0, *poslist]))
        if max(gaps, default=0) <= 0xFF:  # the same bytes as an array of type "B", made faster
            return b"B" + bytes(gaps)
        gaps = smallest_array(gaps)
        return gaps.typecode.encode("ascii") + little_endian(gaps)

    def _gaps(self, valuestring: bytes) -> array:
        return from_little_endian(chr(valuestring[0]), valuestring[1:])

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return list(accumulate(self._gaps(valuestring)))

    def decode_frequency(self, valuestring: bytes) -> int:
        return (len(valuestring) - 1) // array(chr(valuestring[0])).itemsize


def compact(field):
    """`field` (a Whoosh TEXT field with positions) storing them compactly."""
    field.format = CompactPositions(field_boost=field.format.field_boost)
    return field


def decode_packed(data: bytes, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Many `CompactPositions` values, joined in `data`, with the length of each, decoded at
    once: (positions per value, all positions one value after the other)."""
    starts = np.cumsum(lengths) - lengths
    raw = np.frombuffer(data, dtype=np.uint8)
    codes = raw[starts]
    sizes = np.zeros(256, dtype=np.int64)
    for code, dtype in CODE_TYPES.items():
        sizes[code] = dtype.itemsize
    if not sizes[codes].all():
        raise ValueError("unknown position encoding")
    counts = (lengths - 1) // sizes[codes]
    slots = np.cumsum(counts) - counts
    gaps = np.empty(int(counts.sum()), dtype=np.int64)
    for code, dtype in CODE_TYPES.items():
        chosen = codes == code
        if chosen.any():
            part = raw[ranges(starts[chosen] + 1, lengths[chosen] - 1)]
            gaps[ranges(slots[chosen], counts[chosen])] = part.view(dtype)
    total = np.cumsum(gaps)
    base = np.concatenate(([0], total))[slots]
    return counts, total - np.repeat(base, counts)
