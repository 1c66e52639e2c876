"""Whoosh's segment writer with a faster posting pool and field-length lookup.

Whoosh's writer sends every posting through an external merge sort on disk, and at commit
asks the new segment's length column, posting by posting, for the length of the posting's
field. Together that was about half of the writer's time. Here the postings of a run are
kept in memory (`index.pool`), and field lengths are read from the length columns once,
into lists.

The files written are Whoosh's own, with the same postings (tests compare them with the stock
writer's); `index.postings` writes the terms and their blocks, which pickle as three byte
strings each (`index.blocks`); `index.flat` saves the full-text postings again as arrays,
for search. The writer relies on `SegmentWriter` internals of whoosh-reloaded 2.7.5, which
pyproject.toml pins.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import NumericColumn, TranslatingColumnReader
from whoosh.fields import ID, KEYWORD, NUMERIC
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from . import postings as term_writing
from .collection import not_collecting
from .flat import FieldsWriting, path_of, write_fields
from .pool import MemoryPool, SortedTerms
from .positions import Analysed, CompactPositions

# The merge policy of every commit (`merge_plan`). Each segment costs every search 1-2 ms at
# 100,000 agenda items, and merging one costs the run ~1 ms per agenda item it holds.
MERGE_FLOOR = 200  # smaller segments are always merged into the one a run writes
MERGE_FACTOR = 3  # a larger one when it holds at most this many times what is gathered
MERGE_CEILING = 20_000  # larger segments are left alone (a rebuild makes one of all)

_LENGTHS = [byte_to_length(b) if b else None for b in range(256)]
REMEMBERED_POSTINGS = 100_000  # field values whose postings a writer remembers


def segment_blocks(reader, fieldnames):
    """(field name, term bytes, blocks) of every term of the fields in `fieldnames` of a Whoosh
    segment reader, in the order of its term table, the blocks as `_blocks` reads them (None
    where they do not decode as expected). One pass over the term table: a lookup per term
    costs as much as reading its postings."""
    schema, terms = reader.schema, reader._terms
    for (fieldname, tbytes), info in terms.items():
        if fieldname not in fieldnames:
            continue
        try:
            matcher = terms._codec.postings_reader(terms._postfile, info,
                                                   schema[fieldname].format,
                                                   term=(fieldname, tbytes))
        except Exception:  # noqa: BLE001 - anything unexpected: the caller's other path
            matcher = None
        yield fieldname, tbytes, _blocks(matcher) if isinstance(matcher, W3LeafMatcher) else None


class _Lengths:
    """A segment's field lengths (the new one's at commit, a merged one's), read from its
    length columns once per field."""

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
        count = self._perdoc.doc_count_all()
        if (type(reader) is NumericColumn.Reader and reader._typecode == "B"
                and reader._default == 0):
            # One read of the column's bytes (a byte per document; past its end, the
            # default 0), not a read per document.
            raw = reader._dbfile.get(reader._basepos, min(reader._count, count))
            return list(map(_LENGTHS.__getitem__, raw.ljust(count, b"\0")))
        return [_LENGTHS[reader[d]] for d in range(count)]


class FastSegmentWriter(SegmentWriter):
    """`SegmentWriter` with the in-memory `MemoryPool` and bulk-read field lengths."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool.cleanup()
        self.pool = MemoryPool()
        self.mergetype = merge_segments
        self._kinds: dict[str, tuple] = {}
        self._postings_of: dict[tuple, tuple] = {}

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
                field, plain, repeating = self._kind(fieldname)
                if repeating and type(value) in (str, int):
                    # A recurring keyword value: its postings as remembered.
                    made, length = self._postings(fieldname, field, value)
                    self.pool.add_known(fieldname, docnum, made,
                                        self._field_boost(fields, fieldname, docboost))
                    self._store(fields, fieldname, field, value, length)
                    continue
                if not plain or not isinstance(value, Analysed):
                    self._add_field(fields, fieldname, field, value, docnum, docboost)
                    continue
                boost = self._field_boost(fields, fieldname, docboost)
                length = self.pool.add_analysed(fieldname, docnum, value, boost)
                self._store(fields, fieldname, field, value, length if field.scorable else 0)
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _kind(self, fieldname: str) -> tuple:
        """(field, whether its postings come from its format alone (no vector, no separate
        spelling words), whether a value's postings are worth remembering) of a field."""
        kind = self._kinds.get(fieldname)
        if kind is None:
            field = self.schema[fieldname]
            plain = not field.vector and not field.separate_spelling()
            # Years, months, dates, topics, actors: a few values on many agenda items.
            repeating = plain and field.indexed and not field.unique and isinstance(
                field, (ID, KEYWORD, NUMERIC))
            kind = self._kinds[fieldname] = (field, plain, repeating)
        return kind

    def _postings(self, fieldname: str, field, value) -> tuple:
        """(`field.index(value)`, the field length it gives), remembered: Whoosh's analysers
        cost more than the postings they make, and these values recur (the result depends
        on the value alone)."""
        key = (fieldname, value)
        found = self._postings_of.get(key)
        if found is None:
            if len(self._postings_of) >= REMEMBERED_POSTINGS:
                self._postings_of.clear()
            made = tuple(field.index(value))
            length = sum(freq for _, freq, _, _ in made) if field.scorable else 0
            found = self._postings_of[key] = (made, length)
        return found

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
        self._store(fields, fieldname, field, value, length)

    def _store(self, fields, fieldname, field, value, length: int) -> None:
        """A field's stored value, length and column value, as Whoosh's `add_document`
        writes them."""
        stored = fields.get(f"_stored_{fieldname}", value)
        self.perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
        if field.column_type and stored is not None:
            self.perdocwriter.add_column_value(fieldname, field.column_type,
                                               field.to_column_value(stored))

    def write_per_doc(self, fieldnames, reader):
        """Whoosh's `write_per_doc` (copying a merged segment's stored fields, lengths and
        columns), with each field's lengths read once: Whoosh looks for the field's length
        file at every document, and half its fields have none."""
        schema = self.schema
        if not isinstance(reader, SegmentReader) or any(
                schema[name].vector for name in fieldnames if name in schema):
            return super().write_per_doc(fieldnames, reader)
        docmap = {} if reader.has_deletions() else None
        pdw = self.perdocwriter
        columns = {}
        for fieldname in fieldnames:
            coltype = schema[fieldname].column_type
            if coltype and reader.has_column(fieldname):
                creader = reader.column_reader(fieldname, coltype)
                if isinstance(creader, TranslatingColumnReader):
                    creader = creader.raw_column()
                columns[fieldname] = creader
        lengths = _Lengths(reader._perdoc)
        for docnum, stored in reader.iter_docs():
            if docmap is not None:
                docmap[docnum] = self.docnum
            pdw.start_doc(self.docnum)
            for fieldname in fieldnames | {name for name in stored if name in schema}:
                field = schema[fieldname]
                table = lengths.table(fieldname)  # None for 0, as the writer takes it
                pdw.add_field(fieldname, field, stored.get(fieldname),
                              table[docnum] if table else 0)
                if fieldname in columns:
                    pdw.add_column_value(fieldname, field.column_type,
                                         columns[fieldname][docnum])
            pdw.finish_doc()
            self.docnum += 1
        return docmap

    def add_postings_to_pool(self, reader, startdoc, docmap):
        """Whoosh's, a block of postings at a time: Whoosh hands the merge one posting per
        Python call through its matchers (about 2 ms per merged agenda item, more than
        indexing it took). Terms whose blocks do not decode as expected go posting by
        posting, as Whoosh does."""
        if not isinstance(reader, SegmentReader):
            return super().add_postings_to_pool(reader, startdoc, docmap)
        add = self.pool.add_postings
        for fieldname, tbytes, blocks in segment_blocks(reader, self.schema):
            if blocks is None:  # Whoosh's own path
                self._add_term_postings(reader, fieldname, tbytes, startdoc, docmap)
                continue
            for ids, weights, values in blocks:
                if docmap is None:
                    add(fieldname, tbytes, [startdoc + d for d in ids], weights, values)
                else:
                    keep = [i for i, d in enumerate(ids) if d in docmap]
                    add(fieldname, tbytes, [docmap[ids[i]] for i in keep],
                        [weights[i] for i in keep], [values[i] for i in keep])

    def _add_term_postings(self, reader, fieldname, tbytes, startdoc, docmap) -> None:
        """One term's postings the way Whoosh's `add_postings_to_pool` adds them."""
        matcher = reader.postings(fieldname, tbytes)
        add = self.pool.add
        while matcher.is_active():
            docnum = matcher.id()
            add((fieldname, tbytes, startdoc + docnum if docmap is None else docmap[docnum],
                 matcher.weight(), matcher.value()))
            matcher.next()

    def _flush_segment(self):
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        lengths = _Lengths(perdoc) if perdoc is not None else None
        folder = getattr(self.storage, "folder", None)  # None: an index in memory (tests)
        flat_names = {name for name in self.schema.names()
                      if isinstance(self.schema[name].format, CompactPositions)}
        with not_collecting():  # hundreds of thousands of terms, all kept to the end
            fields = self.pool.fields()
            aside = None
            if folder is not None:
                path = path_of(folder, self.newsegment.segment_id())
                # Large: the flat postings are saved by a process of their own meanwhile.
                if sum(len(f.docs) for f in fields if f.fieldname in flat_names
                       and isinstance(f, SortedTerms)) >= term_writing.PARALLEL_MIN_POSTINGS:
                    aside = FieldsWriting(fields, flat_names, path)
            try:
                term_writing.write_terms(self.fieldwriter, self.schema, lengths, fields)
            except BaseException:
                if aside is not None:
                    aside.cancel()
                raise
            if aside is not None:
                aside.finish()
            elif folder is not None:
                write_fields(fields, flat_names, path)
        self.fieldwriter.close()
        if perdoc is not None:
            perdoc.close()


