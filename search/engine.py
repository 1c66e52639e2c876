"""Run a search against the live index generation: hits, facets, snippets, notice."""

from __future__ import annotations

import contextlib
import dataclasses
import queue
import re
import threading
from dataclasses import dataclass

import numpy as np
from whoosh import scoring

from index.analysis import analyse
from index.errors import BestuurszoekerError
from index.schema import SEARCH_FIELDS
from index.store import IndexStore, Manifest

from .caches import LRUCache
from .facets import FacetTable
from .order import first_in_order
from .query import (
    RERANK_DEPTH,
    ParsedQuery,
    parse,
    plain_words,
    proximity_factor,
    proximity_words,
    word_count,
)
from .request import BadRequest, SearchRequest
from .results import Hit, Results
from .snippets import snippet_at, spans_at, spans_of
from .spelling import MAX_EDITS, corrections
from .synonyms import Synonyms
from .synonyms import load as load_synonyms
from .turns import Turns
from .vectors import Vectors

# The fields query words are matched in: a word is known, or present, when one of them has it.
WORD_FIELDS = tuple(f.name for f in SEARCH_FIELDS)
# Corrections the corrector offers per word; the closest one the viewer may see is taken.
SUGGEST_CANDIDATES = 10
# Values per facet in a result (most frequent first; years newest first). On a large archive
# the actor facet has thousands of values; nobody reads them, and cached results keep them.
FACET_VALUES = 100
_WORD = re.compile(r"[^\W\d_][\w']*")
_OPERATOR_WORDS = {"AND", "EN", "OR", "OF", "NOT", "NIET", "ANDNOT", "ANDMAYBE", "REQUIRE"}

# Searchers per opened index generation (see Generation.searcher). One: searches are
# CPU-bound Python, so a process runs them one after another at the same total speed; taken
# in turn, each waits for those before it instead of all of them finishing late together.
# Measured at 100,000 agenda items, 2 workers, 16 clients: 106 -> 124-128 requests/s, p95
# 238 -> 176-182 ms (two searchers at a time shared the GIL and thrashed it).
SEARCHERS = 1
# Results kept per generation (~35 KB each at 100,000 agenda items, with their facets): enough
# for the saved searches and paging of a day, small beside the postings caches.
RESULT_CACHE_SIZE = 256
# Up to this many matched terms (a wildcard can expand to hundreds), the words to mark in a
# page's texts are found from their positions in the index; beyond it, by reading the texts.
MARK_FROM_POSITIONS = 64

# BM25F with milder length normalisation than the textbook b=0.75: agenda items range from
# one-line decisions to pages of discussion, and a long item that is about the query should
# not sink below a short one that mentions it once (measured in benchmarks/relevance.py).
WEIGHTING = scoring.BM25F(B=0.5, K1=1.2)

NOTICE_OR_FALLBACK = (
    "Geen resultaten met alle woorden samen; hieronder resultaten met een of meer van de woorden."
)
# When all words together find fewer agenda items than this, the best items holding only some
# of the words follow them: a long question or pasted sentence is seldom answered word for
# word, and a first page with one hit hides the items that answer it in other words.
PARTIAL_FILL = 10
NOTICE_PARTIAL = (
    "{complete} {items} alle woorden; daarna volgen resultaten met een deel van de woorden."
)


@dataclass
class Generation:
    """One opened index generation with what is built once for it (searcher, facet table)."""

    name: str
    ix: object
    manifest: Manifest
    _facets: FacetTable | None = None
    _vectors: Vectors | None = None
    # After a failed read: what is wrong with the files, "" when they proved intact.
    problem: str | None = None

    def __post_init__(self) -> None:
        self.cache = LRUCache(RESULT_CACHE_SIZE)
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self._slots = Turns(SEARCHERS)
        self._build = threading.Lock()
        self._verify = threading.Lock()

    @contextlib.contextmanager
    def searcher(self):
        """Borrow a searcher. Whoosh searchers cannot be shared by threads at once, and each
        holds its own caches (tens of MB on a large index), so a small pool (SEARCHERS) serves
        all threads: with the GIL, more searchers add memory, not speed."""
        with self._slots:
            try:
                searcher = self._idle.get_nowait()
            except queue.Empty:
                searcher = self.ix.searcher(weighting=WEIGHTING)
            try:
                yield searcher
            finally:
                self._idle.put(searcher)

    def vectors(self) -> Vectors:
        if self._vectors is None:
            self._vectors = Vectors(self.ix.doc_count_all(), WEIGHTING)
        return self._vectors

    def facets(self) -> FacetTable:
        if self._facets is None:
            with self._build:
                if self._facets is None:
                    with self.searcher() as searcher:
                        self._facets = FacetTable(searcher.reader())
        return self._facets


