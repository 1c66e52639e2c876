"""Facets: their specs, and counting them fast from per-document arrays.

Whoosh's generic grouping costs tens to hundreds of milliseconds per query. Instead, each
searcher generation reads every facet field's postings once into NumPy arrays (a value per
document, bitmaps of frequent values, (document, value) pairs of the rest); a query then
counts with a `bincount` over its matched documents and a bit count per bitmap.
Filtering works on the same arrays, so filters narrow the set without touching scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.arrays import ranges
from index.columns import term_column
from index.schema import UNKNOWN

from .access import AccessColumn
from .columns import numbers
from .results import FacetValue


@dataclass(frozen=True)
class FacetSpec:
    """A facet: its name in JSON/URLs, the index field behind it, its Dutch label, its order."""

    name: str
    field: str
    label: str
    order: str  # "count": most frequent first; "value": newest (highest) value first


FACETS = (
    FacetSpec("year", "year", "Jaar", "value"),
    FacetSpec("month", "month", "Maand", "value"),
    FacetSpec("topic", "topic", "Onderwerp", "count"),
    FacetSpec("actor", "actor", "Actor", "count"),
)
FACET_BY_NAME = {spec.name: spec for spec in FACETS}


class _Column:
    """One facet field's (document, value) pairs, kept in the form that counts fastest.

    A field with at most one value per document (year, month) keeps each document's value. In
    a field with several (topic, actor) a few values sit on thousands of documents each and
    hold most of the pairs: each of those is a bitmap over all documents, counted with one
    AND and a bit count whatever the number of matches. The rest stay (document, value)
    pairs ordered by document, so a query reads the pairs of its own matches only.
    """

    # A value on at least this share of all documents gets a bitmap (1/64: its bitmap is no
    # larger than its pairs would be).
    BITMAP_SHARE = 1 / 64

    def __init__(self, reader, fieldname: str, size: int):
        column = term_column(reader, fieldname)
        self.values = column.values
        self.index = {value: code for code, value in enumerate(self.values)}
        docs, codes = column.docs, column.codes
        if docs.size and (np.diff(docs) < 0).any():  # saved by an older version: by value
            order = np.argsort(docs, kind="stable")
            docs, codes = docs[order], codes[order]
        self.size = size
        # Each value's place in case-blind alphabetical order (ties in value order): the
        # tie-break of "most frequent first", without sorting hundreds of names per query.
        by_name = np.argsort([v.lower() for v in self.values], kind="stable")
        self.name_rank = np.empty(len(self.values), dtype=np.int64)
        self.name_rank[by_name] = np.arange(len(self.values))
        self.single = None
        self.heavy = np.zeros(0, dtype=np.intp)  # the values with a bitmap
        self.row_of = np.full(len(self.values), -1, dtype=np.intp)  # a value's bitmap, or -1
        self.bitmaps = np.zeros((0, _words(size)), dtype=np.uint64)
        if not (np.diff(docs) == 0).any():
            # Each document's value (len(values) for none): counting reads one number a match.
            self.single = np.full(size, len(self.values), dtype=np.int32)
            self.single[docs] = codes
        else:
            documents = np.bincount(codes, minlength=len(self.values))
            self.heavy = np.flatnonzero(documents >= max(1, size * self.BITMAP_SHARE))
            self.row_of[self.heavy] = np.arange(self.heavy.size)
            rows = self.row_of[codes]
            bitmaps = np.zeros((self.heavy.size, _words(size) * 64), dtype=bool)
            bitmaps[rows[rows >= 0], docs[rows >= 0]] = True
            self.bitmaps = _bits(bitmaps)
            docs, codes = docs[rows < 0], codes[rows < 0]
        # The remaining pairs (all of them without bitmaps). 32-bit (document numbers stay
        # below 2**31): every search process holds these.
        self.docs = docs.astype(np.int32)
        self.codes = codes
        self.starts = np.searchsorted(docs, np.arange(size + 1)).astype(np.int32)
        self.per_document = np.diff(self.starts)  # pairs of each document

    def count(self, selection: _Selection) -> np.ndarray:
        """Matched documents per value."""
        docnums = selection.docnums
        if self.single is not None:
            return np.bincount(self.single[docnums], minlength=len(self.values) + 1)[:-1]
        if docnums.size * 4 < self.size:
            first = self.starts[docnums]
            inside = self.codes[ranges(first, self.starts[docnums + 1] - first)]
        else:
            # Each document's flag repeated over its pairs: faster than looking it up per pair.
            inside = self.codes[np.repeat(selection.mask, self.per_document)]
        counts = np.bincount(inside, minlength=len(self.values))
        if self.heavy.size:
            counts[self.heavy] = np.bitwise_count(self.bitmaps & selection.bits).sum(axis=1)
        return counts

    def having(self, value: str, size: int) -> np.ndarray:
        mask = np.zeros(size, dtype=bool)
        code = self.index.get(value)
        if code is None:
            return mask
        if self.single is not None:
            return self.single[:size] == code
        if self.row_of[code] >= 0:
            bits = self.bitmaps[self.row_of[code]].view(np.uint8)
            return np.unpackbits(bits, count=size, bitorder="little").view(bool)
        mask[self.docs[self.codes == code]] = True
        return mask


def _words(size: int) -> int:
    """64-bit words of a bitmap over `size` documents."""
    return (size + 63) // 64


def _bits(flags: np.ndarray) -> np.ndarray:
    """Boolean rows (of a multiple of 64 columns) as rows of 64-bit words."""
    return np.packbits(flags, axis=-1, bitorder="little").view(np.uint64)


class _Selection:
    """The matched documents in the three forms the columns count from, each made once."""

    def __init__(self, docnums: np.ndarray, size: int):
        self.docnums = docnums
        self.size = size
        self._flags = self._bits = None

    @property
    def mask(self) -> np.ndarray:
        return self.flags[: self.size]

    @property
    def flags(self) -> np.ndarray:
        """The mask padded to whole 64-bit words (what `bits` packs)."""
        if self._flags is None:
            self._flags = np.zeros(_words(self.size) * 64, dtype=bool)
            self._flags[self.docnums] = True
        return self._flags

    @property
    def bits(self) -> np.ndarray:
        if self._bits is None:
            self._bits = _bits(self.flags)
        return self._bits


class FacetTable:
    """Facet columns, meeting dates and access labels of one searcher generation (build once,
    then share)."""

    def __init__(self, reader):
        self.size = reader.doc_count_all()
        self.columns = {spec.name: _Column(reader, spec.field, self.size) for spec in FACETS}
        self.access = AccessColumn(reader, self.size)
        dates = numbers(reader, "date_num", self.size)
        # Whoosh fills a missing number with the type's maximum: make "no date" 0.
        dates[(dates < 10000101) | (dates > 99991231)] = 0
        self.dates = dates
        # Deleted documents keep their numbers until segments merge; they never match.
        if reader.has_deletions():
            self.live = np.zeros(self.size, dtype=bool)
            self.live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        else:
            self.live = np.ones(self.size, dtype=bool)

    def filter_mask(self, topics, actors, date_from: int | None, date_to: int | None,
                    access: frozenset[str]):
        """Documents the viewer holding `access` may see that carry every topic and actor asked
        for and lie in the date range."""
        mask = self.live & self.access.visible(access)
        for name, values in (("topic", topics), ("actor", actors)):
            for value in values:
                mask &= self.columns[name].having(value, self.size)
        if date_from is not None:
            mask &= self.dates >= date_from
        if date_to is not None:
            mask &= (self.dates <= date_to) & (self.dates > 0)
        return mask

    def counts(self, docnums: np.ndarray, limit: int | None = None) -> dict[str, list]:
        """Facet values with their counts over the matched documents (the `limit` first of
        each facet)."""
        selection = _Selection(docnums, self.size)
        facets = {}
        for spec in FACETS:
            column = self.columns[spec.name]
            counts = column.count(selection)
            found = np.flatnonzero(counts)
            if spec.order == "count":
                found = found[np.lexsort((column.name_rank[found], -counts[found]))][:limit]
            pairs = [(column.values[i], int(counts[i])) for i in found.tolist()]
            if spec.order == "value":
                pairs = _newest_first(pairs)[:limit]
            facets[spec.name] = [
                FacetValue(None if value == UNKNOWN else value, count) for value, count in pairs
            ]
        return facets


def _newest_first(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Years or months, newest first; the bucket of unknown dates last."""
    known = sorted((p for p in pairs if p[0] != UNKNOWN), reverse=True)
    return known + [p for p in pairs if p[0] == UNKNOWN]
