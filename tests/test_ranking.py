"""Ranking: what counts more for the order of agenda items."""

from conftest import write_minutes

from index.pipeline import run as index_run
from index.store import IndexStore
from search import SearchIndex, SearchRequest, run

FILLER = " ".join(["De leden bespreken de planning voor het komende kwartaal."] * 6)


def build(tmp_path, documents):
    write_minutes(tmp_path / "n", documents)
    index_run([tmp_path / "n"], IndexStore(tmp_path / "i"))
    return SearchIndex(tmp_path / "i")


def order(index, query):
    return [hit.section for hit in run(SearchRequest(query), index).hits]


def test_words_near_each_other_rank_above_scattered_words(tmp_path):
    index = build(tmp_path, {
        # The same words, so only their distance differs.
        "a.txt": f"Verspreid\n\nHet cameratoezicht wordt besproken. {FILLER} Daarna volgt "
                 "de evaluatie.\n",
        "b.txt": f"Dichtbij\n\nHet wordt besproken. {FILLER} Daarna volgt de evaluatie "
                 "cameratoezicht.\n",
    })
    assert order(index, "evaluatie cameratoezicht") == ["Dichtbij", "Verspreid"]


def test_a_word_in_the_agenda_item_heading_counts_more_than_in_its_text(tmp_path):
    index = build(tmp_path, {
        "a.txt": f"Begroting\n\n{FILLER} Ook de drugsaanpak komt kort aan bod.\n",
        "b.txt": f"Drugsaanpak\n\n{FILLER} Het plan wordt uitgewerkt.\n",
    })
    assert order(index, "drugsaanpak") == ["Drugsaanpak", "Begroting"]


def test_a_part_finds_the_compound_but_the_compound_not_its_loose_parts(tmp_path):
    index = build(tmp_path, {
        "a.txt": "Delen\n\nHet vuurwerk en een harde knal werden gemeld.\n",
        "b.txt": "Geheel\n\nHet knalvuurwerk werd in beslag genomen.\n",
    })
    assert set(order(index, "vuurwerk")) == {"Geheel", "Delen"}
    assert order(index, "knalvuurwerk") == ["Geheel"]


def test_phrases_and_marks_hold_far_into_a_very_long_agenda_item(tmp_path):
    # Word positions are stored as gaps of 1, 2 or 4 bytes: a phrase beyond word 65,536, after
    # gaps of more than 255 and 65,535 words, must still be found and marked.
    long_text = (f"Het college vraagt extra capaciteit. {FILLER * 40} "
                 f"{'planning ' * 66_000}De korpschef vraagt extra capaciteit voor de recherche.")
    index = build(tmp_path, {
        "a.txt": f"Verslag 3 maart 2022\n\nLange vergadering\n\n{long_text}\n",
        "b.txt": "Verslag 4 maart 2022\n\nKort\n\nDe recherche krijgt capaciteit, extra uren.\n",
    })
    assert order(index, '"extra capaciteit"') == ["Lange vergadering"]
    assert order(index, '"extra capaciteit voor de recherche"') == ["Lange vergadering"]
    assert order(index, "korpschef capaciteit recherche")[0] == "Lange vergadering"
    hit = run(SearchRequest("korpschef"), index).hits[0]
    assert "<mark>korpschef</mark> vraagt extra capaciteit" in hit.snippet


def test_a_page_holds_the_same_rows_in_the_same_order_as_sorting_every_match():
    # Pages are picked from tens of thousands of matches without sorting them all; with
    # many equal scores (or dates) and two tiers, the page must still be exactly the
    # first rows of the full order, ties broken by document number.
    import numpy as np

    from search.order import first_in_order

    rng = np.random.default_rng(7)
    for _ in range(500):
        rows = int(rng.integers(0, 600))
        tier = (rng.random(rows) < 0.3).astype(np.int8) if rng.random() < 0.5 else \
            np.zeros(rows, dtype=np.int8)
        key = rng.integers(0, 4, rows).astype(float) if rng.random() < 0.5 else \
            -rng.random(rows)
        tie = rng.permutation(rows)
        count = int(rng.integers(0, 70))
        assert first_in_order(tier, key, tie, count).tolist() == \
            np.lexsort((tie, key, tier))[:count].tolist()
