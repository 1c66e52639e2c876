"""Compound splitting and plural repairs: which Dutch words meet in the index."""

import math
import re
from pathlib import Path

import pytest

from index import compounds
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


def test_the_compact_frequency_table_splits_like_wordfreqs_whole_dictionary(monkeypatch):
    """Search processes keep only the frequencies splitting can use; every word of the test
    lists (and each of their parts) must split exactly as with wordfreq's full dictionary."""
    from wordfreq import get_frequency_dict

    full = get_frequency_dict("nl", wordlist="large")
    text = "\n".join(p.read_text(encoding="utf-8") for p in DATA.glob("*compound*"))
    words = set(re.findall(r"[a-zà-ÿ]+", text.lower()))
    assert len(words) > 300
    compact = {word: split(word) for word in words}
    assert any(compact.values())

    def full_zipf(word):
        frequency = full.get(word)
        return math.log10(frequency) + 9 if frequency and word.isalpha() else 0.0

    monkeypatch.setattr(compounds, "zipf", full_zipf)
    compounds.split.cache_clear()
    try:
        assert {word: split(word) for word in words} == compact
    finally:
        compounds.split.cache_clear()


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


def test_without_wordfreqs_file_layout_the_public_api_gives_the_same_table(monkeypatch):
    read = compounds._frequencies()
    monkeypatch.setattr(compounds, "_word_list", lambda: None)
    compounds._frequencies.cache_clear()
    try:
        assert compounds._frequencies() == read
    finally:
        compounds._frequencies.cache_clear()


def test_a_word_list_in_another_format_is_named_in_the_error(monkeypatch, tmp_path):
    import gzip

    import msgpack

    path = tmp_path / "large_nl.msgpack.gz"
    path.write_bytes(gzip.compress(msgpack.packb([{"format": "other"}, ["de", "het"]])))
    monkeypatch.setattr(compounds, "_word_list", lambda: path)
    compounds._frequencies.cache_clear()
    try:
        with pytest.raises(ValueError, match="large_nl.msgpack.gz: not a word list"):
            compounds._frequencies()
    finally:
        compounds._frequencies.cache_clear()