class SearchIndex:
    """The open index of one folder; follows re-indexes without a restart.

    Each call to `generation()` checks the folder's pointer file and opens the new generation
    when an indexing run has committed one. A half-written generation is never visible: the
    pointer only moves after the indexer has finished and flushed it.
    """

    def __init__(self, root, synonyms: Synonyms | None = None):
        self.store = IndexStore(root)
        self.synonyms = synonyms if synonyms is not None else load_synonyms()
        self._current: Generation | None = None
        self._lock = threading.Lock()

    def generation(self) -> Generation:
        name = self.store.generation()
        current = self._current
        if current is None or current.name != name:
            with self._lock:
                if self._current is None or self._current.name != self.store.generation():
                    self._current = self._open()
                current = self._current
        if current.problem:
            raise self.store.damaged(current.problem)
        return current

    @contextlib.contextmanager
    def reading(self, generation: Generation):
        """Whoosh opens segment data lazily, so damage may first show in the middle of a
        search, as any kind of exception. On the first such failure the generation's files are
        compared with their checksums: damage becomes IndexDamaged (for this and every later
        search of the generation); a failure with intact files is a bug and is raised as is."""
        try:
            yield
        except (BestuurszoekerError, BadRequest):
            raise
        except Exception as exc:
            with generation._verify:
                if generation.problem is None:
                    folder = self.store.root / generation.name
                    generation.problem = self.store.verify(folder, generation.manifest) or ""
            if generation.problem:
                raise self.store.damaged(generation.problem) from exc
            raise

    def _open(self) -> Generation:
        ix, manifest = self.store.open()
        generation = Generation(ix.storage.folder.rsplit("/", 1)[-1], ix, manifest)
        try:
            # Reads every segment's term index and facet postings: damage shows up here,
            # once, instead of as a failure in the middle of a search.
            generation.facets()
        except Exception as exc:  # Whoosh raises struct.error, EOFError, KeyError, …
            raise self.store.damaged(exc) from exc
        return generation


def run(request: SearchRequest, index: SearchIndex) -> Results:
    """Search: the requested page of hits, facet counts over all matches, and a notice, over
    the documents the request's viewer may see.

    Results are remembered per index generation (saved searches and feed readers ask the
    same question again and again); a re-index starts afresh. Callers must not change them.
    """
    generation = index.generation()
    table = generation.facets()
    # The cache key holds what the viewer may see: viewers who see the same documents share
    # entries, and no one is ever answered from another's.
    request = dataclasses.replace(request, access=table.access.effective(request.access))
    cached = generation.cache.get(request)
    if cached is not None:
        return cached
    with index.reading(generation), generation.searcher() as searcher:
        results = _run(request, searcher, table, generation.vectors(), index.synonyms)
    generation.cache.put(request, results)
    return results


