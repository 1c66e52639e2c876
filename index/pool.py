"""The postings a writer gathers before commit, in memory.

Whoosh's writer sends every posting through an external merge sort: postings are pickled to
temporary run files in batches and merged back with a heap, one Python object at a time.
Here they stay in memory, compactly, and are sorted by term once, at commit.

The analysed full-text values (most postings) go into columns per field (`FieldColumns`): a
value is added with a few calls into C, whatever its number of terms, and NumPy sorts the
columns by term at commit (`SortedTerms`; the commit's encoding processes cut each term's
postings from them). Postings of other fields and of merged segments are grouped per term as
they come (`MemoryPool.add`, `add_postings`).
"""

from __future__ import annotations

from array import array
from itertools import accumulate

import numpy as np

from .arrays import ranges
from .blocks import PackedValues


class MemoryPool:
    """The postings of one writer, in memory, grouped by field and term."""

    def __init__(self):
        # field -> term -> (documents, weights, value lengths (-1: None), values one after
        # the other)
        self._fields: dict[str, dict[bytes, tuple[array, array, array, bytearray]]] = {}
        # field -> its analysed values
        self._columns: dict[str, FieldColumns] = {}
        # Set when a posting came after one of a later document (merging segments):
        # terms are then sorted by document when read.
        self._unordered = False

    def _terms_of(self, fieldname: str) -> dict:
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
        return terms

    def add(self, item) -> None:
        """Add one (field name, term bytes, document number, weight, value bytes) posting."""
        fieldname, tbytes, docnum, weight, vbytes = item
        self.add_known(fieldname, docnum, ((tbytes, None, weight, vbytes),), 1.0)

    def add_known(self, fieldname: str, docnum: int, postings: tuple, boost: float) -> None:
        """Add the postings a field value made ((term bytes, frequency, weight, value bytes)
        each, as Whoosh's `field.index` makes them) to document `docnum`, weights times
        `boost`: `add` without a tuple per posting."""
        if not postings:  # (an empty value) no field without terms
            return
        terms = self._terms_of(fieldname)
        for tbytes, _, weight, vbytes in postings:
            entry = terms.get(tbytes)
            if entry is None:
                entry = terms[tbytes] = _entry()
            elif entry[0][-1] > docnum:
                self._unordered = True
            entry[0].append(docnum)
            entry[1].append(weight * boost)
            if vbytes is None:
                entry[2].append(-1)
            else:
                entry[2].append(len(vbytes))
                entry[3].extend(vbytes)

    def add_analysed(self, fieldname: str, docnum: int, value, boost: float) -> int:
        """Add the postings of one analysed field value (an `Analysed`); returns the sum of
        the frequencies (the field's length)."""
        columns = self._columns.get(fieldname)
        if columns is None:
            columns = self._columns[fieldname] = FieldColumns()
        return columns.add(docnum, value, boost)

    def add_postings(self, fieldname: str, tbytes: bytes, docs, weights, values) -> None:
        """Add several postings of one term at once (a block of a segment being merged):
        document numbers ascending, weights, and values (bytes or None) one per posting."""
        if not docs:
            return
        terms = self._terms_of(fieldname)
        entry = terms.get(tbytes)
        if entry is None:
            entry = terms[tbytes] = _entry()
        elif entry[0][-1] > docs[0]:
            self._unordered = True
        extend_entry(entry, docs, weights, values)

    def terms(self):
        """(field name, term bytes, documents, weights, value sizes (-1: None), values one
        after the other) per term, sorted by field and term, each term's postings by
        document."""
        for field in self.fields():
            for name, entry in zip(field.names, field.between(0, len(field)), strict=True):
                yield field.fieldname, name, *entry

    def fields(self) -> list[SortedTerms | ListedTerms]:
        """Every field's terms, sorted by field and term, each term's postings by document
        (see `SortedTerms`); the pool is emptied. A field of analysed values only comes as
        `SortedTerms`: its postings sorted as whole arrays, which a term's slices are cut
        from only when it is encoded."""
        fields = []
        for fieldname in sorted(self._fields.keys() | self._columns.keys()):
            columns = self._columns.pop(fieldname, None)
            terms = self._fields.pop(fieldname, {})
            if not terms:  # the common case: a field of analysed values only
                fields.append(columns.sorted(fieldname))
                continue
            unordered = self._unordered
            if columns is not None:
                analysed = columns.sorted(fieldname)
                for tbytes, entry in zip(analysed.names, analysed.between(0, len(analysed)),
                                         strict=True):
                    gathered = terms.get(tbytes)
                    if gathered is None:
                        terms[tbytes] = entry
                    else:
                        for column, more in zip(gathered, entry, strict=True):
                            column.extend(more)
                        unordered = True
            names = sorted(terms)
            entries = []
            for tbytes in names:
                entry = terms.pop(tbytes)
                entries.append(_by_document(*entry) if unordered else entry)
            fields.append(ListedTerms(fieldname, names, entries))
        return fields

    def cleanup(self) -> None:
        self._fields.clear()
        self._columns.clear()


