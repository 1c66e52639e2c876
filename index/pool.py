"""The postings a writer gathers before commit, in memory.

Whoosh's writer sends every posting through an external merge sort: postings are pickled to
temporary run files in batches and merged back with a heap, one Python object at a time.
Here they stay in memory, compactly, and are sorted by term once, at commit.

The analysed full-text values (most postings) go into columns per field (`FieldColumns`): a
value is added with a few calls into C, whatever its number of terms, and NumPy sorts the
columns by term at commit. Postings of other fields and of merged segments are grouped per
term as they come (`MemoryPool.add`, `add_postings`).
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Callable
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
        terms = self._terms_of(fieldname)
        entry = terms.get(tbytes)
        if entry is None:
            entry = terms[tbytes] = _entry()
        elif entry[0][-1] > docnum:
            self._unordered = True
        entry[0].append(docnum)
        entry[1].append(weight)
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

    def terms(self, whole: Callable | None = None):
        """(field name, term bytes, documents, weights, value sizes (-1: None), values one
        after the other) per term, sorted by field and term, each term's postings by
        document; each field's memory is released once it has been read.

        A field of analysed values only is also handed to `whole` before its terms, as
        arrays: (field name, terms, postings per term, then the postings' documents,
        weights, value sizes and values, one term after the other)."""
        for fieldname in sorted(self._fields.keys() | self._columns.keys()):
            columns = self._columns.pop(fieldname, None)
            terms = self._fields.pop(fieldname, {})
            if not terms:  # the common case: a field of analysed values only
                for tbytes, *entry in columns.terms(
                        functools.partial(whole, fieldname) if whole else None):
                    yield fieldname, tbytes, *entry
                continue
            unordered = self._unordered
            if columns is not None:
                for tbytes, *entry in columns.terms():
                    gathered = terms.get(tbytes)
                    if gathered is None:
                        terms[tbytes] = tuple(entry)
                    else:
                        for column, more in zip(gathered, entry, strict=True):
                            column.extend(more)
                        unordered = True
            for tbytes in sorted(terms):
                docs, weights, sizes, data = terms.pop(tbytes)
                if unordered:
                    docs, weights, sizes, data = _by_document(docs, weights, sizes, data)
                yield fieldname, tbytes, docs, weights, sizes, data

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

    def terms(self, whole: Callable | None = None):
        """(term bytes, documents, weights, value sizes, values one after the other) per
        term, sorted by term, each term's postings by document; the columns are emptied.
        `whole`, if given, gets them all first, as arrays (see `MemoryPool.terms`)."""
        names = sorted(self.vocabulary)
        rank = np.empty(len(names), dtype=np.int64)
        rank[np.fromiter(map(self.vocabulary.__getitem__, names), dtype=np.int64,
                         count=len(names))] = np.arange(len(names))
        ranks = rank[np.frombuffer(self.ids, dtype=np.int32)]
        lengths = np.frombuffer(self.lengths, dtype=np.int32)
        docs = np.repeat(np.frombuffer(self.docs, dtype=np.int32), lengths)
        # Stable: postings of a term stay in the order of their documents.
        order = (np.argsort(ranks, kind="stable") if self.by_document
                 else np.lexsort((docs, ranks)))
        weights = (np.frombuffer(self.counts, dtype=np.int32)
                   * np.repeat(np.frombuffer(self.factors, dtype=np.float64), lengths))[order]
        sizes = np.frombuffer(self.sizes, dtype=np.int32)
        starts = np.cumsum(sizes, dtype=np.int64) - sizes
        data = np.frombuffer(self.data, dtype=np.uint8)[ranges(starts[order],
                                                               sizes[order])].tobytes()
        sizes = sizes[order]
        per_term = np.bincount(ranks, minlength=len(names))
        ends = np.cumsum(per_term)
        byte_ends = np.cumsum(sizes, dtype=np.int64)[ends - 1] if len(names) else ends
        self.__init__()  # the columns' memory goes before the terms' is taken
        docs = docs[order]
        if whole is not None:
            whole(names, per_term, docs, weights, sizes, data)
        # Slices of Python arrays: the writer's block encoder reads them value by value.
        docs = array("i", docs.tobytes())
        weights = array("d", weights.tobytes())
        sizes = array("i", sizes.tobytes())
        begin = at = 0
        for name, end, byte_end in zip(names, ends.tolist(), byte_ends.tolist(), strict=True):
            yield name, docs[begin:end], weights[begin:end], sizes[begin:end], data[at:byte_end]
            begin, at = end, byte_end


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