def _run(request: SearchRequest, searcher, table: FacetTable, vectors: Vectors, synonyms
         ) -> Results:
    schema = searcher.schema
    parsed = parse(request.query, schema, synonyms=synonyms) if request.query else None
    allowed = table.filter_mask(
        request.topics, request.actors, _day(request.date_from), _day(request.date_to),
        request.access,
    )
    matched, scores = _matches(searcher, vectors, parsed, allowed)
    notice = parsed.notice if parsed else None
    complete = None  # with partial matches: the documents that hold every word
    if parsed and word_count(parsed.query) > 1 and (
            matched.size == 0 or matched.size < PARTIAL_FILL and plain_words(request.query)):
        wider = parse(request.query, schema, any_word=True, synonyms=synonyms)
        wider_matched, wider_scores = _matches(searcher, vectors, wider, allowed)
        if wider_matched.size > matched.size:
            complete = np.zeros(table.size, dtype=bool)
            complete[matched] = True
            if matched.size == 0:
                notice = NOTICE_OR_FALLBACK
            else:
                notice = NOTICE_PARTIAL.format(
                    complete=matched.size,
                    items="agendapunt bevat" if matched.size == 1 else "agendapunten bevatten")
            parsed, matched, scores = wider, wider_matched, wider_scores

    results = Results(
        query=request.query,
        total=int(matched.size),
        page=request.page,
        per_page=request.per_page,
        facets=table.counts(matched, limit=FACET_VALUES),
        notice=notice,
        expansions=parsed.expansions if parsed else [],
    )
    if parsed and (results.total == 0 or notice == NOTICE_OR_FALLBACK):
        visible = table.live & table.access.visible(request.access)
        results.suggestion = _suggestion(searcher, vectors, visible, allowed, parsed.text)
    page = _page(searcher, vectors, table, parsed, matched, scores, request, complete)
    terms = highlight_terms(searcher, parsed).get("text", frozenset())
    # Where the matched words stand, from the index: only those words are looked at again.
    places = _positions(searcher.reader(), vectors, [d for d, _ in page], terms) \
        if len(terms) <= MARK_FROM_POSITIONS else None
    words = _query_words(request.query, parsed) if complete is not None else {}
    for docnum, score in page:
        at = None if places is None else {p for found in places[docnum].values() for p in found}
        hit = _hit(searcher.stored_fields(docnum), score, terms, at)
        if complete is not None and not complete[docnum]:
            hit.missing = _missing(searcher.reader(), vectors, words, docnum)
        results.hits.append(hit)
    return results


def _matches(searcher, vectors: Vectors, parsed: ParsedQuery | None, allowed: np.ndarray):
    """Sorted document numbers that match the query (all documents without one) and the
    filters, plus every document's score (None without a query)."""
    if parsed is None:
        return np.flatnonzero(allowed), None
    mask, scores = vectors.evaluate(parsed.query, searcher)
    return np.flatnonzero(mask & allowed), scores


def _page(searcher, vectors: Vectors, table: FacetTable, parsed, matched: np.ndarray, scores,
          request: SearchRequest, complete: np.ndarray | None = None):
    """(docnum, score) of the requested page, in the requested order. With `complete` (the
    documents holding every word), those come first in either order, then the rest."""
    end = request.offset + request.per_page
    if matched.size == 0 or request.offset >= matched.size:
        return []
    tier = (~complete[matched]).astype(np.int8) if complete is not None else np.zeros(
        matched.size, dtype=np.int8)
    if request.sort == "relevance" and parsed is not None:
        depth = max(end, RERANK_DEPTH)
        order = first_in_order(tier, -scores[matched], matched, depth)
        scored = [(int(matched[i]), float(scores[matched[i]]), int(tier[i])) for i in order]
        words = proximity_words(parsed.query)
        if len(words) > 1:
            found = _positions(searcher.reader(), vectors, [d for d, _, _ in scored], words)
            scored = [
                (docnum, score * proximity_factor(found[docnum], words), t)
                for docnum, score, t in scored
            ]
            scored.sort(key=lambda row: (row[2], -row[1], row[0]))
        return [(docnum, score) for docnum, score, _ in scored[request.offset : end]]
    # By date; a search without words lists the newest meetings first. Undated sort last.
    dates = table.dates[matched]
    newest = request.sort != "oldest"
    key = np.where(dates > 0, -dates if newest else dates, np.iinfo(np.int64).max)
    order = first_in_order(tier, key, matched, end)
    return [(int(matched[i]), None) for i in order[request.offset : end]]


def _query_words(text: str, parsed: ParsedQuery) -> dict[str, tuple[str, ...]]:
    """The words as typed that the query searches for, with their index terms."""
    searched = {term for _, term in parsed.query.iter_all_terms()}
    words = {}
    for word in _WORD.findall(text):
        terms = tuple(analyse(word, mode="query"))
        if word.upper() not in _OPERATOR_WORDS and searched.intersection(terms):
            words.setdefault(word, terms)
    return words


