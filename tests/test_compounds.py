"""Compound splitting and plural repairs: which Dutch words meet in the index."""

from pathlib import Path

import pytest

from index.analysis import analyse
from index.compounds import read_word_list, split, split_quality

DATA = Path(__file__).parent / "data"


def same_stem(a: str, b: str) -> bool:
    return analyse(a, mode="query") == analyse(b, mode="query")


def test_compound_list_recall_and_false_splits():
    compounds = read_word_list(DATA / "compounds.tsv")
    whole = [row[0] for row in read_word_list(DATA / "non_compounds.txt")]
    assert len(compounds) >= 100 and len(whole) >= 100
    recall, false_rate, missed, wrong = split_quality(compounds, whole, same_stem)
    assert recall >= 0.90, missed
    assert false_rate <= 0.03, wrong


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("knalvuurwerk", ("knal", "vuurwerk")),
        ("ondermijningsfonds", ("ondermijning", "fonds")),
        ("politieorganisatie", ("politie", "organisatie")),
        ("gegevensuitwisseling", ("gegevens", "uitwisseling")),
        ("opsporingscapaciteit", ("opsporing", "capaciteit")),
        ("stroomstootwapen", ("stroomstoot", "wapen")),
    ],
)
def test_compounds_of_the_genre_split_with_linking_s(word, parts):
    assert split(word) == parts


@pytest.mark.parametrize("word", ["bestrijding", "handhaving", "korps", "korpschef",
                                  "gemeente", "vergadering", "aanhouding"])
def test_words_that_are_no_compounds_stay_whole(word):
    assert split(word) == ()


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("vuurwerk", "knalvuurwerk"),
        ("wapens", "stroomstootwapen"),
        ("fonds", "ondermijningsfonds"),
        ("capaciteit", "opsporingscapaciteit"),
        ("wapen", "wapens"),
        ("wapens", "wapen"),
        ("organisatie", "organisaties"),
        ("moties", "motie"),
        ("gemeente", "gemeentes"),
        ("camera", "camera's"),
        ("veiligheidsregio", "veiligheidsregio's"),
    ],
)
def test_word_pairs_that_must_meet(query, text):
    assert set(analyse(query, mode="query")) <= set(analyse(text))


@pytest.mark.parametrize(
    ("query", "text"),
    [("gemeente", "gemeen"), ("korps", "korpschef"), ("best", "bestrijding"),
     ("hand", "handhaving"), ("knalvuurwerk", "vuurwerk")],
)
def test_word_pairs_that_must_not_meet(query, text):
    assert not set(analyse(query, mode="query")) <= set(analyse(text))


def test_the_whole_compound_ranks_with_its_own_term():
    assert analyse("knalvuurwerk")[0] == "knalvuurwerk"
