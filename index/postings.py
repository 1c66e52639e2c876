"""A new segment's terms and posting blocks, written in Whoosh 3's format.

Whoosh's own path costs several method calls, a statistics object and a list of value
objects per block and per term; at commit, after every file has been read, that was most of
the writer's time, with nothing else running. This writes the same bytes (`tests/test_writer.py`
compares the postings with Whoosh's writer) straight from the posting pool's arrays: a block's
values are sliced from the pool's byte buffer as one string when they are packed.

Relies on the block and term-info layout of whoosh-reloaded 2.7.5 (`W3PostingsWriter`,
`W3TermInfo`), which pyproject.toml pins.
"""

from __future__ import annotations

import zlib
from array import array
from pickle import dumps

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte

from .blocks import block_parts

_TERM_INFO = W3TermInfo._struct


def write_terms(fieldwriter, schema, lengths, terms) -> None:
    """Write `terms` ((field, term bytes, documents, weights, value sizes, values) per term,
    sorted, as `MemoryPool.raw_terms` yields them) through Whoosh's field writer's files.

    `lengths` gives each field's document lengths (or None), for the blocks' statistics."""
    current = None
    postfile = fieldwriter._postfile
    tindex = fieldwriter._tindex
    for fieldname, tbytes, docs, weights, sizes, data in terms:
        if fieldname != current:
            if current is not None:
                fieldwriter.finish_field()
            field = schema[fieldname]
            fieldwriter.start_field(fieldname, field)  # numbers the field in the term table
            blocks = fieldwriter._postwriter
            if blocks._inlinelimit > 1:
                raise ValueError("postings inlined in the term table are not supported")
            fixed = field.format.fixed_value_size()
            spec = _FieldSpec(
                pack_ushort(fieldwriter._fieldid), blocks._blocklimit, blocks._compression,
                lengths.table(fieldname) if lengths is not None else None,
                None if fixed is None or fixed < 0 else fixed,
            )
            current = fieldname
        start = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)
        info = _write_blocks(postfile, spec, docs, weights, sizes, data)
        tindex.add(spec.prefix + tbytes,
                   info + pack_long(start) + pack_int(postfile.tell() - start))
    if current is not None:
        fieldwriter.finish_field()


class _FieldSpec:
    __slots__ = ("prefix", "limit", "compression", "lengths", "fixed")

    def __init__(self, prefix, limit, compression, lengths, fixed):
        self.prefix = prefix
        self.limit = limit
        self.compression = compression
        self.lengths = lengths  # document -> length (None for 0), or None
        self.fixed = fixed  # the format's fixed value size, or None for variable values


def _write_blocks(postfile, spec: _FieldSpec, docs, weights, sizes, data) -> bytes:
    """Write one term's blocks; its term info (without the extent) as Whoosh packs it."""
    count = len(docs)
    limit, compression, table = spec.limit, spec.compression, spec.lengths
    total_weight = 0
    max_weight = 0
    min_length = None
    max_length = 0
    at = 0  # where the block's values start in `data`
    for begin in range(0, count, limit):
        end = min(begin + limit, count)
        ids = docs[begin:end]
        block_weights = array("f", weights[begin:end])  # as Whoosh keeps them
        total_weight += sum(block_weights)
        block_max = max(0, max(weights[begin:end]))
        max_weight = max(max_weight, block_max)
        if table is not None:
            found = [n for n in map(table.__getitem__, ids) if n]
            block_min = min(found) if found else None
            block_max_length = max(found) if found else 0
        else:
            block_min, block_max_length = None, 0
        if block_min is not None:
            min_length = block_min if min_length is None else min(min_length, block_min)
        max_length = max(max_length, block_max_length)

        block_sizes = sizes[begin:end]
        databytes = dumps(block_parts(ids, block_weights, block_sizes, data, at, spec.fixed), 2)
        at += sum(s for s in block_sizes if s > 0)
        if compression:
            databytes = zlib.compress(databytes, compression)
        infobytes = dumps((end - begin, ids[-1], block_max, compression,
                           length_to_byte(block_min), length_to_byte(block_max_length)), 2)
        length = len(infobytes) + len(databytes)
        postfile.write(pack_int(-length if end == count else length))
        postfile.write(infobytes)
        postfile.write(databytes)
    return _TERM_INFO.pack(
        False, total_weight, count, 0 if min_length is None else length_to_byte(min_length),
        length_to_byte(max_length), max_weight, docs[0], docs[-1],
    )
