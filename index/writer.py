"""Whoosh's segment writer with a faster posting pool and field-length lookup.

Whoosh's writer sends every posting through an external merge sort: postings are pickled to
temporary run files in batches and merged back with a heap, one Python object at a time. At
commit it then asks the new segment's length column, posting by posting, for the length of
the posting's field. Together that was about half of the writer's time. Here the postings of
a run are kept in memory, compactly, per term (document numbers and weights in arrays, the
encoded positions in one byte buffer: ~20 bytes a posting), sorted by term once at commit;
and field lengths are read from the length columns once, into lists.

The files written are Whoosh's own, with the same postings (tests compare them with the stock
writer's); `index.postings` writes the terms and their blocks, which pickle as three byte
strings each (`index.blocks`). The writer relies on `SegmentWriter` internals of
whoosh-reloaded 2.7.5, which pyproject.toml pins.
"""

from __future__ import annotations

from array import array
from itertools import accumulate

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length
from whoosh.writing import MERGE_SMALL, SegmentWriter

from .positions import Analysed
from .postings import write_terms

# Segments of fewer agenda items are merged into the segment a run writes. Every run adds a
# segment, and each costs every search 1-2 ms at 100,000 agenda items; Whoosh's own policy
# leaves up to four small ones. Merging 2,000 items costs well under a second.
SMALL_SEGMENT = 2_000

_LENGTHS = [byte_to_length(b) if b else None for b in range(256)]


class MemoryPool:
    """The postings of one writer, in memory, grouped by field and term."""

    def __init__(self):
        # field -> term -> (documents, weights, value lengths (-1: None), values one after
        # the other)
        self._fields: dict[str, dict[bytes, tuple[array, array, array, bytearray]]] = {}
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
            entry = terms[tbytes] = (array("i"), array("d"), array("i"), bytearray())
        elif entry[0][-1] > docnum:
            self._unordered = True
        entry[0].append(docnum)
        entry[1].append(weight)
        if vbytes is None:
            entry[2].append(-1)
        else:
            entry[2].append(len(vbytes))
            entry[3].extend(vbytes)

    def add_analysed(self, fieldname: str, docnum: int, items, boost: float) -> int:
        """Add the postings of one analysed field value ((term, frequency, weight, value
        bytes) items); returns the sum of the frequencies (the field's length). One loop
        with everything local: this runs for every posting of the archive."""
        terms = self._terms_of(fieldname)
        get = terms.get
        length = 0
        for term, freq, weight, vbytes in items:
            tbytes = term.encode("utf-8")
            entry = get(tbytes)
            if entry is None:
                entry = terms[tbytes] = (array("i"), array("d"), array("i"), bytearray())
            elif entry[0][-1] > docnum:
                self._unordered = True
            entry[0].append(docnum)
            entry[1].append(weight * boost)
            entry[2].append(len(vbytes))
            entry[3].extend(vbytes)
            length += freq
        return length

    def terms(self):
        """(field name, term bytes, documents, weights, value sizes (-1: None), values one
        after the other) per term, sorted by field and term, each term's postings by
        document; each term's memory is released once it has been read."""
        for fieldname in sorted(self._fields):
            terms = self._fields.pop(fieldname)
            for tbytes in sorted(terms):
                docs, weights, sizes, data = terms.pop(tbytes)
                if self._unordered:
                    docs, weights, sizes, data = _by_document(docs, weights, sizes, data)
                yield fieldname, tbytes, docs, weights, sizes, data

    def cleanup(self) -> None:
        self._fields.clear()


def _by_document(docs: array, weights: array, sizes: array, data: bytearray):
    """A term's postings sorted by document."""
    starts = [0, *accumulate(max(s, 0) for s in sizes)]
    order = sorted(range(len(docs)), key=docs.__getitem__)
    values = bytearray()
    for i in order:
        values += data[starts[i]:starts[i + 1]]
    return (array("i", (docs[i] for i in order)), array("d", (weights[i] for i in order)),
            array("i", (sizes[i] for i in order)), values)


class _Lengths:
    """The new segment's field lengths, read from its length columns once per field."""

    def __init__(self, perdoc):
        self._perdoc = perdoc
        self._fields: dict[str, list | None] = {}

    def table(self, fieldname: str) -> list | None:
        """Every document's length of `fieldname` as Whoosh reads it back (None for 0), or
        None when the field has no lengths."""
        table = self._fields.get(fieldname, False)
        if table is False:
            table = self._fields[fieldname] = self._read(fieldname)
        return table

    def _read(self, fieldname: str) -> list | None:
        reader = self._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if reader is None:
            return None
        return [_LENGTHS[reader[d]] for d in range(self._perdoc.doc_count_all())]


class FastSegmentWriter(SegmentWriter):
    """`SegmentWriter` with the in-memory `MemoryPool` and bulk-read field lengths."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool.cleanup()
        self.pool = MemoryPool()
        self.mergetype = merge_small

    def add_document(self, **fields):
        """Whoosh's `add_document`, with the postings of values the indexer analysed
        (`Analysed`) added to the pool in one loop per field, not through the field's
        generic `index()`."""
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                if not isinstance(value, Analysed) or field.vector \
                        or field.separate_spelling():
                    self._add_field(fields, fieldname, field, value, docnum, docboost)
                    continue
                boost = self._field_boost(fields, fieldname, docboost)
                length = self.pool.add_analysed(fieldname, docnum, value, boost)
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None,
                                       length if field.scorable else 0)
                if field.column_type and stored is not None:
                    perdocwriter.add_column_value(fieldname, field.column_type,
                                                  field.to_column_value(stored))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _add_field(self, fields, fieldname, field, value, docnum, docboost) -> None:
        """One field as Whoosh's `add_document` adds it (whoosh-reloaded 2.7.5)."""
        add_post = self.pool.add
        length = 0
        if field.indexed:
            fieldboost = self._field_boost(fields, fieldname, docboost)
            for tbytes, freq, weight, vbytes in field.index(value):
                if field.scorable:
                    length += freq
                add_post((fieldname, tbytes, docnum, weight * fieldboost, vbytes))
        if field.separate_spelling():
            spellfield = field.spelling_fieldname(fieldname)
            for word in field.spellable_words(value):
                add_post((spellfield, word.encode("utf-8"), 0, 1, None))
        if field.vector:
            items = field.vector.word_values(value, field.analyzer, mode="index")
            items = sorted((text, weight, vbytes) for text, _, weight, vbytes in items)
            self.perdocwriter.add_vector_items(fieldname, field, items)
        stored = fields.get(f"_stored_{fieldname}", value)
        self.perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
        if field.column_type and stored is not None:
            self.perdocwriter.add_column_value(fieldname, field.column_type,
                                               field.to_column_value(stored))

    def _flush_segment(self):
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        lengths = _Lengths(perdoc) if perdoc is not None else None
        write_terms(self.fieldwriter, self.schema, lengths, self.pool.terms())
        self.fieldwriter.close()
        if perdoc is not None:
            perdoc.close()


def merge_small(writer, segments):
    """Whoosh's merge policy (MERGE_SMALL), then every segment left with fewer than
    SMALL_SEGMENT live documents merged into the new one too (an archive that grows by a
    meeting at a time keeps one segment per big step, not one per meeting), and segments
    whose documents are all deleted dropped (Whoosh keeps them)."""
    kept = []
    for segment in MERGE_SMALL(writer, segments):
        if segment.doc_count() == 0:
            continue  # every document deleted (all files re-extracted): dropped, not read
        if segment.doc_count() >= SMALL_SEGMENT:
            kept.append(segment)
            continue
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return kept
