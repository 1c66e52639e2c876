"""Matching and BM25F scoring with NumPy over cached postings.

Whoosh walks its matchers document by document in Python, twice per search (once for the
set of matches that facets and totals need, once to score it). For the queries people type
most — words, AND/OR/NOT of words — this module does both at once with array operations: each
term's postings (documents and frequencies) are read once per index generation and cached,
field lengths are read once, and a query becomes a few vectorised unions, intersections and
sums. The score is Whoosh's own BM25F, so ranking does not change. Phrases and wildcards
inside a query are scored by Whoosh and added in.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from whoosh import query

from index.positions import CODE_TYPES, CompactPositions

from .columns import field_lengths

# Bytes of term postings each index generation keeps as arrays (most recently used first).
# A frequent word at 100,000 agenda items holds ~50,000 postings (400 KB); 48 MB keeps the
# few hundred words most searched warm without letting a server grow past its memory target.
TERM_CACHE_BYTES = 48 * 2**20


def postings_arrays(reader, field: str, text) -> tuple[np.ndarray, np.ndarray]:
    """All (document numbers, frequencies) of a term, as arrays.

    Whoosh's matchers hand out one posting per Python call; its on-disk blocks hold up to a
    hundred at once. Segments without deletions are read block by block (Whoosh 2.7.5's
    block reader, pinned in pyproject.toml); anything else posting by posting.
    """
    docs: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for leaf, offset in reader.leaf_readers():
        try:
            matcher = leaf.postings(field, text)
        except Exception:  # noqa: BLE001 - Whoosh raises TermNotFound for absent terms
            continue
        ids, freqs = _read_blocks(matcher)
        # 32-bit: half the memory of a cached term, and exact (document numbers stay below
        # 2**31; frequencies are small whole numbers, and Whoosh keeps them as 32-bit floats).
        docs.append((np.asarray(ids, dtype=np.int64) + offset).astype(np.int32))
        weights.append(np.asarray(freqs, dtype=np.float32))
    if not docs:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    return np.concatenate(docs), np.concatenate(weights)


def _read_blocks(matcher) -> tuple[list, list]:
    ids: list = []
    freqs: list = []
    if all(hasattr(matcher, a) for a in ("_read_ids", "_read_weights", "_next_block")):
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._weights is None:
                matcher._read_weights()
            ids.extend(matcher._ids[matcher._i :])
            freqs.extend(matcher._weights[matcher._i :])
            matcher._next_block()
        return ids, freqs
    while matcher.is_active():
        ids.append(matcher.id())
        freqs.append(matcher.weight())
        matcher.next()
    return ids, freqs


def positions(reader, field: str, text, docnums) -> list[list[int]]:
    """The positions of a term in each of `docnums` (ascending), an empty list for a document
    without it."""
    counts, flat = positions_arrays(reader, field, text, docnums)
    return [part.tolist() for part in np.split(flat, np.cumsum(counts)[:-1])] \
        if counts.size else []


def positions_arrays(reader, field: str, text, docnums) -> tuple[np.ndarray, np.ndarray]:
    """The positions of a term in each of `docnums` (ascending) as two arrays: how many each
    document has (0 without the term), and all of them one document after the other.

    Posting blocks are read whole where Whoosh allows it (segments without deletions),
    skipping blocks that hold none of the documents; otherwise one posting at a time. The
    encoded positions of all wanted postings are then decoded at once (`decode_many`)."""
    wanted = np.asarray(docnums, dtype=np.int64)
    found_docs: list[int] = []
    found_values: list[bytes] = []
    for leaf, offset in reader.leaf_readers():
        first, last = np.searchsorted(wanted, [offset, offset + leaf.doc_count_all()])
        if first == last:
            continue
        try:
            matcher = leaf.postings(field, text)
        except Exception:  # noqa: BLE001 - Whoosh raises TermNotFound for absent terms
            continue
        local = wanted[first:last] - offset
        if all(hasattr(matcher, a) for a in ("_read_ids", "_read_values", "_next_block")):
            places = _block_values(matcher, local)
        else:
            places = _posting_values(matcher, local.tolist())
        for docnum, value in places:
            found_docs.append(docnum + offset)
            found_values.append(value)
    counts = np.zeros(wanted.size, dtype=np.int64)
    if not found_docs:
        return counts, np.zeros(0, dtype=np.int64)
    format_ = reader.schema[field].format
    if isinstance(format_, CompactPositions):
        found_counts, flat = decode_many(found_values)
    else:  # an index written before the compact format, or another field type
        lists = [format_.decode_positions(v) for v in found_values]
        found_counts = np.array([len(p) for p in lists], dtype=np.int64)
        flat = np.fromiter((p for ps in lists for p in ps), dtype=np.int64,
                           count=int(found_counts.sum()))
    counts[np.searchsorted(wanted, np.asarray(found_docs, dtype=np.int64))] = found_counts
    return counts, flat


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


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indexes start..start+length of every (start, length), one after the other."""
    before = np.cumsum(lengths) - lengths
    return np.repeat(starts - before, lengths) + np.arange(int(lengths.sum()))


