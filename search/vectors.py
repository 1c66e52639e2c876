"""Matching and BM25F scoring with NumPy over cached postings.

Whoosh walks its matchers document by document in Python, twice per search (once for the
set of matches that facets and totals need, once to score it). For the queries people type
most — words, phrases, AND/OR/NOT of them — this module does both at once with array
operations: each term's postings (documents and frequencies) are sliced from the segment's
flat postings (`index.flat`; Whoosh's blocks for a segment without them) once per index
generation and cached, field lengths are read once, and a query becomes a few vectorised
unions, intersections and sums. The score is Whoosh's own BM25F, so ranking does not change.
Wildcards and rarer query types inside a query are scored by Whoosh and added in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query
from whoosh.scoring import BM25F

from index.arrays import ranges
from index.blocks import PackedValues
from index.flat import FlatField, FlatPostings
from index.positions import CompactPositions, decode_packed

from .caches import LRUCache
from .columns import field_lengths

# Bytes of term postings each index generation keeps as arrays (most recently used first).
# A frequent word at 100,000 agenda items holds ~50,000 postings (300 KB); 24 MB keeps the
# few hundred words most searched warm without letting a server grow past its memory target
# (40 MB measured no faster over 300 distinct queries).
TERM_CACHE_BYTES = 24 * 2**20
# Bytes of decoded Whoosh position blocks each index generation keeps, for segments without
# flat postings: reading a block means unpickling and decompressing about a hundred postings,
# and the proximity bonus, the marks of a page and phrases ask for the same blocks of the
# same frequent words again and again.
BLOCK_CACHE_BYTES = 16 * 2**20


@dataclass(frozen=True)
class FlatPart:
    """The postings a segment with flat postings (`index.flat`) holds of a term."""

    number: int  # the segment's number in `reader.leaf_readers()`
    lo: int  # the slice of `TermPostings.docs` from this segment
    hi: int
    field: FlatField
    term: int  # the term's number in `field`
    # Where each posting in the slice is among the term's postings in the file (None when
    # the segment has no deleted documents, whose postings are left out of the slice).
    kept: np.ndarray | None = None


@dataclass(frozen=True)
class TermPostings:
    """A term's postings as arrays, and where each segment's share of them is on disk."""

    docs: np.ndarray  # document numbers (int32), ascending
    weights: np.ndarray  # frequencies (uint16 when whole and small, else float32)
    # Per segment (by its number in `reader.leaf_readers()`): the slice of `docs` it holds,
    # and the file offset and first posting (within the slice) of each of its Whoosh blocks;
    # None where it was read otherwise (flat postings, or a segment with deletions).
    blocks: tuple[tuple[int, int, int, np.ndarray, np.ndarray] | None, ...] = ()
    flat: tuple[FlatPart, ...] = ()  # segments read from their flat postings

    @property
    def nbytes(self) -> int:
        directory = sum(b[3].nbytes + b[4].nbytes + 100 for b in self.blocks if b)
        kept = sum(part.kept.nbytes + 150 if part.kept is not None else 150
                   for part in self.flat)
        return self.docs.nbytes + self.weights.nbytes + directory + kept + 200


@dataclass(frozen=True)
class Segment:
    """What search reads of one segment besides Whoosh: its flat postings (None without) and
    which of its documents are deleted (None without deletions)."""

    flat: FlatPostings | None
    deleted: np.ndarray | None


def read_segments(reader) -> list[Segment]:
    """The `Segment` of every leaf of `reader`, in order."""
    found = []
    for leaf, _ in reader.leaf_readers():
        deleted = None
        if leaf.has_deletions():
            deleted = np.zeros(leaf.doc_count_all(), dtype=bool)
            gone = leaf.segment().deleted_docs() if hasattr(leaf, "segment") else (
                d for d in range(leaf.doc_count_all()) if leaf.is_deleted(d))
            deleted[np.fromiter(gone, dtype=np.int64)] = True
        found.append(Segment(FlatPostings.of_leaf(leaf), deleted))
    return found


def postings_arrays(reader, field: str, text, leaves: list[Segment] | None = None
                    ) -> TermPostings:
    """All (document numbers, frequencies) of a term, as arrays, with where they are on disk.

    Whoosh's matchers hand out one posting per Python call; its on-disk blocks hold up to a
    hundred at once. Segments with flat postings (`leaves`) are sliced from those; others
    without deletions are read block by block (Whoosh 2.7.5's block reader, pinned in
    pyproject.toml); anything else posting by posting.
    """
    docs: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    blocks = []
    flat_parts = []
    held = 0
    tbytes = text.encode("utf-8") if isinstance(text, str) else text
    for number, (leaf, offset) in enumerate(reader.leaf_readers()):
        flat = leaves[number].flat.field(field) \
            if leaves is not None and leaves[number].flat is not None else None
        if flat is not None:
            term = flat.find(tbytes)
            if term is None:
                continue
            ids, freqs, kept = flat.documents(term), flat.counts(term), None
            deleted = leaves[number].deleted
            if deleted is not None:
                kept = np.flatnonzero(~deleted[ids])
                ids, freqs = ids[kept], freqs[kept]
                kept = kept.astype(np.int32)
            flat_parts.append(FlatPart(number, held, held + ids.size, flat, term, kept))
            directory = None
        else:
            try:
                matcher = leaf.postings(field, text)
            except Exception:  # noqa: BLE001 - Whoosh raises TermNotFound for absent terms
                continue
            ids, freqs, directory = _read_blocks(matcher)
        # 32-bit: half the memory of a cached term, and exact (document numbers stay below
        # 2**31; frequencies are small whole numbers, and Whoosh keeps them as 32-bit floats).
        docs.append((np.asarray(ids, dtype=np.int64) + offset).astype(np.int32))
        weights.append(_small(np.asarray(freqs, dtype=np.float32)))
        if directory is not None:
            directory = (number, held, held + len(ids), *directory)
        blocks.append(directory)
        held += len(ids)
    if not docs:
        return TermPostings(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
    return TermPostings(np.concatenate(docs), np.concatenate(weights), tuple(blocks),
                        tuple(flat_parts))


def _read_blocks(matcher) -> tuple[np.ndarray | list, np.ndarray | list,
                                   tuple[np.ndarray, np.ndarray] | None]:
    if all(hasattr(matcher, a) for a in
           ("_read_data", "_next_block", "_goto", "_baseoffset", "_blocklength", "_byteids")) \
            and matcher._i == 0:
        return _block_arrays(matcher)
    ids: list = []
    freqs: list = []
    while matcher.is_active():
        ids.append(matcher.id())
        freqs.append(matcher.weight())
        matcher.next()
    return ids, freqs, None


def _block_arrays(matcher) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Every block of a term from Whoosh 2.7.5's block data as it is unpickled, (delta-coded
    document numbers, weights: None for all 1, one number for all alike, or one per
    posting), turned into arrays at once: Whoosh's own accessors decode the numbers and
    build the weights one posting at a time in Python."""
    offsets: list[int] = []
    lengths: list[int] = []
    numbers: list = []  # per block: a tuple (as Whoosh writes) or an array (index.blocks)
    weights: list = []  # per block: its weights, or the one weight all its postings have
    at = matcher._baseoffset
    while matcher.is_active():
        offsets.append(at)
        if matcher._data is None:
            matcher._read_data()
        block_ids, block_weights = matcher._data[0], matcher._data[1]
        lengths.append(matcher._blocklength)
        numbers.append(block_ids)
        weights.append(1.0 if block_weights is None else block_weights)
        at = matcher._nextoffset
        matcher._next_block()
    counts = np.asarray(lengths, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    ids = np.concatenate([np.asarray(part, dtype=np.int64) for part in numbers]) \
        if numbers else np.zeros(0, dtype=np.int64)
    if not matcher._byteids:  # each block's numbers are gaps from 0
        total = np.cumsum(ids)
        ids = total - np.repeat(np.concatenate(([0], total))[starts], counts)
    if all(isinstance(w, (int, float)) for w in weights):
        freqs = np.repeat(np.asarray(weights, dtype=np.float32), counts)
    else:
        freqs = np.concatenate([
            np.full(n, w, dtype=np.float32) if isinstance(w, (int, float))
            else np.asarray(w, dtype=np.float32) for w, n in zip(weights, lengths, strict=True)
        ])
    return ids, freqs, (np.asarray(offsets, dtype=np.int64), starts)


def _small(values: np.ndarray) -> np.ndarray:
    """`values` as 16-bit unsigned integers when they are whole numbers that fit (most
    frequencies and positions): cached arrays take half the memory."""
    if values.size and (values.min() < 0 or values.max() > 0xFFFF):
        return values.astype(np.int32) if values.dtype.kind in "iu" else values
    if values.dtype.kind == "f" and not np.array_equal(values, np.round(values)):
        return values
    return values.astype(np.uint16)


def _block_size(block: tuple[np.ndarray, np.ndarray]) -> int:
    return block[0].nbytes + block[1].nbytes + 250  # + the entry's own objects


def positions_arrays(reader, field: str, text, docnums, postings: TermPostings | None = None,
                     cache: LRUCache | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The positions of a term in each of `docnums` (ascending) as two arrays: how many each
    document has (0 without the term), and all of them one document after the other.

    With the term's `postings` (read from the same index generation), only the blocks that
    hold a wanted document are read, found from the block directory, and decoded a block at
    a time (kept in `cache`); otherwise blocks are walked from the first (or, in a segment
    with deletions, one posting at a time)."""
    wanted = np.asarray(docnums, dtype=np.int64)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (docs, counts, flat)
    format_ = reader.schema[field].format
    directories = {b[0]: b for b in postings.blocks if b} if postings is not None else {}
    flat_parts = {part.number: part for part in postings.flat} if postings is not None else {}
    for number, (leaf, offset) in enumerate(reader.leaf_readers()):
        first, last = np.searchsorted(wanted, [offset, offset + leaf.doc_count_all()])
        if first == last:
            continue
        local = wanted[first:last]
        if number in flat_parts:
            found.append(_flat_positions(flat_parts[number], postings, local))
            continue
        directory = directories.get(number)
        if directory is not None:
            found.append(_directory_positions(leaf, number, field, text, local, postings,
                                              directory, format_, cache))
            continue
        if postings is not None and not postings.docs.size:
            continue
        try:
            matcher = leaf.postings(field, text)
        except Exception:  # noqa: BLE001 - Whoosh raises TermNotFound for absent terms
            continue
        if all(hasattr(matcher, a) for a in ("_read_ids", "_read_values", "_next_block")):
            places = list(_block_values(matcher, local - offset))
        else:
            places = list(_posting_values(matcher, (local - offset).tolist()))
        if places:
            counts, flat = _decode(format_, [value for _, value in places])
            found.append((np.array([d for d, _ in places], dtype=np.int64) + offset,
                          counts, flat))
    counts = np.zeros(wanted.size, dtype=np.int64)
    found = [part for part in found if part[0].size]
    if not found:
        return counts, np.zeros(0, dtype=np.int64)
    docs, found_counts, flat = (np.concatenate(column) for column in zip(*found, strict=True))
    counts[np.searchsorted(wanted, docs)] = found_counts
    return counts, flat.astype(np.int64, copy=False)


def _held(held: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The `wanted` documents (ascending) found in `held` (a segment's share of a term's
    documents), and where each is in `held`."""
    at = np.searchsorted(held, wanted.astype(held.dtype))
    inside = at < held.size
    inside[inside] = held[at[inside]] == wanted[inside]
    return wanted[inside], at[inside]


def _flat_positions(part: FlatPart, postings: TermPostings, wanted: np.ndarray):
    """(documents, position counts, positions) of the `wanted` documents (numbered in the
    whole reader) that hold the term, sliced from the segment's flat postings."""
    docs, at = _held(postings.docs[part.lo : part.hi], wanted)
    counts, positions = part.field.positions(part.term, at if part.kept is None
                                             else part.kept[at])
    return docs, counts, positions


def _decode_blocks(format_, blocks: list) -> tuple[np.ndarray, np.ndarray]:
    """`_decode` of the values of several blocks, one after the other."""
    if not isinstance(format_, CompactPositions):
        return _decode(format_, [value for block in blocks for value in block])
    # Packed blocks (index.blocks) hand over their joined bytes; Whoosh's tuples are joined.
    data = [b.data if isinstance(b, PackedValues) else b"".join(b) for b in blocks]
    sizes = [np.asarray(b.sizes) if isinstance(b, PackedValues)
             else np.fromiter(map(len, b), dtype=np.int64, count=len(b)) for b in blocks]
    return decode_packed(b"".join(data), np.concatenate(sizes).astype(np.int64))


def _decode(format_, values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(format_, CompactPositions):
        return decode_many(values)
    # An index written before the compact format, or another field type.
    lists = [format_.decode_positions(v) for v in values]
    counts = np.array([len(p) for p in lists], dtype=np.int64)
    return counts, np.fromiter((p for ps in lists for p in ps), dtype=np.int64,
                               count=int(counts.sum()))


def _directory_positions(leaf, number, field, text, wanted, postings, directory, format_,
                         cache):
    """(documents, position counts, positions) of the `wanted` documents (of this segment,
    numbered in the whole reader) that hold the term, reading or taking from the cache only
    the blocks that hold them."""
    _, lo, hi, block_offsets, block_starts = directory
    held = postings.docs[lo:hi]
    docs, at = _held(held, wanted)
    empty = np.zeros(0, dtype=np.int64)
    if not docs.size:
        return docs, empty, empty
    block = np.searchsorted(block_starts, at, side="right") - 1
    firsts = np.concatenate(([0], np.flatnonzero(np.diff(block)) + 1))
    numbers = block[firsts].tolist()
    keys = [(field, text, number, number_in_term) for number_in_term in numbers]
    blocks = [cache.get(key) if cache is not None else None for key in keys]
    missing = [i for i, decoded in enumerate(blocks) if decoded is None]
    if missing:
        # The blocks not in the cache are read one by one but decoded together: a phrase of
        # two common words needs hundreds of them, and array operations cost per call.
        matcher = leaf.postings(field, text)
        read = []
        for i in missing:
            matcher._goto(int(block_offsets[numbers[i]]))
            matcher._read_values()
            read.append(matcher._values)
        sizes = [len(values) for values in read]
        all_counts, all_flat = _decode_blocks(format_, read)
        block_ends = np.cumsum(sizes)
        flat_ends = np.cumsum(all_counts)[block_ends - 1] if all_counts.size else block_ends * 0
        for i, counts_part, flat_part in zip(
                missing, np.split(all_counts, block_ends[:-1]),
                np.split(all_flat, flat_ends[:-1]), strict=True):
            blocks[i] = (_small(np.concatenate(([0], np.cumsum(counts_part)))),
                         _small(flat_part))
            if cache is not None:
                cache.put(keys[i], blocks[i])
    ends = [decoded[0] for decoded in blocks]
    flats = [decoded[1] for decoded in blocks]
    # All blocks at once: where each block's ends and positions start in the joined arrays.
    group = np.repeat(np.arange(firsts.size), np.diff(np.append(firsts, block.size)))
    ends_at = np.cumsum([0] + [e.size for e in ends[:-1]])[group]
    flat_at = np.cumsum([0] + [f.size for f in flats[:-1]])[group]
    joined = np.concatenate(ends).astype(np.int64)
    inner = ends_at + (at - block_starts[block])
    count = joined[inner + 1] - joined[inner]
    positions = np.concatenate(flats)[ranges(joined[inner] + flat_at, count)]
    return docs, count, positions.astype(np.int64)


def _block_values(matcher, local: np.ndarray):
    cursor = 0
    while matcher.is_active() and cursor < local.size:
        if matcher.block_max_id() < local[cursor]:
            matcher._next_block()
            continue
        if matcher._ids is None:
            matcher._read_ids()
        ids = np.asarray(matcher._ids[matcher._i :], dtype=np.int64)
        end = np.searchsorted(local, ids[-1], side="right")
        chunk = local[cursor:end]
        at = np.searchsorted(ids, chunk)
        here = at < ids.size
        here[here] = ids[at[here]] == chunk[here]
        if here.any():
            if matcher._values is None:
                matcher._read_values()
            values = matcher._values[matcher._i :]
            for docnum, i in zip(chunk[here].tolist(), at[here].tolist(), strict=True):
                yield docnum, values[i]
        cursor = int(end)
        matcher._next_block()


def _posting_values(matcher, local: list[int]):
    for docnum in local:
        if matcher.is_active() and matcher.id() < docnum:
            matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            yield docnum, matcher.value()


def decode_many(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Decode many `CompactPositions` values at once: (positions per value, all positions).

    One join and a few array operations instead of a Python call per posting: phrases of
    frequent words read the positions of tens of thousands of postings."""
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    return decode_packed(b"".join(values), lengths)


def in_order(counts: list[np.ndarray], flats: list[np.ndarray], slop: int) -> np.ndarray:
    """Per document (the i-th entry of each word's `positions_arrays`), whether each word has a
    position 1 to `slop` after a matched position of the word before it (Whoosh's ordered
    SpanNear with mindist 1). Vectorised over all documents at once."""
    size = counts[0].size
    if size == 0:
        return np.zeros(0, dtype=bool)
    # Each position becomes one sortable key: document index * 2**32 + position + slop (the
    # offset keeps `key - slop` inside its document's range).
    def keys(count, flat):
        return (np.repeat(np.arange(size, dtype=np.int64), count) << 32) + flat + slop

    ends = keys(counts[0], flats[0])
    for count, flat in zip(counts[1:], flats[1:], strict=True):
        following = keys(count, flat)
        if ends.size == 0:
            return np.zeros(size, dtype=bool)
        at = np.searchsorted(ends, following - slop)
        near = at < ends.size
        near[near] = ends[at[near]] <= following[near] - 1
        ends = following[near]
    matched = np.zeros(size, dtype=bool)
    matched[ends >> 32] = True
    return matched


class Vectors:
    """Per index generation: field lengths and an LRU cache of term postings as arrays,
    bounded in bytes."""

    def __init__(self, size: int, weighting):
        self.size = size
        self.weighting = weighting
        self._lengths: dict[str, np.ndarray] = {}
        self._norms: dict[str, np.ndarray | None] = {}
        self._terms = LRUCache(TERM_CACHE_BYTES, size=lambda postings: postings.nbytes)
        self._blocks = LRUCache(BLOCK_CACHE_BYTES, size=_block_size)
        self._segments: list[Segment] | None = None  # read at the first term

    def evaluate(self, q: query.Query, searcher) -> tuple[np.ndarray, np.ndarray]:
        """(matched mask, scores) over all documents."""
        return self._node(q, searcher)

    def _node(self, q, searcher):
        if isinstance(q, query.Term):
            return self._term(q, searcher)
        if type(q) is query.Phrase and len(q.words) > 1:
            return self._phrase(q, searcher)
        if isinstance(q, query.AndNot):
            mask, score = self._node(q.a, searcher)
            excluded, _ = self._node(q.b, searcher)
            return mask & ~excluded, score
        if isinstance(q, query.AndMaybe):
            mask, score = self._node(q.a, searcher)
            _, extra = self._node(q.b, searcher)
            return mask, score + extra
        if isinstance(q, (query.And, query.Or)) and type(q) in (query.And, query.Or):
            if getattr(q, "minmatch", 0) or getattr(q, "scale", None):
                return self._by_whoosh(q, searcher)
            wanted = [c for c in q.subqueries if not isinstance(c, query.Not)]
            nots = [c for c in q.subqueries if isinstance(c, query.Not)]
            unwanted = [c.query for c in nots]
            if not wanted:
                return self._by_whoosh(q, searcher)
            # Combined in place, one child at a time: a query with synonyms has dozens of
            # children, and stacking their arrays copied all of them once more. A word's
            # scores go straight to its documents: arrays over all documents per word cost
            # more than the word's own postings.
            both = isinstance(q, query.And)
            mask = None
            score = np.zeros(self.size, dtype=np.float64)
            for child in wanted:
                if isinstance(child, query.Term):
                    docs, scores = self._sparse(child, searcher)
                    np.add.at(score, docs, scores)  # faster than `score[docs] +=` here
                    if mask is not None and not both:
                        mask[docs] = True
                        continue
                    child_mask = self._mask(docs)
                else:
                    child_mask, child_score = self._node(child, searcher)
                    score += child_score
                if mask is None:
                    mask = child_mask  # a new array: changed in place
                else:
                    (np.logical_and if both else np.logical_or)(mask, child_mask, out=mask)
            if isinstance(q, query.And):
                # Whoosh scores a NOT clause as a constant (its boost) for every document it
                # lets through; add the same, so scores stay identical.
                score += sum(c.boost for c in nots)
            score *= q.boost
            for child in unwanted:
                excluded, _ = self._node(child, searcher)
                mask &= ~excluded
            np.multiply(score, mask, out=score)  # zero where unmatched; faster than masking
            return mask, score
        return self._by_whoosh(q, searcher)

    def _by_whoosh(self, q, searcher):
        """Phrases, wildcards and the like: Whoosh scores them (they match few documents);
        their scores add up with the rest exactly as inside a Whoosh query."""
        mask = np.zeros(self.size, dtype=bool)
        score = np.zeros(self.size, dtype=np.float64)
        for hit in searcher.search(q, limit=None):
            mask[hit.docnum] = True
            score[hit.docnum] = hit.score
        return mask, score

    def _phrase(self, q: query.Phrase, searcher):
        """A phrase as Whoosh matches and scores it (the sum of its words' scores where they
        stand in order, each within `slop` positions after the one before), but with the
        candidates found from cached postings and positions read for those alone."""
        mask = None
        score = np.zeros(self.size, dtype=np.float64)
        for word in q.words:
            docs, scores = self._sparse(query.Term(q.fieldname, word), searcher)
            np.add.at(score, docs, scores)
            word_mask = self._mask(docs)
            mask = word_mask if mask is None else np.logical_and(mask, word_mask, out=mask)
        candidates = np.flatnonzero(mask)
        if candidates.size:
            reader = searcher.reader()
            places = [self.positions(reader, q.fieldname, word, candidates)
                      for word in q.words]
            mask[:] = False
            mask[candidates[in_order([c for c, _ in places], [f for _, f in places],
                                     q.slop)]] = True
        score *= q.boost
        return mask, score * mask

    def _term(self, q: query.Term, searcher):
        docs, scores = self._sparse(q, searcher)
        score = np.zeros(self.size, dtype=np.float64)
        score[docs] = scores
        return self._mask(docs), score

    def _mask(self, docs: np.ndarray) -> np.ndarray:
        """A new mask over all documents with `docs` set."""
        mask = np.zeros(self.size, dtype=bool)
        mask[docs] = True
        return mask

    def _sparse(self, q: query.Term, searcher) -> tuple[np.ndarray, np.ndarray]:
        """A term's matching documents and their scores, without arrays over all documents:
        most terms match a small share of them."""
        postings = self._postings(searcher.reader(), q.fieldname, q.text)
        # NumPy converts int32 indices to its own index type at every use: once here.
        docs = postings.docs.astype(np.intp)
        if not docs.size:
            return docs, np.zeros(0, dtype=np.float64)
        return docs, self._bm25(q, searcher, docs, postings.weights)

    def _bm25(self, q: query.Term, searcher, docs, weights) -> np.ndarray:
        norm = self._norm(searcher, q.fieldname)
        weights = weights.astype(np.float64)
        if norm is None:  # a field BM25F does not score by length: Whoosh's scorer decides
            scorer = self.weighting.scorer(searcher, q.fieldname, q.text)
            lengths = self._field_lengths(searcher.reader(), q.fieldname)[docs]
            idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
            norm_docs = k1 * ((1 - b) + b * lengths / avgfl)
        else:
            # Whoosh's BM25FScorer, minus its setup: that looks the term up in every segment
            # for quality bounds that array scoring never uses, and cost more than the sums.
            idf, k1 = searcher.idf(q.fieldname, q.text), self.weighting.K1
            norm_docs = norm[docs]
        bm25 = idf * ((weights * (k1 + 1)) / (weights + norm_docs))
        return bm25 * q.boost

    def _norm(self, searcher, field: str) -> np.ndarray | None:
        """BM25F's length normalisation of every document in `field` (`k1 * (1 - b + b *
        length / average length)`, in Whoosh's order of operations), or None when the
        weighting is not BM25F or the field not scorable."""
        if field not in self._norms:
            norm = None
            if isinstance(self.weighting, BM25F) and searcher.schema[field].scorable:
                lengths = self._field_lengths(searcher.reader(), field)
                avgfl = searcher.avg_field_length(field) or 1
                b = self.weighting._field_B.get(field, self.weighting.B)
                norm = self.weighting.K1 * ((1 - b) + b * lengths / avgfl)
            self._norms[field] = norm
        return self._norms[field]

    def documents(self, reader, field: str, text) -> np.ndarray:
        """The document numbers of a term (cached like its postings)."""
        return self._postings(reader, field, text).docs

    def positions(self, reader, field: str, text, docnums) -> tuple[np.ndarray, np.ndarray]:
        """`positions_arrays` of a term, reading only the blocks that hold `docnums`."""
        return positions_arrays(reader, field, text, docnums,
                                self._postings(reader, field, text), self._blocks)

    def position_lists(self, reader, field: str, text, docnums) -> list[list[int]]:
        """The positions of a term in each of `docnums` (ascending); [] where it is absent."""
        counts, flat = self.positions(reader, field, text, docnums)
        return [part.tolist() for part in np.split(flat, np.cumsum(counts)[:-1])] \
            if counts.size else []

    def _postings(self, reader, field: str, text) -> TermPostings:
        key = (field, text)
        postings = self._terms.get(key)
        if postings is None:
            postings = postings_arrays(reader, field, text, self.segments(reader))
            self._terms.put(key, postings)
        return postings

    def segments(self, reader) -> list[Segment]:
        """The flat postings and deleted documents of each segment (read once)."""
        if self._segments is None:
            self._segments = read_segments(reader)
        return self._segments

    def _field_lengths(self, reader, field: str) -> np.ndarray:
        lengths = self._lengths.get(field)
        if lengths is None:
            lengths = field_lengths(reader, field, self.size)
            self._lengths[field] = lengths
        return lengths

