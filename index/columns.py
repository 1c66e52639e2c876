"""Per-segment term columns: for each keyword field, which documents carry which value.

Facet counts and access filters need, for every document, its years, months, topics, actors
and access labels. Reading that from the postings takes a second at 100,000 agenda items,
every time a process opens the index. So the indexer saves it once per Whoosh segment, next
to the segment's own files (`MAIN_<segment>.columns.npz`); segments never change, so the
file stays valid for as long as the segment lives, and Whoosh removes it together with the
segment after a merge. A segment without the file (written by an older version) is read from
its postings instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .schema import TERM_COLUMNS

SUFFIX = ".columns.npz"


@dataclass(frozen=True)
class TermColumn:
    """All (document, value) pairs of one keyword field in one segment (or a whole index)."""

    values: list[str]
    docs: np.ndarray  # document numbers (ascending in saved columns; by value otherwise)
    codes: np.ndarray  # index into `values`, one per entry of `docs`


def write_missing(ix) -> None:
    """Save the term columns of every segment of `ix` that has none yet."""
    folder = Path(ix.storage.folder)
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            path = _path(folder, leaf)
            if path is None or path.exists():
                continue
            arrays = {}
            for field in TERM_COLUMNS:
                column = _from_postings(leaf, field)
                # By document: a search reads the pairs of its matched documents directly.
                order = np.lexsort((column.codes, column.docs))
                arrays[f"{field}.values"] = np.array(column.values, dtype=str)
                arrays[f"{field}.docs"] = column.docs[order].astype(np.int32)
                arrays[f"{field}.codes"] = column.codes[order]
            tmp = path.with_name(path.name + ".tmp")
            with open(tmp, "wb") as handle:
                np.savez(handle, **arrays)
            os.replace(tmp, path)


def term_column(reader, field: str) -> TermColumn:
    """The term column of `field` over all segments of `reader`, in its document numbers."""
    values: list[str] = []
    codes_of: dict[str, int] = {}
    docs: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for leaf, offset in reader.leaf_readers():
        column = _saved(leaf, field) or _from_postings(leaf, field)
        # Segments number their values independently: map them onto one list.
        mapping = np.array(
            [codes_of.setdefault(v, len(codes_of)) for v in column.values], dtype=np.int32
        )
        docs.append(column.docs.astype(np.int64) + offset)
        codes.append(mapping[column.codes] if column.codes.size else column.codes)
    values = list(codes_of)
    return TermColumn(
        values,
        np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64),
        np.concatenate(codes) if codes else np.zeros(0, dtype=np.int32),
    )


def _path(folder: Path, leaf) -> Path | None:
    segment = getattr(leaf, "segment", lambda: None)()
    return folder / f"{segment.segment_id()}{SUFFIX}" if segment is not None else None


def _saved(leaf, field: str) -> TermColumn | None:
    folder = getattr(getattr(leaf, "_storage", None), "folder", None)
    path = _path(Path(folder), leaf) if folder else None
    if path is None or not path.exists():
        return None
    with np.load(path) as data:
        if f"{field}.values" not in data:
            return None
        return TermColumn(
            data[f"{field}.values"].tolist(), data[f"{field}.docs"], data[f"{field}.codes"]
        )


def _from_postings(leaf, field: str) -> TermColumn:
    values: list[str] = []
    docs: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    if field in leaf.indexed_field_names():
        for code, term in enumerate(leaf.lexicon(field)):
            values.append(term.decode("utf-8") if isinstance(term, bytes) else term)
            ids = np.fromiter(leaf.postings(field, term).all_ids(), dtype=np.int64)
            docs.append(ids)
            codes.append(np.full(ids.size, code, dtype=np.int32))
    return TermColumn(
        values,
        np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64),
        np.concatenate(codes) if codes else np.zeros(0, dtype=np.int32),
    )