def _blocks(matcher) -> list | None:
    """A term's postings from Whoosh 2.7.5's block reader, deleted documents included, as
    (document numbers, weights, values) per block; None when a block's values do not pair
    with its documents (Whoosh drops empty values when it writes a block)."""
    blocks = []
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        matcher._read_values()
        ids, weights, values = matcher._ids, matcher._weights, matcher._values
        if values is None or len(values) != len(ids) or len(weights) != len(ids):
            return None
        blocks.append((ids, weights, values))
        matcher._next_block()
    return blocks


def merge_plan(live: list[int], new: int) -> list[int]:
    """Which existing segments (by index into `live`, their live documents) a run that
    writes a segment of `new` documents merges into it: from the smallest up, every one
    under MERGE_FLOOR, and one under MERGE_CEILING while it holds at most MERGE_FACTOR times
    the documents gathered so far. Segments with no live documents are dropped, not merged.

    An archive that grows a meeting at a time then keeps a few segments of growing sizes
    (like Lucene's log merge policy): each agenda item is copied a few times over the
    years, not at every run (merging all segments under 2,000 items copied ~1,000 at each
    run), and searches go through few segments (Whoosh's own policy keeps one per run).
    """
    gathered = new
    merged = []
    for i in sorted(range(len(live)), key=live.__getitem__):
        size = live[i]
        if size == 0:
            continue
        if size >= MERGE_CEILING or (size >= MERGE_FLOOR and size > MERGE_FACTOR * gathered):
            break
        merged.append(i)
        gathered += size
    return merged


def merge_segments(writer, segments):
    """The writer's merge policy (Whoosh calls it at commit): the segments `merge_plan`
    picks are merged into the new one, segments whose documents are all deleted dropped
    (Whoosh keeps them), the others kept as they are."""
    live = [segment.doc_count() for segment in segments]
    plan = merge_plan(live, writer.docnum)
    for i in plan:
        reader = SegmentReader(writer.storage, writer.schema, segments[i])
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    merged = set(plan)
    return [segment for i, segment in enumerate(segments) if i not in merged and live[i]]
