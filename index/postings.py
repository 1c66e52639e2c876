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

import multiprocessing
import zlib
from array import array
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from hashlib import md5
from pickle import dumps

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import OrderedHashWriter, _lengths, md5_hash
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte

from .blocks import block_parts
from .ordered import in_order

_TERM_INFO = W3TermInfo._struct
_KEY_LENGTHS = _lengths  # the struct Whoosh's hash file packs key and value lengths with

# From this many postings a commit encodes the blocks in worker processes (the other core
# would otherwise sit idle: every file has been read by then); below it, starting them costs
# more than they save (an incremental run's segment has some 100,000 postings).
PARALLEL_MIN_POSTINGS = 1_000_000
ENCODE_WORKERS = 2
CHUNK_POSTINGS = 100_000  # postings per task handed to a worker
CHUNKS_AHEAD = 6  # tasks in flight: bounds the memory of encoded, unwritten blocks
# Blocks whose pickle is shorter are not compressed: on the benchmark corpus, zlib made
# those 4 % longer on average (its header and checksum outweigh what it saves) and took a
# third of the compression time on them (most terms have one or two postings).
COMPRESS_MIN = 96


def write_terms(fieldwriter, schema, lengths, fields: Sequence) -> None:
    """Write the terms of `fields` (`SortedTerms` or `ListedTerms` per field, sorted, as
    `MemoryPool.fields` gives them) through Whoosh's field writer's files.

    `lengths` gives each field's document lengths (or None), for the blocks' statistics.
    Large segments have their blocks encoded by worker processes, in chunks of terms, while
    this process writes the chunks in order."""
    postfile = fieldwriter._postfile
    tindex = fieldwriter._tindex
    codec = fieldwriter._codec
    if codec._inlinelimit > 1:
        raise ValueError("postings inlined in the term table are not supported")
    specs = []
    for field in fields:
        fixed = schema[field.fieldname].format.fixed_value_size()
        specs.append(_FieldSpec(
            codec._blocklimit, codec._compression,
            lengths.table(field.fieldname) if lengths is not None else None,
            None if fixed is None or fixed < 0 else fixed,
        ))
    add_term = _term_table_adder(tindex)
    encoded = _encoded_terms(fields, specs)
    for field in fields:
        if not len(field):
            continue
        fieldname = field.fieldname
        fieldwriter.start_field(fieldname, schema[fieldname])  # numbers the field
        prefix = pack_ushort(fieldwriter._fieldid)
        for tbytes in field.names:
            info, blob = next(encoded)
            start = postfile.tell()
            postfile.write(blob)
            add_term(prefix + tbytes, info + pack_long(start) + pack_int(len(blob)))
        fieldwriter.finish_field()


def _term_table_adder(tindex) -> Callable[[bytes, bytes], None]:
    """`tindex.add` (Whoosh's ordered hash file of terms), writing the same bytes with one
    write and one position lookup per term instead of three and two, and the same MD5 hash
    without a hexadecimal detour: some 300,000 terms at 100,000 agenda items."""
    if type(tindex) is not OrderedHashWriter or tindex.hashfn is not md5_hash:
        return tindex.add
    dbfile, buckets, index = tindex.dbfile, tindex.buckets, tindex.index

    def add(key: bytes, value: bytes) -> None:
        if key <= tindex.lastkey:
            raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{key!r}")
        pos = dbfile.tell()
        index.append(pos)
        dbfile.write(_KEY_LENGTHS.pack(len(key), len(value)) + key + value)
        # md5_hash: the digest's low 32 bits
        h = int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")
        buckets[h & 255].append((h, pos))
        tindex.lastkey = key

    return add


