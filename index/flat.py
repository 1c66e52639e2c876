"""A segment's full-text postings as flat arrays, for NumPy (`MAIN_<segment>.flat`).

Whoosh keeps postings in blocks of up to a hundred, each pickled and compressed; reading a
common word means unpickling and decompressing hundreds of them in Python, and phrases, the
proximity bonus and the marks of a page read positions from those same blocks again. So the
writer also saves each full-text field's postings as plain arrays next to the segment's own
files: per term its documents (gaps, variable-length bytes), how many positions each
document has, and the positions themselves. Search maps the file into memory and slices it:
no read call, no unpickling, no Python per block. Whoosh's own postings stay as they were:
wildcards, the spelling corrector and other queries still read them.

A segment never changes, so its file stays valid for as long as the segment lives, and
Whoosh removes it with the segment after a merge (the file is named after the segment). A
segment without one (written by an older version) is read through Whoosh until the next
indexing run writes it one (`write_missing`).
"""

from __future__ import annotations

import json
import multiprocessing
import os
from array import array
from pathlib import Path

import numpy as np

from .arrays import decode_varints, encode_varints, ranges, varint_sizes
from .pool import SortedTerms, extend_entry
from .positions import CompactPositions, decode_packed

SUFFIX = ".flat"
MAGIC = b"BZFLAT1\n"
# Postings buffered per field before they are encoded as arrays at once: array operations
# cost per call, and a segment has ~190,000 terms; the buffer bounds the writer's memory.
CHUNK = 1 << 20
_ALIGN = 8


def path_of(folder, segment_id: str) -> Path:
    """Where the flat postings of a segment are (or would be)."""
    return Path(folder) / f"{segment_id}{SUFFIX}"


def _path_of_leaf(leaf) -> Path | None:
    """`path_of` a Whoosh segment reader's segment (None for a reader of no file segment)."""
    segment = getattr(leaf, "segment", lambda: None)()
    folder = getattr(getattr(leaf, "_storage", None), "folder", None)
    return path_of(folder, segment.segment_id()) if segment is not None and folder else None


# ------------------------------------------------------------------------------------------
# writing


class FlatWriter:
    """Gathers the postings of a new segment's full-text fields as the segment writer writes
    them (terms in order), and saves them as one file."""

    def __init__(self, fieldnames):
        self._fields = {name: _FieldWriter() for name in fieldnames}

    def add(self, fieldname: str, tbytes: bytes, docs, weights, sizes, data) -> None:
        """One term's postings as the posting pool holds them: document numbers (ascending),
        weights, the byte size of each posting's positions, and those positions one posting
        after the other (`CompactPositions` values)."""
        field = self._fields.get(fieldname)
        if field is not None:
            field.add(tbytes, docs, weights, sizes, data)

    def add_terms(self, fieldname: str, names: list[bytes], per_term: np.ndarray,
                  docs: np.ndarray, weights: np.ndarray, sizes: np.ndarray,
                  data: bytes | np.ndarray, starts: np.ndarray) -> None:
        """Many terms of a field at once, in order, as arrays (the postings one term after
        the other, `per_term` of them each); what `add` takes per term, but each posting's
        value is found where `starts` says in `data` (values in any order)."""
        field = self._fields.get(fieldname)
        if field is not None and field.valid:
            field.add_terms(names, per_term, docs, weights, sizes, data, starts)

    def write(self, path: Path) -> None:
        """Save the gathered fields. A field whose weights are not its position counts
        (something other than plain word counts) is left out: search reads it through
        Whoosh, so its scores stay Whoosh's."""
        arrays: dict[str, np.ndarray] = {}
        for name, field in self._fields.items():
            for key, values in field.finish().items():
                arrays[f"{name}/{key}"] = values
        directory = {}
        offset = 0
        for key, values in arrays.items():
            directory[key] = [values.dtype.str, offset, int(values.size)]
            offset += _aligned(values.nbytes)
        header = json.dumps(directory, separators=(",", ":")).encode("utf-8")
        start = _aligned(len(MAGIC) + 8 + len(header))
        with open(path, "wb") as handle:
            handle.write(MAGIC + len(header).to_bytes(8, "little") + header)
            handle.write(b"\0" * (start - len(MAGIC) - 8 - len(header)))
            for values in arrays.values():
                data = np.ascontiguousarray(values).astype(values.dtype.newbyteorder("<"))
                handle.write(data.tobytes())
                handle.write(b"\0" * (_aligned(values.nbytes) - values.nbytes))


