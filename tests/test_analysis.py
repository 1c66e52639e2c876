"""The Dutch analysis chain: which forms of a word meet."""

import pytest

from index.analysis import analyse


def meet(a, b):
    return set(analyse(a, mode="query")) <= set(analyse(b))


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("efficient", "efficiënt"),
        ("efficient", "efficiént"),  # OCR accent slip
        ("burgemeesters", "burgemeester"),
        ("camera", "camera's"),
        ("boa", "BOA's"),
        ("uitwisseling", "informatie-uitwisseling"),
        ("informatie", "informatie-uitwisseling"),
        ("informatie-uitwisseling", "informatieuitwisseling"),
        ("ID-straat", "ID-straat"),
        ("crème", "creme"),
    ],
)
def test_forms_that_must_meet(query, text):
    assert meet(query, text)


def test_meaningful_short_words_are_not_stop_words():
    assert {"niet", "gen", "kan", "moet", "wil"} <= set(analyse("niet geen kan moet wil"))


def test_common_function_words_are_dropped():
    assert analyse("de het een van") == []
