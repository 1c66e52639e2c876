"""Spelling corrections from the flat postings: Whoosh's candidates, ranked closest first."""

import pytest

from search import SearchRequest
from search import run as search
from search.spelling import MAX_EDITS, corrections

TYPOS = ["knalvurwerk", "korpchef", "burgemeestr", "zomerfestivla", "vuurwrek", "taserr",
         "informatie-uitwiseling", "qqq", "k"]


@pytest.mark.parametrize("typo", TYPOS)
def test_the_candidates_are_the_words_whoosh_finds(indexed, typo):
    generation = indexed.generation()
    with generation.searcher() as searcher:
        reader = searcher.reader()
        found = corrections(generation.vectors().segments(reader), "text", typo, limit=1000)
        whoosh = set(reader.terms_within("text", typo, MAX_EDITS, prefix=1)) - {typo}
    assert set(found) == whoosh


def test_the_closest_word_comes_first_then_the_most_frequent(indexed):
    generation = indexed.generation()
    with generation.searcher() as searcher:
        reader = searcher.reader()
        segments = generation.vectors().segments(reader)
        found = corrections(segments, "text", "vuurwrek", limit=10)
        assert found[0] == "vuurwerk"  # one transposition away
        for typo in TYPOS:
            ranked = corrections(segments, "text", typo, limit=1000)
            keys = [(_edits(typo, word), -reader.frequency("text", word)) for word in ranked]
            assert keys == sorted(keys)


def _edits(a: str, b: str) -> int:
    from whoosh.support.levenshtein import damerau_levenshtein

    return damerau_levenshtein(a, b)


@pytest.mark.parametrize("flat", [True, False])
def test_a_search_that_finds_nothing_suggests_the_correction(indexed, index_dir, flat):
    # Also an index written before flat postings existed: there Whoosh's corrector answers.
    if not flat:
        from test_vectors import _without_flat_postings

        _without_flat_postings(index_dir)
    results = search(SearchRequest("knalvurwerk OF zomerfestivla"), indexed)
    assert results.total == 0
    assert results.suggestion == "knalvuurwerk OF zomerfestival"