def write_fields(fields, names, path: Path) -> None:
    """Save the flat postings of a new segment's terms (`MemoryPool.fields`) of the fields
    in `names`, through a temporary file: a file under `path` is always whole."""
    flat = FlatWriter(names)
    for field in fields:
        if field.fieldname not in names:
            continue
        if isinstance(field, SortedTerms):  # as whole arrays
            flat.add_terms(field.fieldname, field.names, field.per_term, field.docs,
                           field.weights, field.sizes, field.data, field.starts)
        else:
            for tbytes, entry in zip(field.names, field.between(0, len(field)), strict=True):
                flat.add(field.fieldname, tbytes, *entry)
    tmp = path.with_name(path.name + ".tmp")
    flat.write(tmp)
    os.replace(tmp, path)


class FieldsWriting:
    """`write_fields` in a forked process while the caller goes on (the commit encodes
    Whoosh's blocks meanwhile, and every file has been read by then); `finish` waits for
    it, and writes the file itself if that process failed (killed for its memory, say)."""

    def __init__(self, fields, names, path: Path):
        self._args = (fields, names, path)
        context = multiprocessing.get_context("fork")  # it sees the terms in memory
        self._process = context.Process(target=write_fields, args=self._args, daemon=True)
        self._process.start()

    def finish(self) -> None:
        self._process.join()
        if self._process.exitcode != 0:
            write_fields(*self._args)

    def cancel(self) -> None:
        """Stop the process (the commit failed: its folder is discarded)."""
        self._process.terminate()
        self._process.join()


def write_missing(ix) -> None:
    """Save the flat postings of every segment of `ix` that has none (one written by an
    older version): an upgraded installation gets them at its next indexing run, without a
    rebuild. The postings are read from Whoosh's blocks, deleted documents included, as the
    writer would have saved them."""
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            path = _path_of_leaf(leaf)
            if path is None or path.exists() or getattr(leaf, "_terms", None) is None:
                continue
            flat = _from_whoosh(leaf)
            if flat is not None:
                tmp = path.with_name(path.name + ".tmp")
                flat.write(tmp)
                os.replace(tmp, path)


def _from_whoosh(leaf) -> FlatWriter | None:
    """A segment's full-text postings gathered from its Whoosh blocks (None when a block is
    not as this project's writer makes them: search then keeps reading it through Whoosh)."""
    from .writer import segment_blocks  # the writer's merge reads them so too

    schema = leaf.schema
    names = [n for n in schema.names() if isinstance(schema[n].format, CompactPositions)]
    flat = FlatWriter(names)
    for fieldname, tbytes, blocks in segment_blocks(leaf, names):
        if blocks is None:
            return None
        entry = (array("i"), array("d"), array("i"), bytearray())
        for ids, weights, values in blocks:
            extend_entry(entry, list(ids), weights, values)  # Whoosh's ids: another array kind
        flat.add(fieldname, tbytes, *entry)
    return flat


