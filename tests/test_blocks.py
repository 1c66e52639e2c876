"""Packed posting blocks read back, through Whoosh's pickle, exactly as Whoosh wrote them."""

from __future__ import annotations

import pickle
import random
import zlib
from array import array

from hypothesis import given
from hypothesis import strategies as st
from whoosh import formats
from whoosh.codec.whoosh3 import W3PostingsWriter

from index.blocks import PACK_MIN, PackedValues, block_parts
from index.positions import CompactPositions


def _parts(ids, weights, values, format_):
    fixed = format_.fixed_value_size()
    sizes = [len(v) if v is not None else -1 for v in values]
    data = b"".join(v for v in values if v)
    return block_parts(array("I", ids), array("f", weights), array("i", sizes), data, 0,
                       None if fixed is None or fixed < 0 else fixed)


def _block(ids, weights, values, format_):
    # Whoosh pickles a block's parts with protocol 2 and reads them with pickle.loads.
    return pickle.loads(pickle.dumps(_parts(ids, weights, values, format_), 2))


def _stock(ids, weights, values, format_) -> tuple:
    """The parts as Whoosh's own block writer minifies them."""
    stock = W3PostingsWriter.__new__(W3PostingsWriter)
    stock._byteids, stock._format = False, format_
    stock._ids, stock._weights = array("I", ids), array("f", weights)
    stock._values = [v for v in values if v]
    return (stock._mini_ids(), stock._mini_weights(), stock._mini_values())


def _gaps_back(gaps) -> list[int]:
    total, ids = 0, []
    for gap in gaps:
        total += gap
        ids.append(total)
    return ids


postings = st.lists(
    st.tuples(st.integers(0, 70_000), st.sampled_from([1.0, 2.0, 3.0, 0.5, 17.0]),
              st.lists(st.integers(0, 5_000), min_size=1, max_size=6, unique=True)),
    min_size=1, max_size=128, unique_by=lambda p: p[0],
).map(lambda found: sorted(found))


@given(postings)
def test_a_block_reads_back_its_documents_weights_and_positions(found):
    format_ = CompactPositions()
    ids = [d for d, _, _ in found]
    weights = [w for _, w, _ in found]
    values = [format_.encode(sorted(places)) for _, _, places in found]
    gaps, read_weights, read_values = _block(ids, weights, values, format_)
    assert _gaps_back(gaps) == ids
    if read_weights is None:
        assert set(weights) == {1.0}
    elif isinstance(read_weights, float):
        assert set(weights) == {read_weights}
    else:
        assert list(read_weights) == weights
    assert len(read_values) == len(values)
    assert [read_values[i] for i in range(len(values))] == values
    assert list(read_values) == values
    assert read_values[-1] == values[-1]
    # Whoosh's own decoding of a posting's value still works on what comes back.
    assert [format_.decode_positions(v) for v in read_values] == \
        [sorted(places) for _, _, places in found]


def test_big_blocks_are_packed_and_small_ones_keep_whooshs_tuples():
    format_ = CompactPositions()
    big = _block(list(range(0, 3 * PACK_MIN, 3)), [1.0, 2.0] * (PACK_MIN // 2),
                 [format_.encode([i]) for i in range(PACK_MIN)], format_)
    assert isinstance(big[0], array) and isinstance(big[2], PackedValues)
    small = ([5, 9], [1.0, 1.0], [b"B\x01", b"B\x02"])
    assert _block(*small, format_) == ((5, 4), None, (b"B\x01", b"B\x02"))
    assert _parts(*small, format_) == _stock(*small, format_)


def test_fields_of_fixed_size_values_keep_whooshs_form():
    frequencies = [b"\x00\x00\x00\x02"] * 20
    for format_, values in ((formats.Frequency(), frequencies),
                            (formats.Frequency(), [None] * 20), (formats.Existence(), [b""] * 20)):
        args = (list(range(20)), [1.0] * 20, values, format_)
        assert _block(*args)[1:] == _stock(*args)[1:]  # (the documents are packed)


def test_a_packed_block_takes_less_disk_than_whooshs_tuple():
    # A full block of a common word in minutes: documents a few apart, most items holding
    # the word once, at positions up to a few hundred. Whoosh compresses each pickled block.
    rng = random.Random(5)
    format_ = CompactPositions()
    ids, weights, values, doc = [], [], [], 0
    for _ in range(128):
        doc += rng.randint(1, 40)
        places = sorted(rng.sample(range(600), rng.choice([1, 1, 1, 1, 2, 3])))
        ids.append(doc)
        weights.append(float(len(places)))
        values.append(format_.encode(places))

    def stored(parts) -> int:
        return len(zlib.compress(pickle.dumps(parts, 2), 3))

    packed, stock = _parts(ids, weights, values, format_), _stock(ids, weights, values, format_)
    assert stored(packed) < 0.8 * stored(stock)
