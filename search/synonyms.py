"""Synonyms and acronyms, applied to the query (`taser` also searches `stroomstootwapen`).

The groups live in a TOML file staff can edit (`search/data/synonyms.toml`, or one given by
path). A word or phrase of the query that belongs to a group is replaced by an OR of the whole
group, multi-word forms as phrases: `OM` becomes `(OM OR "Openbaar Ministerie")`. Acronyms
that are also ordinary words (`OM`/`om`, listed under `case_sensitive`; stop words always)
count only when written as the acronym.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from index.analysis import STOP_WORDS
from index.errors import VocabularyError

DEFAULT_FILE = Path(__file__).with_name("data") / "synonyms.toml"
MAX_FORM_WORDS = 8

_TOKEN = re.compile(r'"[^"]*"?|\S+')
_EDGE = re.compile(r"^([-+(]*)(.*?)([),.;!?]*)$")
_OPERATORS = {"AND", "EN", "OR", "OF", "NOT", "NIET", "ANDNOT", "ANDMAYBE", "REQUIRE"}


@dataclass(frozen=True)
class Synonyms:
    """Groups of equivalent forms, indexed for matching."""

    groups: tuple[tuple[str, ...], ...] = ()
    case_sensitive: frozenset[str] = frozenset()
    source: str = ""
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for number, group in enumerate(self.groups):
            for form in group:
                self._index.setdefault(self._key(form), []).append(number)

    def _key(self, form: str) -> str:
        return form if form in self.case_sensitive else form.lower()

    def lookup(self, words: list[str]) -> tuple[str, ...] | None:
        """The group that the exact sequence `words` is a form of, if any."""
        text = " ".join(words)
        # Case-sensitive forms are keyed in their own spelling, the rest in lower case.
        numbers = self._index.get(text) or self._index.get(text.lower())
        return self.groups[numbers[0]] if numbers else None

    @property
    def longest(self) -> int:
        return min(MAX_FORM_WORDS, max((len(f.split()) for g in self.groups for f in g),
                                       default=1))


def load(path: Path | str | None = None) -> Synonyms:
    """Read a synonyms file (None: the shipped one); VocabularyError names file and problem."""
    path = Path(path) if path else DEFAULT_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise VocabularyError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise VocabularyError(f"{path}: {exc}") from exc
    unknown = set(data) - {"acronyms", "synonyms", "case_sensitive"}
    if unknown:
        raise VocabularyError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    groups = []
    for short, long in data.get("acronyms", {}).items():
        longs = [long] if isinstance(long, str) else long
        if not isinstance(longs, list) or not all(isinstance(x, str) and x for x in longs):
            raise VocabularyError(f"{path}: [acronyms] {short}: give a text or a list of texts")
        groups.append((short, *longs))
    for number, group in enumerate(data.get("synonyms", {}).get("groups", []), start=1):
        if not isinstance(group, list) or len(group) < 2 or not all(
            isinstance(x, str) and x.strip() for x in group
        ):
            raise VocabularyError(
                f"{path}: [synonyms] group {number}: give a list of at least two words"
            )
        groups.append(tuple(group))
    explicit = data.get("case_sensitive", [])
    if not isinstance(explicit, list) or not all(isinstance(x, str) for x in explicit):
        raise VocabularyError(f"{path}: case_sensitive must be a list of texts")
    # An acronym that lower-cased is a stop word can only mean the acronym in capitals.
    automatic = {
        form for group in groups for form in group
        if _is_acronym(form) and form.lower() in STOP_WORDS
    }
    return Synonyms(tuple(groups), frozenset(explicit) | automatic, str(path))


def _is_acronym(form: str) -> bool:
    return " " not in form and sum(ch.isupper() for ch in form) >= 2


def expand(text: str, synonyms: Synonyms) -> tuple[str, list[str]]:
    """The query with every known form replaced by an OR of its group, and the added forms.

    Quoted phrases, `field:value` and operators are left as typed.
    """
    tokens = list(_TOKEN.finditer(text))
    out: list[str] = []
    added: list[str] = []
    last = 0
    i = 0
    while i < len(tokens):
        match = _match_at(tokens, i, synonyms)
        if match is None:
            i += 1
            continue
        length, group, prefix, suffix, typed = match
        start, end = tokens[i].start(), tokens[i + length - 1].end()
        out.append(text[last:start])
        forms = " OR ".join(f'"{f}"' if " " in f or "-" in f else f for f in group)
        out.append(f"{prefix}({forms}){suffix}")
        added += [f for f in group if f.lower() != typed.lower() and f not in added]
        last = end
        i += length
    out.append(text[last:])
    return "".join(out), added


def _match_at(tokens, i: int, synonyms: Synonyms):
    for length in range(min(synonyms.longest, len(tokens) - i), 0, -1):
        words, prefix, suffix = [], "", ""
        for n, token in enumerate(tokens[i : i + length]):
            raw = token.group(0)
            if raw.startswith('"') or ":" in raw or raw in _OPERATORS:
                break
            edge = _EDGE.match(raw)
            lead, core, trail = edge.groups()
            if (lead and n > 0) or (trail and n < length - 1) or not core:
                break
            prefix = lead if n == 0 else prefix
            suffix = trail
            words.append(core)
        else:
            group = synonyms.lookup(words)
            if group:
                return length, group, prefix, suffix, " ".join(words)
    return None