def _entry() -> tuple[array, array, array, bytearray]:
    return array("i"), array("d"), array("i"), bytearray()


class FieldColumns:
    """The postings of one field's analysed values, as columns in the order they came: per
    posting its term as a number (its place in `vocabulary`), frequency and value size; per
    value its document, number of postings and weight factor. Adding a value costs one
    dictionary lookup per term, made in C (`map`), where grouping by term cost four calls
    per posting: a third of the writer's time."""

    def __init__(self):
        self.vocabulary: dict[bytes, int] = {}
        self.ids = array("i")
        self.counts = array("i")
        self.sizes = array("i")
        self.data = bytearray()  # the encoded positions one after the other
        self.docs = array("i")
        self.lengths = array("i")
        self.factors = array("d")
        self.by_document = True  # values came in document order

    def add(self, docnum: int, value, boost: float) -> int:
        """Add one `Analysed` value of document `docnum`; returns its length."""
        names, counts, sizes, data, format_boost = value
        if not counts:
            return 0
        terms = names.split(b"\n")
        ids = list(map(self.vocabulary.get, terms))
        if None in ids:  # terms not seen before in this run
            vocabulary = self.vocabulary
            for i, found in enumerate(ids):
                if found is None:
                    ids[i] = vocabulary.setdefault(terms[i], len(vocabulary))
        if self.docs and docnum < self.docs[-1]:
            self.by_document = False
        self.ids.fromlist(ids)
        self.counts.extend(counts)
        self.sizes.extend(sizes)
        self.data.extend(data)
        self.docs.append(docnum)
        self.lengths.append(len(ids))
        self.factors.append(format_boost * boost)
        return sum(counts)

    def sorted(self, fieldname: str) -> SortedTerms:
        """The postings sorted by term, each term's by document, as `SortedTerms`; the
        columns are emptied."""
        names = sorted(self.vocabulary)
        rank = np.empty(len(names), dtype=np.int32)
        rank[np.fromiter(map(self.vocabulary.__getitem__, names), dtype=np.int64,
                         count=len(names))] = np.arange(len(names), dtype=np.int32)
        ranks = rank[np.frombuffer(self.ids, dtype=np.int32)]
        lengths = np.frombuffer(self.lengths, dtype=np.int32)
        docs = np.repeat(np.frombuffer(self.docs, dtype=np.int32), lengths)
        # Stable: postings of a term stay in the order of their documents.
        order = (np.argsort(ranks, kind="stable") if self.by_document
                 else np.lexsort((docs, ranks)))
        weights = (np.frombuffer(self.counts, dtype=np.int32)
                   * np.repeat(np.frombuffer(self.factors, dtype=np.float64), lengths))[order]
        sizes = np.frombuffer(self.sizes, dtype=np.int32)
        starts = (np.cumsum(sizes, dtype=np.int64) - sizes)[order]
        data = np.frombuffer(self.data, dtype=np.uint8)  # keeps the bytearray alive
        sizes = sizes[order]
        per_term = np.bincount(ranks, minlength=len(names))
        docs = docs[order]
        self.__init__()  # the columns' memory goes before the terms' is taken
        return SortedTerms(fieldname, names, per_term, docs, weights, sizes, data, starts)


