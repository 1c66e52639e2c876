"""Spelling suggestions ("Bedoelde u …?") on an existing index: ours against Whoosh's.

    python benchmarks/spelling.py --index DIR [--count 200] [--seed 7]

Takes `--count` index terms of the full text (seeded, weighted by how often they occur,
6 letters or more), misspells each once (two neighbouring letters swapped, one left out,
doubled or replaced; never the first), and prints a table: the time to find corrections
with `search.spelling` and with Whoosh's corrector (`reader.corrector("text")`, which the
product used before), how often each offers the original word first, and the time of a
whole search for the misspelt word (which finds nothing and so asks for a suggestion).
Run it on an index made by `bestuurszoeker index` (e.g. `speed.py --keep`'s 100k index).
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.speed import percentile  # noqa: E402
from search import SearchIndex, SearchRequest  # noqa: E402
from search import run as search  # noqa: E402
from search.engine import SUGGEST_CANDIDATES  # noqa: E402
from search.spelling import MAX_EDITS, corrections  # noqa: E402

MIN_LETTERS = 6


def misspell(word: str, rng: random.Random) -> str:
    """`word` with one typing error after its first letter."""
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap":
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    if kind == "double":
        return word[:at] + word[at] + word[at:]
    other = rng.choice([c for c in string.ascii_lowercase if c != word[at]])
    return word[:at] + other + word[at + 1 :]


def pick_words(segments, count: int, rng: random.Random) -> list[str]:
    """`count` distinct alphabetic full-text terms, drawn by how often they occur."""
    frequency: dict[str, int] = {}
    for segment in segments:
        for letter in string.ascii_lowercase:
            terms, counts = segment.flat.field("text").with_prefix(letter.encode())
            for term, n in zip(terms, counts.tolist(), strict=True):
                word = term.decode("utf-8")
                if len(word) >= MIN_LETTERS and word.isalpha():
                    frequency[word] = frequency.get(word, 0) + n
    words, weights = zip(*sorted(frequency.items()), strict=True)
    chosen: list[str] = []
    while len(chosen) < min(count, len(words)):
        word = rng.choices(words, weights)[0]
        if word not in chosen:
            chosen.append(word)
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    index = SearchIndex(args.index)
    generation = index.generation()
    with generation.searcher() as searcher:
        reader = searcher.reader()
        segments = generation.vectors().segments(reader)
        if any(s.flat is None or s.flat.field("text") is None for s in segments):
            print("the index has segments without flat postings: rebuild it first")
            return 2
        pairs = [(word, misspell(word, rng)) for word in pick_words(segments, args.count, rng)]
        ours, whooshs, ours_right, whoosh_right = [], [], 0, 0
        corrector = reader.corrector("text")
        for word, typo in pairs:
            started = time.perf_counter()
            found = corrections(segments, "text", typo, SUGGEST_CANDIDATES)
            ours.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            theirs = corrector.suggest(typo, limit=SUGGEST_CANDIDATES, maxdist=MAX_EDITS,
                                       prefix=1)
            whooshs.append((time.perf_counter() - started) * 1000)
            ours_right += bool(found) and found[0] == word
            whoosh_right += bool(theirs) and theirs[0] == word
    searches = []
    for _, typo in pairs:
        started = time.perf_counter()
        search(SearchRequest(typo), index)
        searches.append((time.perf_counter() - started) * 1000)
    n = len(pairs)
    print(f"{n} misspelt index terms, {reader.doc_count_all():,} agenda items\n")
    print("| | median | p95 | max | original word first |")
    print("|---|--:|--:|--:|--:|")
    for name, times, right in (("corrections, search.spelling", ours, ours_right),
                               ("corrections, Whoosh's corrector", whooshs, whoosh_right)):
        print(f"| {name} | {statistics.median(times):.1f} ms | {percentile(times, 95):.1f} ms "
              f"| {max(times):.1f} ms | {right / n:.0%} |")
    print(f"| whole search for the misspelt word | {statistics.median(searches):.1f} ms "
          f"| {percentile(searches, 95):.1f} ms | {max(searches):.1f} ms | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
