"""The NumPy scoring path finds and ranks exactly what Whoosh itself would."""

import numpy as np
import pytest

from search.query import parse

QUERIES = ["korpschef", "korpschef stroomstootwapen", "knalvuurwerk OF zomerfestival",
           "korpschef NIET stroomstootwapen", "OM", "taser", '"extra capaciteit" korpschef',
           "ondermijn*", "titel:mei burgemeester", "informatie-uitwisseling -korpschef"]


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
