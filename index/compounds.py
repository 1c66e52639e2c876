"""Dutch compound splitting, scored by word frequency.

Dutch writes compounds as one word (`knalvuurwerk`, `ondermijningsfonds`), so a search for
`vuurwerk` misses them unless the index also holds the parts. A split is accepted only when
both parts are common words on their own and together they are more plausible than the whole
word (Koehn & Knight's frequency criterion), with the linking `s`, `e` or `en` between the
parts allowed. Frequent words are lexicalised and stay whole (`handhaving` is not
`hand|having`, `vuurwerk` not `vuur|werk`), and so do the words in the staff-editable list of
exceptions.

The frequencies are the Dutch list of the `wordfreq` package (Zipf scale: 3 ≈ once per million
words); it is loaded on first use, not when an index is opened, and only the words common
enough to matter are kept.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import tomllib
from pathlib import Path

# A word this frequent is an established word of its own: never split it.
LEXICALISED_ZIPF = 4.0
# Each part must be at least this common on its own.
PART_ZIPF = 3.0
MIN_WORD = 7
MIN_HEAD = 3
MIN_TAIL = 4
LINKS = ("", "s", "e", "en")
# Prepositions and verb particles make derivations, not compounds: `aan|houding` is junk.
PARTICLES = frozenset(
    "aan af bij door in mee na om onder op over toe uit voor weg ver her ont be ge tegen "
    "achter samen terug mis vast neer rond langs".split()
)
MAX_DEPTH = 3

EXCEPTIONS_FILE = Path(__file__).with_name("data") / "compounds.toml"


# Every use of a frequency below compares it with a threshold of at least PART_ZIPF - 0.5
# (see part_threshold), or with one that is 1 above such a passed value: a rarer word acts
# exactly as an unknown one. Keeping only the words at or above this (57,000 of wordfreq's
# 311,000 Dutch words) keeps a process 37 MB smaller and splits the same.
MIN_USED_ZIPF = PART_ZIPF - 0.5


@functools.cache
def _frequencies() -> dict[str, float]:
    """Zipf value of each Dutch word at least MIN_USED_ZIPF common."""
    path = _word_list()
    if path is None:  # a wordfreq whose files are laid out otherwise: its public API
        from wordfreq import get_frequency_dict

        return {word: zipf for word, frequency in get_frequency_dict("nl", "large").items()
                if (zipf := math.log10(frequency) + 9) >= MIN_USED_ZIPF}
    # wordfreq's get_frequency_dict would hold all 311,000 words (twice: it caches its list
    # too), and importing wordfreq takes 0.27 s and 15 MB (tokenisers we never use). Its file
    # is a gzipped msgpack list: a header, then one band of words per centibel of frequency,
    # most frequent first, each word in one band. Read band by band, up to the cutoff.
    import gzip

    import msgpack

    zipfs: dict[str, float] = {}
    with gzip.open(path, "rb") as file:
        bands = msgpack.Unpacker(file, raw=False)
        bands.read_array_header()
        header = next(bands)
        if not isinstance(header, dict) or header.get("format") != "cB":
            raise ValueError(f"{path}: not a word list in wordfreq's cB format")
        for index, band in enumerate(bands):
            # wordfreq's frequency of band `index` is 10 ** (-index / 100).
            value = math.log10(10 ** (-index / 100)) + 9
            if value < MIN_USED_ZIPF:
                break
            zipfs.update(dict.fromkeys(band, value))
    return zipfs


def _word_list() -> Path | None:
    """wordfreq's large Dutch word list, found without importing wordfreq."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "large_nl.msgpack.gz"
    return path if path.is_file() else None


@functools.cache
def _exceptions() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    data = tomllib.loads(EXCEPTIONS_FILE.read_text(encoding="utf-8"))
    keep = frozenset(w.lower() for w in data.get("never_split", []))
    fixed = {k.lower(): tuple(v) for k, v in data.get("split", {}).items()}
    return keep, fixed


def zipf(word: str) -> float:
    """How common a word is (Zipf scale, 0 when unknown)."""
    value = _frequencies().get(word)
    return value if value and word.isalpha() else 0.0


@functools.lru_cache(maxsize=200_000)
def split(word: str) -> tuple[str, ...]:
    """The parts of a compound (lower-case, linking morphemes dropped), or () if it is none."""
    keep, fixed = _exceptions()
    if word in fixed:
        return fixed[word]
    if word in keep or len(word) < MIN_WORD or not word.isalpha():
        return ()
    return _split(word, MAX_DEPTH)


# Derivational suffixes that are also words: `bestuur|lijk` and `ambte|naar` are no compounds.
SUFFIXES = frozenset(
    "lijk lijke heid heden baar bare loos loze schap dom naar aars isme achtig zaam".split()
)


def _split(word: str, depth: int) -> tuple[str, ...]:
    """Longest known head first (like a reader, who sees `verkoop|verbod`, not `ver|koop…`)."""
    if depth == 0 or zipf(word) >= LEXICALISED_ZIPF or len(word) < MIN_WORD:
        return ()
    min_head = MIN_HEAD if depth == MAX_DEPTH else MIN_TAIL
    for i in range(len(word) - MIN_TAIL, min_head - 1, -1):
        head, rest = word[:i], word[i:]
        if head in PARTICLES or zipf(head) < part_threshold(head):
            continue
        if head.endswith(("s", "e")) and zipf(head[:-1]) > zipf(head) + 1:
            continue  # a linking `s`/`e`: `veiligheid|s|beraad`, found at a shorter head
        tails = [rest[len(link):] for link in LINKS if rest.startswith(link)]
        tails = [t for t in tails if len(t) >= MIN_TAIL and t not in SUFFIXES]
        # A tail that is a word beats one that must be split again (`opsporing|s|onderzoek`).
        for tail in tails:
            if zipf(tail) >= part_threshold(tail):
                return (head, tail)
        for tail in tails:
            nested = _split(tail, depth - 1)
            if nested:
                return (head, *nested)
    return ()


def part_threshold(part: str) -> float:
    """How common a part must be: short parts often fit by accident, long ones rarely do."""
    if len(part) <= 4:
        return PART_ZIPF + 0.5
    if len(part) >= 9:
        return PART_ZIPF - 0.5
    return PART_ZIPF




def read_word_list(path: Path) -> list[list[str]]:
    """Rows of a test list: `word<TAB>part part` or `word`; `#` lines are comments."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            word, _, parts = line.partition("\t")
            rows.append([word.strip(), *parts.split()])
    return rows


def split_quality(compounds: list[list[str]], whole: list[str], same=lambda a, b: a == b):
    """(recall, false-split rate, missed, wrongly split) of the splitter on two test lists.

    A compound counts as found when each expected part is a produced part or several
    consecutive produced parts joined; `same` compares two words (e.g. by their stems, so
    `rampen` for `ramp` counts).
    """
    missed = []
    for word, *expected in compounds:
        parts = split(word)
        pieces = ["".join(parts[i:j]) for i in range(len(parts))
                  for j in range(i + 1, len(parts) + 1)]
        if not parts or not all(any(same(e, p) for p in pieces) for e in expected):
            missed.append((word, parts))
    wrong = [(word, split(word)) for word in whole if split(word)]
    return 1 - len(missed) / len(compounds), len(wrong) / len(whole), missed, wrong