def decode_many(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Decode many `CompactPositions` values at once: (positions per value, all positions).

    One join and a few array operations instead of a Python call per posting: phrases of
    frequent words read the positions of tens of thousands of postings."""
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    starts = np.cumsum(lengths) - lengths
    raw = np.frombuffer(b"".join(values), dtype=np.uint8)
    codes = raw[starts]
    sizes = np.zeros(256, dtype=np.int64)
    for code, dtype in CODE_TYPES.items():
        sizes[code] = dtype.itemsize
    if not sizes[codes].all():
        raise ValueError("unknown position encoding")
    counts = (lengths - 1) // sizes[codes]
    slots = np.cumsum(counts) - counts
    gaps = np.empty(int(counts.sum()), dtype=np.int64)
    for code, dtype in CODE_TYPES.items():
        chosen = codes == code
        if chosen.any():
            data = raw[_ranges(starts[chosen] + 1, lengths[chosen] - 1)]
            gaps[_ranges(slots[chosen], counts[chosen])] = data.view(dtype)
    total = np.cumsum(gaps)
    base = np.concatenate(([0], total))[slots]
    return counts, total - np.repeat(base, counts)


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


def _nbytes(postings: tuple[np.ndarray, np.ndarray]) -> int:
    return sum(array.nbytes for array in postings) + 200  # + the entry's own objects


class Vectors:
    """Per index generation: field lengths and an LRU cache of term postings as arrays,
    bounded in bytes."""

    def __init__(self, size: int, weighting):
        self.size = size
        self.weighting = weighting
        self._lengths: dict[str, np.ndarray] = {}
        self._terms: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

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
            parts = [self._node(c, searcher) for c in wanted]
            masks = np.array([m for m, _ in parts])
            mask = masks.all(axis=0) if isinstance(q, query.And) else masks.any(axis=0)
            score = np.sum([s for _, s in parts], axis=0)
            if isinstance(q, query.And):
                # Whoosh scores a NOT clause as a constant (its boost) for every document it
                # lets through; add the same, so scores stay identical.
                score = score + sum(c.boost for c in nots)
            score = score * q.boost
            for child in unwanted:
                excluded, _ = self._node(child, searcher)
                mask = mask & ~excluded
            return mask, np.where(mask, score, 0.0)
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
        parts = [self._term(query.Term(q.fieldname, word), searcher) for word in q.words]
        mask = np.logical_and.reduce([m for m, _ in parts])
        candidates = np.flatnonzero(mask)
        if candidates.size:
            reader = searcher.reader()
            places = [positions_arrays(reader, q.fieldname, word, candidates)
                      for word in q.words]
            mask[:] = False
            mask[candidates[in_order([c for c, _ in places], [f for _, f in places],
                                     q.slop)]] = True
        score = np.sum([s for _, s in parts], axis=0) * q.boost
        return mask, np.where(mask, score, 0.0)

    def _term(self, q: query.Term, searcher):
        docs, weights = self._postings(searcher.reader(), q.fieldname, q.text)
        mask = np.zeros(self.size, dtype=bool)
        score = np.zeros(self.size, dtype=np.float64)
        if docs.size:
            mask[docs] = True
            score[docs] = self._bm25(q, searcher, docs, weights)
        return mask, score

    def _bm25(self, q: query.Term, searcher, docs, weights) -> np.ndarray:
        scorer = self.weighting.scorer(searcher, q.fieldname, q.text)
        lengths = self._field_lengths(searcher.reader(), q.fieldname)[docs]
        weights = weights.astype(np.float64)
        idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        bm25 = idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl)))
        return bm25 * q.boost

    def documents(self, reader, field: str, text) -> np.ndarray:
        """The document numbers of a term (cached like its postings)."""
        return self._postings(reader, field, text)[0]

    def _postings(self, reader, field: str, text) -> tuple[np.ndarray, np.ndarray]:
        key = (field, text)
        with self._lock:
            cached = self._terms.get(key)
            if cached is not None:
                self._terms.move_to_end(key)
                return cached
        value = postings_arrays(reader, field, text)
        with self._lock:
            if key not in self._terms:
                self._terms[key] = value
                self._bytes += _nbytes(value)
            while self._bytes > TERM_CACHE_BYTES and len(self._terms) > 1:
                self._bytes -= _nbytes(self._terms.popitem(last=False)[1])
        return value

    def _field_lengths(self, reader, field: str) -> np.ndarray:
        lengths = self._lengths.get(field)
        if lengths is None:
            lengths = field_lengths(reader, field, self.size)
            self._lengths[field] = lengths
        return lengths

