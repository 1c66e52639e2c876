"""Whole Whoosh columns (field lengths, sortable numbers) as NumPy arrays.

Whoosh hands out column values one document at a time; at 100,000 agenda items that is a
few hundred thousand Python calls every time an index generation is opened. A numeric column
is stored as one fixed-width big-endian array per segment, so it can be read in one go.
Columns of another layout fall back to Whoosh's per-document reads.
"""

from __future__ import annotations

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.util.numeric import byte_to_length

# Whoosh stores a field length as one byte on a log scale; this is its decoding table.
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def field_lengths(reader, field: str, size: int) -> np.ndarray:
    """Every document's length of `field` (in terms), as Whoosh's BM25F scorer sees it;
    1 for a document without the field (Whoosh's scorer default)."""
    lengths = np.ones(size, dtype=np.float64)
    for leaf, offset in reader.leaf_readers():
        perdoc = getattr(leaf, "_perdoc", None)
        column = perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN) if perdoc else None
        count = leaf.doc_count_all()
        raw = _raw_numbers(column, count) if column is not None else None
        if raw is not None:
            lengths[offset : offset + count] = np.where(raw > 0, _LENGTHS[raw], 1.0)
        else:
            lengths[offset : offset + count] = [
                leaf.doc_field_length(d, field, 1) or 1 for d in range(count)
            ]
    return lengths


def numbers(reader, field: str, size: int) -> np.ndarray:
    """Every document's value of a sortable NUMERIC `field` (Whoosh's default for a document
    without one)."""
    values = np.zeros(size, dtype=np.int64)
    for leaf, offset in reader.leaf_readers():
        count = leaf.doc_count_all()
        if not leaf.has_column(field):
            continue
        column = leaf.column_reader(field, translate=False)
        raw = _raw_numbers(column, count)
        if raw is None:
            raw = [column[d] for d in range(count)]
        values[offset : offset + count] = raw
    return values


def _raw_numbers(column, count: int) -> np.ndarray | None:
    """The values of a Whoosh NumericColumn reader as an array, or None for another layout."""
    try:
        dbfile, base, stored = column._dbfile, column._basepos, column._count
        width, typecode, default = column._fixedlen, column._typecode, column._default
    except AttributeError:
        return None
    dtype = np.dtype(typecode).newbyteorder(">")
    if dtype.itemsize != width or dtype.kind not in "iuf":
        return None
    values = np.full(count, default, dtype=dtype.newbyteorder("="))
    stored = min(stored, count)
    if stored:
        data = dbfile.get(base, stored * width)
        values[:stored] = np.frombuffer(data, dtype=dtype, count=stored)
    return values
