"""Whoosh's segment writer with a faster posting pool and field-length lookup.

Whoosh's writer sends every posting through an external merge sort: postings are pickled to
temporary run files in batches and merged back with a heap, one Python object at a time. At
commit it then asks the new segment's length column, posting by posting, for the length of
the posting's field. Together that was about half of the writer's time. Here the postings of
a run are kept in memory, compactly, per term (document numbers and weights in arrays, the
encoded positions in one byte buffer: ~20 bytes a posting), sorted by term once at commit;
and field lengths are read from the length columns once, into lists.

The files written are Whoosh's own, byte for byte the same postings (tests compare them with
the stock writer's). The writer relies on `SegmentWriter` internals of whoosh-reloaded 2.7.5,
which pyproject.toml pins.
"""

from __future__ import annotations

from array import array

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

_LENGTHS = [byte_to_length(b) if b else None for b in range(256)]


class MemoryPool:
    """The postings of one writer, in memory, grouped by (field, term)."""

    def __init__(self):
        # (field, term) -> documents, weights, value lengths (-1: None), values one after
        # the other
        self._terms: dict[tuple[str, bytes], tuple[array, array, array, bytearray]] = {}
        self.fieldnames: set[str] = set()

    def add(self, item) -> None:
        """Add one (field name, term bytes, document number, weight, value bytes) posting."""
        fieldname, tbytes, docnum, weight, vbytes = item
        entry = self._terms.get((fieldname, tbytes))
        if entry is None:
            entry = self._terms[fieldname, tbytes] = (array("i"), array("d"), array("i"),
                                                      bytearray())
            self.fieldnames.add(fieldname)
        entry[0].append(docnum)
        entry[1].append(weight)
        if vbytes is None:
            entry[2].append(-1)
        else:
            entry[2].append(len(vbytes))
            entry[3].extend(vbytes)

    def iter_postings(self):
        """All postings sorted by field, term and document, as Whoosh's pool yields them;
        each term's memory is released once it has been read."""
        for key in sorted(self._terms):
            docs, weights, sizes, data = self._terms.pop(key)
            fieldname, tbytes = key
            postings = []
            at = 0
            for docnum, weight, size in zip(docs, weights, sizes, strict=True):
                if size < 0:
                    postings.append((fieldname, tbytes, docnum, weight, None))
                else:
                    postings.append((fieldname, tbytes, docnum, weight,
                                     bytes(data[at : at + size])))
                    at += size
            if any(a > b for a, b in zip(docs, docs[1:], strict=False)):  # merged segments
                postings.sort(key=lambda posting: posting[2])
            yield from postings

    def cleanup(self) -> None:
        self._terms.clear()


class _Lengths:
    """Whoosh's per-document reader's `doc_field_length`, from lists read once per field."""

    def __init__(self, perdoc):
        self._perdoc = perdoc
        self._fields: dict[str, list | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default=0):
        table = self._fields.get(fieldname, False)
        if table is False:
            table = self._fields[fieldname] = self._read(fieldname)
        if table is None:
            return default
        return table[docnum]

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

    def _flush_segment(self):
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        lengths = _Lengths(perdoc) if perdoc is not None else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if perdoc is not None:
            perdoc.close()
