"""Topics of an agenda item, assigned by the staff-editable rules in topics.toml.

Words are compared lower-cased and without accents, so "efficiënt", "efficient" and the OCR
slip "efficiént" are one word. A hyphenated compound counts as a whole and by its parts:
"vuurwerk-verbod" is evidence for a rule on "vuurwerk".
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from index.documents import TopicMatch
from index.vocabulary import TopicRule

# A word in the heading names the subject of the whole item, so it weighs more than one in
# the running text.
HEADING_WEIGHT = 3

_WORD = re.compile(r"\w+(?:-\w+)*")
_LETTERS = re.compile(r"\w+")
_MEMO_LIMIT = 200_000  # distinct words remembered per rule set; a corpus has fewer


def assign_topics(heading: str, text: str, rules: list[TopicRule]) -> list[TopicMatch]:
    """The topics whose rules fire on `heading` and `text`, strongest first.

    Strength is the number of matches, heading matches counting `HEADING_WEIGHT` times; ties go
    by name. Each match lists its evidence: the distinct words and phrases that matched,
    lower-cased as written, in order of first appearance.
    """
    return _compiled(rules).assign(heading, text)


def fold(word: str) -> str:
    """Lower case without accents: "Efficiënt" -> "efficient"."""
    if word.isascii():  # the common case: nothing to decompose
        return word.lower()
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _Pattern:
    """A term or exclusion: a word; "*" in front or at the end lets any letters stand there."""

    def __init__(self, term: str):
        self.open_start = term.startswith("*")  # "*vuurwerk": knalvuurwerk
        self.open_end = term.endswith("*")  # "ondermijn*": ondermijning, ondermijnende
        self.word = fold(term.strip("*"))

    @property
    def wildcard(self) -> bool:
        return self.open_start or self.open_end

    def matches(self, word: str) -> bool:
        if self.open_start and self.open_end:
            return self.word in word
        if self.open_start:
            return word.endswith(self.word)
        if self.open_end:
            return word.startswith(self.word)
        return word == self.word


class _Phrase:
    """A phrase as a pattern that also accepts accents, and the rules it is evidence for."""

    def __init__(self, folded: str):
        self.folded = folded
        self._pattern: re.Pattern | None = None
        # its first run of letters, as the word list has it: "boven" in "boven- en onderwereld"
        self.opener = _LETTERS.match(folded).group()
        self.rules: list[int] = []

    @property
    def pattern(self) -> re.Pattern:
        """Compiled when a text first holds the phrase's opening word: each pattern takes
        some milliseconds to compile, and a run that indexes one meeting needs few."""
        if self._pattern is None:
            body = r"\s+".join(_accented(word) for word in self.folded.split())
            # "Not after a letter" is checked after the first character, not before it: a
            # pattern that starts with a character lets the regex engine skip ahead to
            # where that character is, five times faster over a long text.
            first = _accented(self.folded[0])
            self._pattern = re.compile(rf"{first}(?<!\w.){body[len(first):]}(?!\w)")
        return self._pattern


class _CompiledRules:
    """A rule set prepared for fast matching; one per distinct list of rules."""

    def __init__(self, rules: tuple[TopicRule, ...]):
        self.rules = rules
        self.exact: dict[str, list[int]] = defaultdict(list)
        self.wildcards: list[tuple[_Pattern, int]] = []
        self.excluded = [[_Pattern(t) for t in rule.exclude] for rule in rules]
        phrases: dict[str, _Phrase] = {}
        for index, rule in enumerate(rules):
            for term in rule.terms:
                pattern = _Pattern(term)
                if pattern.wildcard:
                    self.wildcards.append((pattern, index))
                else:
                    self.exact[pattern.word].append(index)
            for phrase in rule.phrases:
                folded = fold(phrase)
                phrases.setdefault(folded, _Phrase(folded)).rules.append(index)
        # A phrase pattern only runs over a text with its first word in it (as a word or part
        # of one), which most texts have not.
        self.openers: dict[str, list[_Phrase]] = defaultdict(list)
        for phrase in phrases.values():
            self.openers[phrase.opener].append(phrase)
        # Word -> (its hits, phrases it may open); words with neither are only kept in `plain`,
        # so that a set difference (in C) leaves just the few words of a text to look at.
        self.memo: dict[str, tuple[tuple[tuple[int, str], ...], tuple[_Phrase, ...]]] = {}
        self.plain: set[str] = set()

    def assign(self, heading: str, text: str) -> list[TopicMatch]:
        scores = [0] * len(self.rules)
        # per rule: folded evidence -> (where first seen, as written)
        evidence: list[dict[str, tuple[tuple[int, int], str]]] = [{} for _ in self.rules]

        def record(rule: int, weight: int, where: tuple[int, int], surface: str) -> None:
            scores[rule] += weight
            key = fold(surface)
            if key not in evidence[rule] or where < evidence[rule][key][0]:
                evidence[rule][key] = (where, surface)

        for part, (weight, content) in enumerate(((HEADING_WEIGHT, heading), (1, text))):
            lowered = content.lower()
            words = _WORD.findall(lowered)
            phrases: set[_Phrase] = set()
            for word in set(words).difference(self.plain):
                hits, opened = self._look_up(word)
                phrases.update(opened)
                if hits:
                    where, count = (part, words.index(word)), words.count(word)
                    for rule, surface in hits:
                        record(rule, weight * count, where, surface)
            for phrase in phrases:
                for match in phrase.pattern.finditer(lowered):
                    # ordered among the words by the number of words before it
                    where = (part, len(_WORD.findall(lowered, 0, match.start())))
                    for rule in phrase.rules:
                        record(rule, weight, where, " ".join(match.group().split()))
        matches = [
            (-scores[index], rule.name, TopicMatch(rule.name, _ordered(evidence[index])))
            for index, rule in enumerate(self.rules)
            if evidence[index] and len(evidence[index]) >= rule.min_matches
        ]
        matches.sort(key=lambda m: m[:2])
        return [match for _, _, match in matches]

    def _look_up(self, word: str) -> tuple[tuple[tuple[int, str], ...], tuple[_Phrase, ...]]:
        found = self.memo.get(word)
        if found is None:
            found = self._word_hits(word)
            if len(self.memo) + len(self.plain) >= _MEMO_LIMIT:
                self.memo.clear()
                self.plain.clear()
            if found == ((), ()):
                self.plain.add(word)
            else:
                self.memo[word] = found
        return found

    def _word_hits(self, word: str) -> tuple[tuple[tuple[int, str], ...], tuple[_Phrase, ...]]:
        """(rule, word or compound part) for each rule the word is evidence for, and the
        phrases that may start with it."""
        whole = self._rules_for(word)
        hits = [(rule, word) for rule in whole]
        if "-" in word:
            for part in word.split("-"):
                hits += [(rule, part) for rule in self._rules_for(part) if rule not in whole]
        parts = fold(word).split("-")
        opened = tuple(phrase for part in parts for phrase in self.openers.get(part, ()))
        return tuple(dict.fromkeys(hits)), opened

    def _rules_for(self, word: str) -> list[int]:
        folded = fold(word)
        rules = list(self.exact.get(folded, ()))
        rules += [rule for pattern, rule in self.wildcards if pattern.matches(folded)]
        return [
            rule
            for rule in dict.fromkeys(rules)
            if not any(p.matches(folded) for p in self.excluded[rule])
        ]


def _ordered(evidence: dict[str, tuple[tuple[int, int], str]]) -> tuple[str, ...]:
    return tuple(surface for _, surface in sorted(evidence.values()))


def _accented(word: str) -> str:
    """A folded word as a regex that also accepts accents: "e" matches "e", "é", "ë", ..."""
    return "".join(_LETTER.get(c, re.escape(c)) for c in word)


def _accent_classes() -> dict[str, str]:
    """For each plain letter with accented lower-case forms, a regex class of them all.

    Matching accents in the pattern is cheaper than folding every text before matching.
    """
    variants: dict[str, str] = {}
    for code in range(0x80, 0x250):
        plain = fold(chr(code))
        if len(plain) == 1 and plain.isascii() and chr(code).islower():
            variants[plain] = variants.get(plain, plain) + chr(code)
    return {plain: f"[{chars}]" for plain, chars in variants.items()}


_LETTER = _accent_classes()


_cache: dict[tuple[int, ...], _CompiledRules] = {}


def _compiled(rules: list[TopicRule]) -> _CompiledRules:
    # Keyed by identity: the compiled set holds the rules, so their ids stay theirs.
    key = tuple(map(id, rules))
    compiled = _cache.get(key)
    if compiled is None:
        if len(_cache) >= 8:
            _cache.clear()
        compiled = _cache[key] = _CompiledRules(tuple(rules))
    return compiled
