"""Whoosh's segment writer with a faster posting pool and field-length lookup.

Whoosh's writer sends every posting through an external merge sort: postings are pickled to
temporary run files in batches and merged back with a heap, one Python object at a time. At
commit it then asks the new segment's length column, posting by posting, for the length of
the posting's field. Together that was about half of the writer's time. Here the postings of
a run are kept in memory, compactly, per term (document numbers and weights in arrays, the
encoded positions in one byte buffer: ~20 bytes a posting), sorted by term once at commit;
and field lengths are read from the length columns once, into lists.

The files written are Whoosh's own, with the same postings (tests compare them with the stock
writer's), in blocks that each pickle as three byte strings (`index.blocks`). The writer
relies on `SegmentWriter` internals of whoosh-reloaded 2.7.5, which pyproject.toml pins.
"""

from __future__ import annotations

from array import array

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from .blocks import pack_blocks

_LENGTHS = [byte_to_length(b) if b else None for b in range(256)]


class MemoryPool:
    """The postings of one writer, in memory, grouped by (field, term)."""

    def __init__(self):
        # (field, term) -> documents, weights, value lengths (-1: None), values one after
        # the other
        self._terms: dict[tuple[str, bytes], tuple[array, array, array, bytearray]] = {}

    def add(self, item) -> None:
        """Add one (field name, term bytes, document number, weight, value bytes) posting."""
        fieldname, tbytes, docnum, weight, vbytes = item
        entry = self._terms.get((fieldname, tbytes))
        if entry is None:
            entry = self._terms[fieldname, tbytes] = (array("i"), array("d"), array("i"),
                                                      bytearray())
        entry[0].append(docnum)
        entry[1].append(weight)
        if vbytes is None:
            entry[2].append(-1)
        else:
            entry[2].append(len(vbytes))
            entry[3].extend(vbytes)

    def terms(self):
        """(field name, term bytes, documents, weights, values) per term, sorted by field and
        term, each term's postings by document (value None where there is none); each
        term's memory is released once it has been read."""
        for key in sorted(self._terms):
            docs, weights, sizes, data = self._terms.pop(key)
            values: list[bytes | None] = []
            at = 0
            for size in sizes:
                if size < 0:
                    values.append(None)
                else:
                    values.append(bytes(data[at : at + size]))
                    at += size
            if any(a > b for a, b in zip(docs, docs[1:], strict=False)):  # merged segments
                order = sorted(range(len(docs)), key=docs.__getitem__)
                docs = array("i", (docs[i] for i in order))
                weights = array("d", (weights[i] for i in order))
                values = [values[i] for i in order]
            yield key[0], key[1], docs, weights, values

    def cleanup(self) -> None:
        self._terms.clear()


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

    def _flush_segment(self):
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        lengths = _Lengths(perdoc) if perdoc is not None else None
        _write_terms(self.fieldwriter, self.schema, lengths, self.pool.terms())
        self.fieldwriter.close()
        if perdoc is not None:
            perdoc.close()


def _write_terms(writer, schema, lengths, terms) -> None:
    """Each term's postings handed to Whoosh's block writer a block at a time, with the
    block's statistics, instead of one `add_posting` call per posting: what `add_postings`
    and `add_posting` would do, in the same blocks."""
    current = None
    table = None
    for fieldname, tbytes, docs, weights, values in terms:
        if fieldname != current:
            if current is not None:
                writer.finish_field()
            writer.start_field(fieldname, schema[fieldname])
            pack_blocks(writer._postwriter)  # a new block writer for each field
            current = fieldname
            table = lengths.table(fieldname) if lengths is not None else None
        writer.start_term(tbytes)
        block = writer._postwriter
        limit = block._blocklimit
        for start in range(0, len(docs), limit):
            if start:
                block._write_block()  # a full block, written when the next posting comes
            end = start + limit
            block._ids = array("I", docs[start:end])
            block._weights = array("f", weights[start:end])
            block._values = [v for v in values[start:end] if v]
            block._maxweight = max(0, max(weights[start:end]))
            found = [table[d] for d in docs[start:end]] if table is not None else []
            found = [n for n in found if n]
            block._minlength = min(found) if found else None
            block._maxlength = max(found) if found else 0
        writer.finish_term()
    if current is not None:
        writer.finish_field()
