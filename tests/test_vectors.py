"""The NumPy scoring path finds and ranks exactly what Whoosh itself would."""

import numpy as np
import pytest

from search.query import parse

QUERIES = ["korpschef", "korpschef stroomstootwapen", "knalvuurwerk OF zomerfestival",
           "korpschef NIET stroomstootwapen", "OM", "taser", '"extra capaciteit" korpschef',
           "ondermijn*", "titel:mei burgemeester", "informatie-uitwisseling -korpschef",
           '"extra capaciteit voor de recherche"', '"de korpschef vraagt"', '"korpschef"',
           '"knalvuurwerk"~3 burgemeester', '"capaciteit extra"', '"informatie-uitwisseling"',
           '"vuurwerk verbod"~4 OF "extra capaciteit"']


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("any_word", [False, True])
def test_same_matches_and_scores_as_whoosh(indexed, text, any_word):
    generation = indexed.generation()
    with generation.searcher() as searcher:
        parsed = parse(text, searcher.schema, any_word=any_word, synonyms=indexed.synonyms)
        mask, scores = generation.vectors().evaluate(parsed.query, searcher)
        whoosh = {hit.docnum: hit.score for hit in searcher.search(parsed.query, limit=None)}
    assert set(np.flatnonzero(mask).tolist()) == set(whoosh)
    for docnum, score in whoosh.items():
        assert scores[docnum] == pytest.approx(score)


def test_same_scores_and_dates_after_incremental_runs(minutes, index_dir):
    # Incremental runs leave several segments and deleted documents: column arrays are read
    # per segment and must line up with Whoosh's own document numbers.
    from conftest import write_minutes

    from index.pipeline import run as index_run
    from index.store import IndexStore
    from search import SearchIndex

    index_run([minutes], IndexStore(index_dir))
    (minutes / "losse-notitie.txt").write_text(
        "Evenementen 3 juni 2022\n\nDe korpschef bespreekt het zomerfestival.\n")
    write_minutes(minutes, {"extra-2023-01-09.txt": (
        "Verslag 9 januari 2023\n\nJaarwisseling\n\nDe korpschef en de burgemeesters over "
        "knalvuurwerk, knalvuurwerk en nog eens vuurwerk.\n")})
    index_run([minutes], IndexStore(index_dir))
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