def _aligned(size: int) -> int:
    return -(-size // _ALIGN) * _ALIGN


class _FieldWriter:
    def __init__(self):
        self.terms: list[bytes] = []
        self.valid = True
        self._buffer_terms: list[int] = []  # postings per buffered term
        # The pool's own array types: arrays extend only with arrays of their kind.
        self._docs = array("i")
        self._weights = array("d")
        self._sizes = array("i")
        self._data = bytearray()
        # Encoded chunks: document bytes, bytes per term, position counts, positions, and
        # positions per term.
        self._chunks: list[tuple[np.ndarray, ...]] = []

    def add(self, tbytes, docs, weights, sizes, data) -> None:
        if not self.valid:
            return
        self.terms.append(tbytes)
        self._buffer_terms.append(len(docs))
        self._docs.extend(docs)
        self._weights.extend(weights)
        self._sizes.extend(sizes)
        self._data.extend(data)
        if len(self._docs) >= CHUNK:
            self._encode()

    def add_terms(self, names: list[bytes], per_term: np.ndarray, docs: np.ndarray,
                  weights: np.ndarray, sizes: np.ndarray, data, starts: np.ndarray) -> None:
        """Many terms at once, in order, as arrays (see `FlatWriter.add_terms`)."""
        self._encode()  # what was added term by term comes first
        ends = np.cumsum(per_term)
        data = np.frombuffer(data, dtype=np.uint8)
        first = 0
        while first < len(names) and self.valid:
            start = int(ends[first] - per_term[first])
            last = max(first + 1, int(np.searchsorted(ends, start + CHUNK, side="right")))
            stop = int(ends[last - 1])
            self.terms.extend(names[first:last])
            # Gathered in term order, a chunk at a time.
            values = data[ranges(starts[start:stop], np.maximum(sizes[start:stop], 0))].tobytes()
            self._encode_arrays(per_term[first:last].astype(np.int64),
                                docs[start:stop].astype(np.int64), weights[start:stop],
                                sizes[start:stop].astype(np.int64), values)
            first = last

    def _encode(self) -> None:
        if not self._buffer_terms:
            return
        self._encode_arrays(np.asarray(self._buffer_terms, dtype=np.int64),
                            np.frombuffer(self._docs, dtype=np.int32).astype(np.int64),
                            np.frombuffer(self._weights, dtype=np.float64),
                            np.frombuffer(self._sizes, dtype=np.int32).astype(np.int64),
                            bytes(self._data))
        self._buffer_terms = []
        self._docs, self._weights, self._sizes = array("i"), array("d"), array("i")
        self._data = bytearray()

    def _encode_arrays(self, per_term, docs, weights, sizes, data: bytes) -> None:
        firsts = np.cumsum(per_term) - per_term
        if (sizes <= 0).any():  # a posting without positions: not this format
            self.valid = False
        else:
            counts, positions = decode_packed(data, sizes)
            if not np.array_equal(counts, weights):
                self.valid = False
        if self.valid:
            gaps = np.diff(docs, prepend=0)
            gaps[firsts] = docs[firsts]  # each term starts from document 0
            self._chunks.append((
                encode_varints(gaps),
                np.add.reduceat(varint_sizes(gaps), firsts),
                counts,
                positions,
                np.add.reduceat(counts, firsts),
                per_term,
            ))

    def finish(self) -> dict[str, np.ndarray]:
        self._encode()
        if not self.valid or not self.terms:
            return {}
        docs, doc_bytes, counts, positions, term_positions, per_term = (
            np.concatenate(part) for part in zip(*self._chunks, strict=True)
        )
        self._chunks = []
        blob = b"".join(self.terms)
        ends = np.cumsum([len(t) for t in self.terms], dtype=np.int64)
        return {
            "keys": np.array([_key(t) for t in self.terms], dtype=np.uint64),
            "term_ends": _narrow(ends),
            "terms": np.frombuffer(blob, dtype=np.uint8),
            "postings": _narrow(_starts(per_term)),
            "doc_bytes": _narrow(_starts(doc_bytes)),
            "positions_at": _narrow(_starts(term_positions)),
            "docs": docs,
            "counts": _narrow(counts),
            "positions": _narrow(positions),
        }


def _starts(sizes: np.ndarray) -> np.ndarray:
    return np.concatenate(([0], np.cumsum(sizes)))


def _narrow(values: np.ndarray) -> np.ndarray:
    """Non-negative whole numbers in the smallest unsigned type that holds them."""
    biggest = int(values.max()) if values.size else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if biggest <= np.iinfo(dtype).max:
            return values.astype(dtype)
    return values.astype(np.uint64)


def _key(tbytes: bytes) -> int:
    """The first eight bytes of a term as one number: sorted like the terms themselves."""
    return int.from_bytes(tbytes[:8].ljust(8, b"\0"), "big")


# ------------------------------------------------------------------------------------------
# reading


class FlatPostings:
    """One segment's flat postings. The term directory is mapped into memory (a lookup
    touches a few of its pages); documents, counts and positions are read with `os.pread`
    as they are needed, so a server's memory holds only what it decoded (a mapping would
    count every page it touched once in each worker process)."""

    def __init__(self, path: Path):
        raw = np.memmap(path, dtype=np.uint8, mode="r")
        if bytes(raw[: len(MAGIC)]) != MAGIC:
            raise ValueError(f"{path.name}: not a flat postings file")
        length = int.from_bytes(bytes(raw[len(MAGIC) : len(MAGIC) + 8]), "little")
        header_end = len(MAGIC) + 8 + length
        directory = json.loads(bytes(raw[len(MAGIC) + 8 : header_end]))
        start = _aligned(header_end)
        self._file = open(path, "rb")  # noqa: SIM115 - open for as long as the generation
        arrays: dict[str, dict[str, np.ndarray | _OnDisk]] = {}
        for key, (dtype, offset, count) in directory.items():
            dtype = np.dtype(dtype)
            begin = start + offset
            if begin + count * dtype.itemsize > raw.size:
                raise ValueError(f"{path.name}: shorter than its directory says")
            field, name = key.split("/", 1)
            arrays.setdefault(field, {})[name] = \
                _OnDisk(self._file, begin, dtype, count) if name in _BULK \
                else raw[begin : begin + count * dtype.itemsize].view(dtype)
        self._fields = {name: FlatField(parts) for name, parts in arrays.items()}

    @classmethod
    def of_leaf(cls, leaf) -> FlatPostings | None:
        """The flat postings of a Whoosh segment reader, or None when it has none."""
        path = _path_of_leaf(leaf)
        return cls(path) if path is not None and path.exists() else None

    def field(self, name: str) -> FlatField | None:
        return self._fields.get(name)


# The arrays read piece by piece; the others form the term directory.
_BULK = frozenset({"docs", "counts", "positions"})


class _OnDisk:
    """An array in a file, read a slice at a time."""

    def __init__(self, file, offset: int, dtype: np.dtype, size: int):
        # The file object, not its number: it stays open while a field of it is in use.
        self._file, self._offset, self._dtype, self.size = file, offset, dtype, size

    def read(self, start: int, stop: int) -> np.ndarray:
        """Elements start..stop (a new array)."""
        width = self._dtype.itemsize
        data = os.pread(self._file.fileno(), (stop - start) * width,
                        self._offset + start * width)
        if len(data) != (stop - start) * width:
            raise ValueError("flat postings: the file ended early")
        return np.frombuffer(data, dtype=self._dtype)


class FlatField:
    """The flat postings of one field of one segment."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self._keys = arrays["keys"]
        self._term_ends = arrays["term_ends"]
        self._terms = arrays["terms"]
        self._postings = arrays["postings"]
        self._doc_bytes = arrays["doc_bytes"]
        self._positions_at = arrays["positions_at"]
        self._docs = arrays["docs"]
        self._counts = arrays["counts"]
        self._positions = arrays["positions"]

    def find(self, tbytes: bytes) -> int | None:
        """The number of a term in this field, or None when the segment does not have it."""
        key = np.uint64(_key(tbytes))
        first = int(np.searchsorted(self._keys, key, side="left"))
        last = int(np.searchsorted(self._keys, key, side="right"))
        for term in range(first, last):  # terms that share their first eight bytes
            begin = int(self._term_ends[term - 1]) if term else 0
            if bytes(self._terms[begin : int(self._term_ends[term])]) == tbytes:
                return term
        return None

    def with_prefix(self, prefix: bytes, shortest: int = 0, longest: int | None = None
                    ) -> tuple[list[bytes], np.ndarray]:
        """The terms that start with `prefix` (at most eight bytes) and are `shortest` to
        `longest` bytes long, in order, with how often each occurs in the segment (its
        number of positions)."""
        low = np.uint64(_key(prefix))
        high = np.uint64(_key(prefix.ljust(8, b"\xff")))
        first = int(np.searchsorted(self._keys, low, side="left"))
        last = int(np.searchsorted(self._keys, high, side="right"))
        if first == last:
            return [], np.zeros(0, dtype=np.int64)
        begin = int(self._term_ends[first - 1]) if first else 0
        ends = self._term_ends[first:last].astype(np.int64) - begin
        blob = bytes(self._terms[begin : begin + int(ends[-1])])
        starts = np.concatenate(([0], ends[:-1]))
        sizes = ends - starts
        chosen = np.flatnonzero((sizes >= shortest)
                                & (sizes <= (longest if longest is not None else sizes.max())))
        terms = [blob[a:b] for a, b in zip(starts[chosen].tolist(), ends[chosen].tolist(),
                                             strict=True)]
        at = self._positions_at[first : last + 1].astype(np.int64)
        return terms, np.diff(at)[chosen]

    def documents(self, term: int) -> np.ndarray:
        """The segment's document numbers holding `term` (deleted ones included)."""
        raw = self._docs.read(int(self._doc_bytes[term]), int(self._doc_bytes[term + 1]))
        return np.cumsum(decode_varints(raw))

    def counts(self, term: int) -> np.ndarray:
        """How often `term` occurs in each of its documents (its Whoosh weights)."""
        return self._counts.read(int(self._postings[term]), int(self._postings[term + 1]))

    def positions(self, term: int, postings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position counts, positions one posting after the other) of the `term`'s postings
        numbered `postings` (ascending: in the order of its documents)."""
        counts = self.counts(term)
        ends = np.cumsum(counts, dtype=np.int64)
        chosen = counts[postings].astype(np.int64)
        starts = ends[postings] - chosen
        if not chosen.size:
            return chosen, np.zeros(0, dtype=np.int64)
        # One read from the first wanted position to the last (a page's hits spread over
        # most of a common word's positions; a read per hit would cost more).
        first, last = int(starts[0]), int(ends[postings[-1]])
        base = int(self._positions_at[term])
        span = self._positions.read(base + first, base + last)
        return chosen, span[ranges(starts - first, chosen)].astype(np.int64)
