"""Spelling corrections ("Bedoelde u …?") from the terms of the index.

Whoosh's corrector walks every term that shares the word's first letter through its term
table and computes an edit distance for each in Python: 0.2 to 0.8 s per misspelt word at
100,000 agenda items (12,000 terms a letter), for every search that finds nothing. Here the
terms of that letter and about that length are sliced from each segment's flat postings
(`index.flat`) and compared by rapidfuzz's edit distance, in C++.
"""

from __future__ import annotations

from rapidfuzz import process
from rapidfuzz.distance import OSA

# As Whoosh's corrector was asked: at most two edits (a transposition of neighbours counts
# as one), and the first letter as typed (few misspellings change it, and it narrows the
# terms to compare twentyfold).
MAX_EDITS = 2
# Two edits change a word's length in bytes by at most this much (two letters of two bytes).
LENGTH_SLACK = 4


def corrections(segments, field: str, word: str, limit: int) -> list[str] | None:
    """Up to `limit` terms of `field` within MAX_EDITS edits of `word` that start with its
    first letter: the closest first, then the most frequent in the index. None when a
    segment has no flat postings of the field (written by an older version)."""
    fields = [segment.flat.field(field) if segment.flat is not None else None
              for segment in segments]
    if not word or any(flat is None for flat in fields):
        return None
    size = len(word.encode("utf-8"))
    frequency: dict[str, int] = {}  # summed over the segments
    for flat in fields:
        terms, counts = flat.with_prefix(word[0].encode("utf-8"), size - LENGTH_SLACK,
                                         size + LENGTH_SLACK)
        for term, count in zip(terms, counts.tolist(), strict=True):
            text = term.decode("utf-8")
            frequency[text] = frequency.get(text, 0) + count
    near = process.extract(word, list(frequency), scorer=OSA.distance,
                           score_cutoff=MAX_EDITS, limit=None)
    ranked = sorted((edits, -frequency[found], found) for found, edits, _ in near
                    if found != word)
    return [found for _, _, found in ranked[:limit]]