def _encoded_terms(fields: Sequence, specs: list):
    """(term info without its extent, header and blocks) of each term of each field, in
    order."""
    counts = [field.counts() for field in fields]
    if sum(map(sum, counts)) < PARALLEL_MIN_POSTINGS:
        for number, field in enumerate(fields):
            yield from _encode(fields, specs, number, 0, len(field))
        return
    bounds = []  # (field number, first term, end): chunks do not cross fields
    for number, per_term in enumerate(counts):
        begin = counted = 0
        for i, count in enumerate(per_term):
            counted += count
            if counted >= CHUNK_POSTINGS:
                bounds.append((number, begin, i + 1))
                begin, counted = i + 1, 0
        if begin < len(per_term):
            bounds.append((number, begin, len(per_term)))
    global _SHARED
    # The workers are forked: they see the terms in memory, cut the postings of the terms
    # of their chunk themselves, and only the bounds of a chunk and its encoded blocks
    # cross a pipe.
    _SHARED = (fields, specs)
    done = 0
    try:
        with ProcessPoolExecutor(ENCODE_WORKERS,
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            for chunk in in_order(pool, _encode_chunk, bounds, CHUNKS_AHEAD):
                done += 1
                yield from chunk
    except BrokenProcessPool:
        # A worker died (killed for its memory, say): this process encodes the rest itself.
        for number, begin, end in bounds[done:]:
            yield from _encode(fields, specs, number, begin, end)
    finally:
        _SHARED = None


_SHARED: tuple | None = None


def _encode_chunk(bounds: tuple[int, int, int]) -> list:
    fields, specs = _SHARED
    return list(_encode(fields, specs, *bounds))


def _encode(fields: Sequence, specs: list, number: int, begin: int, end: int):
    spec = specs[number]
    for term in fields[number].between(begin, end):
        yield _term_blocks(spec, *term)


class _FieldSpec:
    __slots__ = ("limit", "compression", "lengths", "fixed")

    def __init__(self, limit, compression, lengths, fixed):
        self.limit = limit
        self.compression = compression
        self.lengths = lengths  # document -> length (None for 0), or None
        self.fixed = fixed  # the format's fixed value size, or None for variable values


def _term_blocks(spec: _FieldSpec, docs, weights, sizes, data) -> tuple[bytes, bytes]:
    """One term's info (without its extent) as Whoosh packs it, and its header and blocks
    as they go into the postings file."""
    if len(docs) == 1:
        return _one_posting(spec, docs[0], weights[0], sizes[0], data)
    return _postings_blocks(spec, docs, weights, sizes, data)


def _postings_blocks(spec: _FieldSpec, docs, weights, sizes, data) -> tuple[bytes, bytes]:
    """`_term_blocks` of any term."""
    out = [WHOOSH3_HEADER_MAGIC]
    count = len(docs)
    limit, compression, table = spec.limit, spec.compression, spec.lengths
    total_weight = 0
    max_weight = 0
    min_length = None
    max_length = 0
    at = 0  # where the block's values start in `data`
    # Every posting with a value (full-text fields): the blocks' sums and checks in C.
    valued = count > 0 and min(sizes) > 0
    for begin in range(0, count, limit):
        end = min(begin + limit, count)
        ids = docs[begin:end]
        block_weights = array("f", weights[begin:end])  # as Whoosh keeps them
        total_weight += sum(block_weights)
        block_max = max(0, max(weights[begin:end]))
        max_weight = max(max_weight, block_max)
        if table is not None:
            found = list(filter(None, map(table.__getitem__, ids)))
            block_min = min(found) if found else None
            block_max_length = max(found) if found else 0
        else:
            block_min, block_max_length = None, 0
        if block_min is not None:
            min_length = block_min if min_length is None else min(min_length, block_min)
        max_length = max(max_length, block_max_length)

        block_sizes = sizes[begin:end]
        databytes = dumps(block_parts(ids, block_weights, block_sizes, data, at, spec.fixed,
                                      valued), 2)
        at += sum(block_sizes) if valued else sum(s for s in block_sizes if s > 0)
        # Whoosh reads each block's own compression flag: a small one is left as it is.
        packing = compression if len(databytes) >= COMPRESS_MIN else 0
        if packing:
            databytes = zlib.compress(databytes, packing)
        infobytes = dumps((end - begin, ids[-1], block_max, packing,
                           length_to_byte(block_min), length_to_byte(block_max_length)), 2)
        length = len(infobytes) + len(databytes)
        out += (pack_int(-length if end == count else length), infobytes, databytes)
    info = _TERM_INFO.pack(
        False, total_weight, count, 0 if min_length is None else length_to_byte(min_length),
        length_to_byte(max_length), max_weight, docs[0], docs[-1],
    )
    return info, b"".join(out)


def _one_posting(spec: _FieldSpec, doc: int, weight: float, size: int,
                 data) -> tuple[bytes, bytes]:
    """`_term_blocks` of a term with one posting, the same bytes made without its loop and
    slices: most terms (a section id, a rare word) have one."""
    kept = array("f", (weight,))[0]  # the weight as Whoosh keeps it
    block_max = max(0, weight)
    length = spec.lengths[doc] if spec.lengths is not None else None
    block_min = length or None
    block_max_length = length or 0
    fixed = spec.fixed
    if fixed == 0:
        values = None
    elif size > 0:
        value = bytes(data[:size])
        values = value if fixed is not None else (value,)
    else:
        values = b"" if fixed is not None else ()
    # (NaN equals nothing: `_weights` keeps it in a tuple.)
    kept_weights = None if kept == 1.0 else kept if kept == kept else (kept,)
    databytes = dumps(((doc,), kept_weights, values), 2)
    packing = spec.compression if len(databytes) >= COMPRESS_MIN else 0
    if packing:
        databytes = zlib.compress(databytes, packing)
    infobytes = dumps((1, doc, block_max, packing, length_to_byte(block_min),
                       length_to_byte(block_max_length)), 2)
    info = _TERM_INFO.pack(
        False, kept, 1, 0 if block_min is None else length_to_byte(block_min),
        length_to_byte(block_max_length), max(0, block_max), doc, doc,
    )
    return info, b"".join((WHOOSH3_HEADER_MAGIC,
                           pack_int(-(len(infobytes) + len(databytes))), infobytes, databytes))
