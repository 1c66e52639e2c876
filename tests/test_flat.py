"""Flat postings (index/flat.py): the arrays search slices hold exactly Whoosh's postings."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.arrays import decode_varints, encode_varints
from index.flat import FlatPostings, FlatWriter
from index.positions import CompactPositions

FULL_TEXT = ("text", "heading", "title", "actor_text", "topic_text")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**40), max_size=60))
def test_numbers_come_back_from_their_bytes(numbers):
    encoded = encode_varints(np.array(numbers, dtype=np.int64))
    assert decode_varints(encoded).tolist() == numbers
    # Small numbers (most gaps between the documents of a common word) take one byte.
    assert encoded.size == sum(1 + (n >= 128) + (n >= 2**14) + (n >= 2**21) + (n >= 2**28)
                               + (n >= 2**35) for n in numbers)


def _whoosh_postings(leaf, field, tbytes):
    matcher = leaf.postings(field, tbytes)
    docs, weights, places = [], [], []
    while matcher.is_active():
        docs.append(matcher.id())
        weights.append(matcher.weight())
        places.append(list(matcher.value_as("positions")))
        matcher.next()
    return docs, weights, places


def _check_segment(leaf) -> int:
    flat = FlatPostings.of_leaf(leaf)
    assert flat is not None
    checked = 0
    for field in FULL_TEXT:
        postings = flat.field(field)
        for tbytes in leaf.lexicon(field):
            term = postings.find(tbytes)
            assert term is not None, (field, tbytes)
            docs, weights, places = _whoosh_postings(leaf, field, tbytes)
            # Deleted documents stay in a segment's postings, in Whoosh's files and here.
            assert postings.documents(term).tolist() == docs
            assert postings.counts(term).tolist() == weights
            every = np.arange(len(docs))
            for chosen in (every, every[1::2]):
                counts, flat_places = postings.positions(term, chosen)
                assert counts.tolist() == [len(places[i]) for i in chosen]
                assert flat_places.tolist() == [p for i in chosen for p in places[i]]
            checked += 1
        for absent in ("zzzonbekend", "korpschefzzz", ""):
            assert postings.find(absent.encode()) is None
    return checked


def test_every_term_of_every_full_text_field_is_whooshs_own(indexed):
    with indexed.generation().ix.reader() as reader:
        assert sum(_check_segment(leaf) for leaf, _ in reader.leaf_readers()) > 100


def test_postings_encoded_in_many_chunks_read_back_the_same(minutes, index_dir, monkeypatch):
    # A large segment is encoded a million postings at a time; here a few at a time.
    import index.flat
    from index.pipeline import run
    from index.store import IndexStore

    monkeypatch.setattr(index.flat, "CHUNK", 3)
    run([minutes], IndexStore(index_dir))
    from search import SearchIndex

    with SearchIndex(index_dir).generation().ix.reader() as reader:
        assert sum(_check_segment(leaf) for leaf, _ in reader.leaf_readers()) > 100


def test_a_merged_segment_has_flat_postings_too(minutes, index_dir):
    # Small segments are merged into the one a run writes; its postings come from theirs.
    from conftest import write_minutes

    from index.pipeline import run
    from index.store import IndexStore

    run([minutes], IndexStore(index_dir))
    write_minutes(minutes, {"extra.txt": "Jaarwisseling\n\nDe korpschef over knalvuurwerk.\n"})
    (minutes / "losse-notitie.txt").unlink()  # its agenda items are deleted
    first = sorted(p.name for p in index_dir.rglob("*.flat"))
    run([minutes], IndexStore(index_dir))
    from search import SearchIndex

    generation = SearchIndex(index_dir).generation()
    with generation.ix.reader() as reader:
        leaves = reader.leaf_readers()
        assert len(leaves) == 1
        assert leaves[0][0].segment().segment_id() + ".flat" not in first
        _check_segment(leaves[0][0])


def test_keys_shared_by_long_terms_are_told_apart(tmp_path):
    # Terms are found by their first eight bytes, then compared whole.
    writer = FlatWriter(["text"])
    terms = [b"informatie", b"informatie-uitwisseling", b"informatiebeveiliging",
             b"informatiepositie"]
    for number, tbytes in enumerate(terms):
        value = CompactPositions().encode([number, number + 3])
        writer.add("text", tbytes, [number], [2.0], [len(value)], value)
    writer.write(tmp_path / "s.flat")
    field = FlatPostings(tmp_path / "s.flat").field("text")
    for number, tbytes in enumerate(terms):
        term = field.find(tbytes)
        assert field.documents(term).tolist() == [number]
        assert field.positions(term, np.array([0]))[1].tolist() == [number, number + 3]
    assert field.find(b"informatiep") is None


def test_a_field_weighted_other_than_by_counts_is_left_to_whoosh(tmp_path):
    # Its BM25 scores would differ from Whoosh's; search reads such a field through Whoosh.
    writer = FlatWriter(["text", "heading"])
    value = CompactPositions().encode([4])
    writer.add("text", b"burgemeester", [0, 2], [1.0, 1.0], [len(value)] * 2, value * 2)
    writer.add("heading", b"burgemeester", [1], [2.5], [len(value)], value)
    writer.write(tmp_path / "s.flat")
    flat = FlatPostings(tmp_path / "s.flat")
    assert flat.field("heading") is None
    assert flat.field("text").documents(0).tolist() == [0, 2]
    # The same handed over as whole fields, as the writer hands over most of them.
    writer = FlatWriter(["text", "heading"])
    sizes = np.array([len(value)] * 3, dtype=np.int32)
    writer.add_terms("text", [b"burgemeester", b"zorg"], np.array([2, 1]),
                     np.array([0, 2, 1], dtype=np.int32), np.ones(3), sizes, value * 3,
                     np.arange(3) * len(value))
    writer.add_terms("heading", [b"burgemeester"], np.array([1]), np.array([1]),
                     np.array([2.5]), sizes[:1], value, np.array([0]))
    writer.write(tmp_path / "t.flat")
    flat = FlatPostings(tmp_path / "t.flat")
    assert flat.field("heading") is None
    assert flat.field("text").documents(0).tolist() == [0, 2]
    assert flat.field("text").documents(1).tolist() == [1]
    # Values stored in another order than their terms, each found by where it starts.
    first, second = CompactPositions().encode([1, 5]), CompactPositions().encode([3])
    writer = FlatWriter(["text"])
    writer.add_terms("text", [b"burgemeester", b"zorg"], np.array([1, 1]),
                     np.array([0, 2], dtype=np.int32), np.array([2.0, 1.0]),
                     np.array([len(first), len(second)], dtype=np.int32), second + first,
                     np.array([len(second), 0]))
    writer.write(tmp_path / "u.flat")
    text = FlatPostings(tmp_path / "u.flat").field("text")
    assert text.documents(0).tolist() == [0] and text.documents(1).tolist() == [2]
    for term, expected in ((0, [1, 5]), (1, [3])):
        assert text.positions(term, np.array([0]))[1].tolist() == expected


def test_a_file_shorter_than_its_directory_is_refused(tmp_path):
    writer = FlatWriter(["text"])
    value = CompactPositions().encode(list(range(50)))
    writer.add("text", b"vuurwerk", list(range(40)), [50.0] * 40, [len(value)] * 40,
               value * 40)
    path = tmp_path / "s.flat"
    writer.write(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="s.flat"):
        FlatPostings(path)


def test_an_index_from_before_flat_postings_gets_them_at_the_next_run(minutes, index_dir,
                                                                      monkeypatch):
    # An upgraded installation: its segments have no flat postings. The next run that writes
    # something saves them for the segments it keeps, read from Whoosh's blocks.
    from conftest import write_minutes
    from test_vectors import _without_flat_postings

    import index.writer
    from index.pipeline import run
    from index.store import IndexStore
    from search import SearchIndex

    run([minutes], IndexStore(index_dir))
    _without_flat_postings(index_dir)
    monkeypatch.setattr(index.writer, "MERGE_FLOOR", 0)  # keep the old segment as it is
    monkeypatch.setattr(index.writer, "MERGE_FACTOR", 0)
    write_minutes(minutes, {"extra.txt": "Jaarwisseling\n\nDe korpschef over knalvuurwerk.\n"})
    run([minutes], IndexStore(index_dir))
    generation = SearchIndex(index_dir).generation()
    with generation.ix.reader() as reader:
        leaves = reader.leaf_readers()
        assert len(leaves) == 2
        assert sum(_check_segment(leaf) for leaf, _ in leaves) > 100
    assert search_total(index_dir, "knalvuurwerk") == 2


def search_total(index_dir, text: str) -> int:
    from search import SearchIndex, SearchRequest
    from search import run as search

    return search(SearchRequest(text), SearchIndex(index_dir)).total
