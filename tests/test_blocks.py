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

from index.blocks import PACK_MIN, PackedPostingsWriter, PackedValues
from index.positions import CompactPositions


def _block(ids, weights, values, format_):
    writer = PackedPostingsWriter.__new__(PackedPostingsWriter)
    writer._byteids = False
    writer._format = format_
    writer._ids = array("I", ids)
    writer._weights = array("f", weights)
    writer._values = values
    # Whoosh pickles a block's parts with protocol 2 and reads them with pickle.loads.
    data = (writer._mini_ids(), writer._mini_weights(), writer._mini_values())
    return pickle.loads(pickle.dumps(data, 2))


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
    small = _block([5, 9], [1.0, 1.0], [b"B\x01", b"B\x02"], format_)
    assert small == ((5, 4), None, (b"B\x01", b"B\x02"))


def test_fields_of_fixed_size_values_keep_whooshs_form():
    stock = W3PostingsWriter.__new__(W3PostingsWriter)
    stock._format, stock._values = formats.Frequency(), []
    block = _block(list(range(20)), [1.0] * 20, [], formats.Frequency())
    assert block[2] == stock._mini_values()


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
    stock = W3PostingsWriter.__new__(W3PostingsWriter)
    stock._byteids, stock._format = False, format_
    stock._ids, stock._weights, stock._values = array("I", ids), array("f", weights), values
    packed = PackedPostingsWriter.__new__(PackedPostingsWriter)
    packed.__dict__.update(stock.__dict__)

    def stored(writer) -> int:
        data = (writer._mini_ids(), writer._mini_weights(), writer._mini_values())
        return len(zlib.compress(pickle.dumps(data, 2), 3))

    assert stored(packed) < 0.8 * stored(stock)