def _missing(reader, vectors: Vectors, words: dict[str, tuple[str, ...]], docnum: int
             ) -> list[str]:
    """The words of `words` that occur in no searched field of a document."""
    def holds(term: str) -> bool:
        for field in WORD_FIELDS:
            docs = vectors.documents(reader, field, term)
            i = np.searchsorted(docs, docnum)
            if i < docs.size and docs[i] == docnum:
                return True
        return False
    return [word for word, terms in words.items() if not any(holds(t) for t in terms)]


def _suggestion(searcher, vectors: Vectors, visible: np.ndarray, allowed: np.ndarray,
                text: str) -> str | None:
    """A corrected query ("Bedoelde u …?"): each typed word that occurs in no document the
    viewer may see is replaced by the closest word of the texts that does (same first letter,
    at most two edits), if the corrected query then finds anything. Words are judged by the
    visible documents only, so a suggestion never reveals a word of a hidden document."""
    reader = searcher.reader()
    corrected = text
    for word in dict.fromkeys(_WORD.findall(text)):
        if word.upper() in _OPERATOR_WORDS or not analyse(word, mode="query"):
            continue
        if _visible_word(reader, vectors, visible, word):
            continue
        options = corrections(vectors.segments(reader), "text", word.lower(),
                              SUGGEST_CANDIDATES)
        if options is None:  # an index without flat postings: Whoosh's own corrector
            try:
                options = reader.corrector("text").suggest(
                    word.lower(), limit=SUGGEST_CANDIDATES, maxdist=MAX_EDITS, prefix=1)
            except Exception:  # noqa: BLE001 - a suggestion is a nicety, never a failure
                options = []
        option = next((o for o in options if _visible_word(reader, vectors, visible, o)), None)
        if option:
            corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", option, corrected)
    if corrected == text:
        return None
    found, _ = vectors.evaluate(parse(corrected, searcher.schema).query, searcher)
    return corrected if (found & allowed).any() else None


def _visible_word(reader, vectors: Vectors, visible: np.ndarray, word: str) -> bool:
    """Whether a word occurs, in any of its forms, in a document the viewer may see."""
    return any(
        visible[vectors.documents(reader, field, term)].any()
        for field in WORD_FIELDS for term in analyse(word, mode="query")
    )


def highlight_terms(searcher, parsed: ParsedQuery | None) -> dict[str, frozenset[str]]:
    """Per field, the index terms the query matches (`korps*` expanded to every word)."""
    if parsed is None:
        return {}
    reader = searcher.reader()
    terms: dict[str, set[str]] = {}
    for leaf in parsed.query.leaves():
        for field, text in leaf.expanded_terms(reader, phrases=True):
            text = text.decode("utf-8") if isinstance(text, bytes) else text
            terms.setdefault(field, set()).add(text)
    return {field: frozenset(texts) for field, texts in terms.items()}


def _positions(reader, vectors: Vectors, docnums, terms) -> dict[int, dict[str, list[int]]]:
    """Per document, the positions of each term in its text (terms it lacks left out)."""
    docnums = sorted(docnums)
    found: dict[int, dict] = {docnum: {} for docnum in docnums}
    for term in terms:
        for docnum, places in zip(docnums,
                                  vectors.position_lists(reader, "text", term, docnums),
                                  strict=True):
            if places:
                found[docnum][term] = places
    return found


def _hit(fields: dict, score: float | None, terms: frozenset[str],
         places: set[int] | None = None) -> Hit:
    text = fields.get("text", "")
    spans = spans_of(text, terms) if places is None else spans_at(text, places, terms)
    return Hit(
        doc_id=fields["doc_id"],
        section_id=fields["section_id"],
        title=fields.get("title", ""),
        section=fields.get("heading", ""),
        date=fields.get("date") or None,
        actors=_split(fields.get("actor")),
        topics=_split(fields.get("topic")),
        snippet=snippet_at(text, spans),
        source=fields.get("source", ""),
        score=score,
        position=fields.get("position", 0),
        url=fields.get("url") or None,
    )


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _day(date) -> int | None:
    return date.year * 10000 + date.month * 100 + date.day if date else None