class SortedTerms:
    """One field's terms in order with their postings as whole arrays, one term after the
    other (`per_term` postings each): documents, weights, value sizes, and where each value
    starts in `data` (the values in the order they were added: gathering them in term order
    is left to whoever encodes a stretch of terms). The commit's encoding processes cut the
    postings of the terms they encode (`between`), so the writer need not cut some 300,000
    terms' alone."""

    def __init__(self, fieldname: str, names: list[bytes], per_term: np.ndarray,
                 docs: np.ndarray, weights: np.ndarray, sizes: np.ndarray, data: np.ndarray,
                 starts: np.ndarray):
        self.fieldname = fieldname
        self.names = names
        self.per_term = per_term
        self.data, self.starts = data, starts
        self.ends = np.cumsum(per_term).tolist()
        # Python arrays, which the block encoder reads value by value; NumPy sees the same
        # memory.
        self._docs = array("i", docs.astype(np.int32).tobytes())
        self._weights = array("d", weights.astype(np.float64).tobytes())
        self._sizes = array("i", sizes.astype(np.int32).tobytes())
        self.docs = np.frombuffer(self._docs, dtype=np.int32)
        self.weights = np.frombuffer(self._weights, dtype=np.float64)
        self.sizes = np.frombuffer(self._sizes, dtype=np.int32)

    def __len__(self) -> int:
        return len(self.names)

    def counts(self) -> list[int]:
        """The number of postings of each term."""
        return self.per_term.tolist()

    def values(self, first: int, stop: int) -> bytes:
        """The values of postings `first` to `stop` (in term order), one after the other."""
        return self.data[ranges(self.starts[first:stop], self.sizes[first:stop])].tobytes()

    def between(self, begin: int, end: int):
        """(documents, weights, value sizes, values one after the other) of each term from
        `begin` to `end`, their values gathered at once."""
        ends = self.ends
        first = ends[begin - 1] if begin else 0
        data = self.values(first, ends[end - 1]) if end > begin else b""
        docs, weights, sizes = self._docs, self._weights, self._sizes
        at = 0
        for i in range(begin, end):
            stop = ends[i]
            term_sizes = sizes[first:stop]
            size = sum(term_sizes)
            yield docs[first:stop], weights[first:stop], term_sizes, data[at:at + size]
            first, at = stop, at + size


class ListedTerms:
    """One field's terms in order with each term's postings (documents, weights, value
    sizes, values one after the other), as `SortedTerms` gives them."""

    def __init__(self, fieldname: str, names: list[bytes], entries: list[tuple]):
        self.fieldname = fieldname
        self.names = names
        self._entries = entries

    def __len__(self) -> int:
        return len(self.names)

    def counts(self) -> list[int]:
        return [len(entry[0]) for entry in self._entries]

    def between(self, begin: int, end: int):
        return iter(self._entries[begin:end])


def extend_entry(entry: tuple, docs, weights, values) -> None:
    """Append a block's postings to a pool entry (documents, weights, value sizes (-1: None),
    values one after the other): documents as a list (or an array of the entry's kind),
    weights and values as Whoosh's block reader hands them over."""
    entry[0].extend(docs)
    entry[1].extend(list(weights))  # an array of another kind of float will not do
    if isinstance(values, PackedValues):  # as written by this writer: no copy per value
        entry[2].fromlist(values.sizes.tolist())
        entry[3].extend(values.data)
    else:
        entry[2].extend([-1 if v is None else len(v) for v in values])
        entry[3].extend(b"".join([v for v in values if v]))


def _by_document(docs: array, weights: array, sizes: array, data: bytearray):
    """A term's postings sorted by document."""
    starts = [0, *accumulate(max(s, 0) for s in sizes)]
    order = sorted(range(len(docs)), key=docs.__getitem__)
    values = bytearray()
    for i in order:
        values += data[starts[i]:starts[i + 1]]
    return (array("i", (docs[i] for i in order)), array("d", (weights[i] for i in order)),
            array("i", (sizes[i] for i in order)), values)
