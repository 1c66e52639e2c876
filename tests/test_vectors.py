"""The NumPy scoring path finds and ranks exactly what Whoosh itself would."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.query import parse

QUERIES = ["korpschef", "korpschef stroomstootwapen", "knalvuurwerk OF zomerfestival",
           "korpschef NIET stroomstootwapen", "OM", "taser", '"extra capaciteit" korpschef',
           "ondermijn*", "titel:mei burgemeester", "informatie-uitwisseling -korpschef",
           '"extra capaciteit voor de recherche"', '"de korpschef vraagt"', '"korpschef"',
           '"knalvuurwerk"~3 burgemeester', '"capaciteit extra"', '"informatie-uitwisseling"',
           '"vuurwerk verbod"~4 OF "extra capaciteit"']


def _without_flat_postings(index_dir) -> None:
    """Remove the flat postings (index.flat) from the live generation and its manifest, as in
    an index written by an older version: search must then read Whoosh's blocks and give the
    same answers."""
    import json

    from index.store import MANIFEST, IndexStore

    folder = IndexStore(index_dir).current()
    manifest = json.loads((folder / MANIFEST).read_text())
    for path in folder.glob("*.flat"):
        path.unlink()
        del manifest["checksums"][path.name]
    (folder / MANIFEST).write_text(json.dumps(manifest))


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("any_word", [False, True])
@pytest.mark.parametrize("flat", [True, False])
def test_same_matches_and_scores_as_whoosh(indexed, index_dir, text, any_word, flat):
    if not flat:
        _without_flat_postings(index_dir)
    generation = indexed.generation()
    with generation.searcher() as searcher:
        parsed = parse(text, searcher.schema, any_word=any_word, synonyms=indexed.synonyms)
        mask, scores = generation.vectors().evaluate(parsed.query, searcher)
        whoosh = {hit.docnum: hit.score for hit in searcher.search(parsed.query, limit=None)}
    assert set(np.flatnonzero(mask).tolist()) == set(whoosh)
    for docnum, score in whoosh.items():
        assert scores[docnum] == pytest.approx(score)


def _index(minutes, index_dir, incremental: bool) -> None:
    """Index the test minutes; with `incremental`, then change one file and add another and
    index again (several segments, deleted documents)."""
    from conftest import write_minutes

    import index.writer
    from index.pipeline import run as index_run
    from index.store import IndexStore

    index_run([minutes], IndexStore(index_dir))
    if incremental:
        # As in a large archive, whose big first segment is kept as it is: these few
        # documents would otherwise be merged into one segment.
        policy = index.writer.MERGE_FLOOR, index.writer.MERGE_FACTOR
        index.writer.MERGE_FLOOR = index.writer.MERGE_FACTOR = 0  # no segment merged
        (minutes / "losse-notitie.txt").write_text(
            "Evenementen 3 juni 2022\n\nDe korpschef bespreekt het zomerfestival.\n")
        write_minutes(minutes, {"extra-2023-01-09.txt": (
            "Verslag 9 januari 2023\n\nJaarwisseling\n\nDe korpschef en de burgemeesters over "
            "knalvuurwerk, knalvuurwerk en nog eens vuurwerk.\n")})
        try:
            index_run([minutes], IndexStore(index_dir))
        finally:
            index.writer.MERGE_FLOOR, index.writer.MERGE_FACTOR = policy


@pytest.mark.parametrize("flat", [True, False])
def test_same_scores_and_dates_after_incremental_runs(minutes, index_dir, flat):
    # Incremental runs leave several segments and deleted documents: column arrays are read
    # per segment and must line up with Whoosh's own document numbers.
    from search import SearchIndex

    _index(minutes, index_dir, incremental=True)
    if not flat:
        _without_flat_postings(index_dir)
    index = SearchIndex(index_dir)
    generation = index.generation()
    with generation.searcher() as searcher:
        reader = searcher.reader()
        assert len(reader.leaf_readers()) > 1 and reader.has_deletions()
        parsed = parse("korpschef OF knalvuurwerk", searcher.schema, synonyms=index.synonyms)
        mask, scores = generation.vectors().evaluate(parsed.query, searcher)
        whoosh = {hit.docnum: hit.score for hit in searcher.search(parsed.query, limit=None)}
        assert set(np.flatnonzero(mask).tolist()) == set(whoosh)
        for docnum, score in whoosh.items():
            assert scores[docnum] == pytest.approx(score)
        dates = generation.facets().dates
        for docnum in reader.all_doc_ids():
            stored = searcher.stored_fields(docnum)["date"]
            assert dates[docnum] == (int(stored.replace("-", "")) if stored else 0)


positions_lists = st.lists(st.lists(st.integers(0, 2**31 - 1), max_size=8, unique=True)
                           .map(sorted), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(positions_lists)
def test_many_positions_decode_as_one_by_one(lists):
    # Phrases read positions for thousands of postings at once; each must come back exactly as
    # the format's own one-posting decoder gives it, whatever the width of its gaps.
    from index.positions import CompactPositions
    from search.vectors import decode_many

    encoded = [CompactPositions().encode(p) for p in lists]
    counts, flat = decode_many(encoded)
    assert counts.tolist() == [len(p) for p in lists]
    assert flat.tolist() == [x for p in lists for x in p]


def _follows(places, slop):
    ends = places[0]
    for following in places[1:]:
        ends = [b for b in following if any(1 <= b - a <= slop for a in ends)]
    return bool(ends)


@settings(max_examples=300, deadline=None)
@given(st.integers(2, 4).flatmap(lambda words: st.lists(
    st.lists(st.lists(st.integers(0, 40), max_size=6, unique=True).map(sorted),
             min_size=words, max_size=words), min_size=1, max_size=15)),
       st.integers(1, 5))
def test_phrase_order_over_many_documents(documents, slop):
    # The vectorised check must agree, document by document, with the plain definition: each
    # word 1..slop positions after a matched position of the word before it.
    from search.vectors import in_order

    words = len(documents[0])
    counts = [np.array([len(d[w]) for d in documents]) for w in range(words)]
    flats = [np.array([p for d in documents for p in d[w]], dtype=np.int64)
             for w in range(words)]
    assert in_order(counts, flats, slop).tolist() == [_follows(d, slop) for d in documents]


def test_term_cache_stays_within_its_byte_budget(indexed, monkeypatch):
    # A server answering many different words must not grow without bound; evicted words are
    # read again and still give the same answers.
    import search.vectors as vectors

    generation = indexed.generation()
    with generation.searcher() as searcher:
        cache = vectors.Vectors(generation.vectors().size, generation.vectors().weighting)
        parsed = parse("korpschef OF knalvuurwerk OF burgemeester", searcher.schema,
                       synonyms=indexed.synonyms)
        unbounded = cache.evaluate(parsed.query, searcher)
        budget = 600
        monkeypatch.setattr(vectors, "TERM_CACHE_BYTES", budget)
        small = vectors.Vectors(cache.size, cache.weighting)
        for _ in range(2):
            bounded = small.evaluate(parsed.query, searcher)
            assert small._terms.total <= budget or len(small._terms) == 1
        assert (bounded[0] == unbounded[0]).all()
        assert np.allclose(bounded[1], unbounded[1])


@pytest.mark.parametrize("incremental", [False, True])
@pytest.mark.parametrize("flat", [True, False])
def test_positions_are_whooshs_own(minutes, index_dir, incremental, flat):
    # Snippets, the proximity bonus and phrases read positions from the flat postings, or
    # through the block directory of the cached postings; they must be exactly what Whoosh's
    # own matcher decodes, also in an index of several segments with deleted documents.
    from search import SearchIndex

    _index(minutes, index_dir, incremental)
    if not flat:
        _without_flat_postings(index_dir)
    generation = SearchIndex(index_dir).generation()
    vectors = generation.vectors()
    with generation.searcher() as searcher:
        reader = searcher.reader()
        assert (len(reader.leaf_readers()) > 1) == incremental
        everything = np.arange(reader.doc_count_all())
        # Read from the flat postings where there are any (one part per segment holding it).
        assert bool(vectors._postings(reader, "text", "korpschef").flat) == flat
        for term in ("korpschef", "knalvuurwerk", "burgemeester", "vuurwerk", "afwezig"):
            expected = {}
            if reader.doc_frequency("text", term):
                matcher = reader.postings("text", term)
                while matcher.is_active():
                    expected[matcher.id()] = list(matcher.value_as("positions"))
                    matcher.next()
            for wanted in (everything, everything[::3]):
                lists = vectors.position_lists(reader, "text", term, wanted)
                got = {d: p for d, p in zip(wanted.tolist(), lists, strict=True) if p}
                assert got == {d: p for d, p in expected.items() if d in set(wanted.tolist())}
