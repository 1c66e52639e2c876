"""Facets: their specs, and counting them fast from per-document arrays.

Whoosh's generic grouping costs tens to hundreds of milliseconds per query. Instead, each
searcher generation reads every facet field's postings once into flat NumPy arrays of
(document, value) pairs; a query then counts with one `bincount` over its matched documents.
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
    """All (document, value) pairs of one facet field, ordered by document, with where each
    document's pairs start (so a query reads the pairs of its matches only)."""

    def __init__(self, reader, fieldname: str, size: int):
        column = term_column(reader, fieldname)
        self.values = column.values
        self.index = {value: code for code, value in enumerate(self.values)}
        docs, codes = column.docs, column.codes
        if docs.size and (np.diff(docs) < 0).any():  # saved by an older version: by value
            order = np.argsort(docs, kind="stable")
            docs, codes = docs[order], codes[order]
        # 32-bit (document numbers stay below 2**31): every search process holds these.
        self.docs = docs.astype(np.int32)
        self.codes = codes
        self.size = size
        self.starts = np.searchsorted(docs, np.arange(size + 1)).astype(np.int32)
        self.per_document = np.diff(self.starts)  # pairs of each document
        # Each value's place in case-blind alphabetical order (ties in value order): the
        # tie-break of "most frequent first", without sorting hundreds of names per query.
        by_name = np.argsort([v.lower() for v in self.values], kind="stable")
        self.name_rank = np.empty(len(self.values), dtype=np.int64)
        self.name_rank[by_name] = np.arange(len(self.values))
        # A field with at most one value per document (year, month): each document's value
        # (len(values) for none), so that counting reads one number per match.
        self.single = None
        if not (self.per_document > 1).any():
            self.single = np.full(size, len(self.values), dtype=np.int32)
            self.single[docs] = codes

    def count(self, docnums: np.ndarray, selected: np.ndarray) -> np.ndarray:
        """Documents per value among `docnums` (ascending; `selected` is the same as a mask).
        A few matches: read their own pairs; many: scan all pairs once."""
        if self.single is not None:
            return np.bincount(self.single[docnums], minlength=len(self.values) + 1)[:-1]
        if docnums.size * 4 < self.size:
            first = self.starts[docnums]
            inside = self.codes[ranges(first, self.starts[docnums + 1] - first)]
        else:
            # Each document's flag repeated over its pairs: faster than looking it up per pair.
            inside = self.codes[np.repeat(selected, self.per_document)]
        return np.bincount(inside, minlength=len(self.values))

    def having(self, value: str, size: int) -> np.ndarray:
        mask = np.zeros(size, dtype=bool)
        code = self.index.get(value)
        if code is not None:
            mask[self.docs[self.codes == code]] = True
        return mask


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

    def selection(self, docnums: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[docnums] = True
        return mask

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
        """Facet values with their counts over the matched documents."""
        selected = self.selection(docnums)
        facets = {}
        for spec in FACETS:
            column = self.columns[spec.name]
            counts = column.count(docnums, selected)
            found = np.flatnonzero(counts)
            if spec.order == "count":
                found = found[np.lexsort((column.name_rank[found], -counts[found]))]
            pairs = [(column.values[i], int(counts[i])) for i in found.tolist()]
            if spec.order == "value":
                pairs = _newest_first(pairs)
            pairs = pairs[:limit]
            facets[spec.name] = [
                FacetValue(None if value == UNKNOWN else value, count) for value, count in pairs
            ]
        return facets


def _newest_first(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Years or months, newest first; the bucket of unknown dates last."""
    known = sorted((p for p in pairs if p[0] != UNKNOWN), reverse=True)
    return known + [p for p in pairs if p[0] == UNKNOWN]
