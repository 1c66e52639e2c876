"""The Dutch analysis chain, shared by indexing and querying.

Whoosh pickles the analyser into the index's table of contents, so the classes here must stay
importable under this module path: moving or renaming them makes old indexes unreadable.
Bump `ANALYSIS_VERSION` whenever the terms this chain produces change; the indexer then
rebuilds instead of mixing old and new terms.
"""

from __future__ import annotations

import re

from whoosh.analysis import (
    CharsetFilter,
    Filter,
    StemFilter,
    StopFilter,
    Tokenizer,
)
from whoosh.analysis.acore import Token
from whoosh.support.charset import accent_map

from .compounds import split as split_compound

ANALYSIS_VERSION = 3

# A word: letters/digits, with inner apostrophes (`BOA's`, `zo'n`) and inner hyphens
# (`informatie-uitwisseling`, `ID-straat`). An explicit pattern, because whoosh-reloaded
# changed the default one (it keeps `*` inside tokens).
WORD = re.compile(r"\w+(?:['\u2019]\w+)*(?:-\w+(?:['\u2019]\w+)*)*", re.UNICODE)
_APOSTROPHE_S = re.compile(r"['\u2019]s$", re.IGNORECASE)

# Short on purpose: Whoosh's Dutch list also stops `niet`, `geen`, `kan`, `moet`, `wil`,
# which carry meaning in decisions ("geen extra geld", "kan niet").
STOP_WORDS = frozenset(
    """
    de het een en van in op te dat die dit is aan er als bij om ook tot uit naar over dan
    of door met voor was zijn worden wordt werd hij zij ze wij we je u ik hem haar hun zich
    nog wel al maar want dus zo deze daar hier toe waar wie wat welke
    """.split()
)


# Acronyms whose lower-case form is a stop word; kept as capitals (see DutchLowercaseFilter).
STOP_WORD_ACRONYMS = frozenset({"OM"})


class DutchTokenizer(Tokenizer):
    """Words with Dutch apostrophes and hyphens handled.

    `camera's`/`BOA's` lose their plural/possessive `'s`. A hyphenated word yields its parts
    and, at the same position, the joined word (`informatie-uitwisseling` →
    `informatie`, `informatieuitwisseling`, `uitwisseling`), so both halves and the whole are
    found and phrases keep working. Queries use only the joined word: it is present wherever
    the hyphenated form was indexed, and written-together forms match it too.
    """

    def __eq__(self, other):
        return self.__class__ is other.__class__

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            token.pos = start_pos
            token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        pos = start_pos
        for match in WORD.finditer(value):
            word = _APOSTROPHE_S.sub("", match.group(0))
            start = start_char + match.start()
            end = start + len(word)
            parts = word.split("-")
            if len(parts) > 1 and mode != "query":
                offset = start
                for part in parts:
                    yield _fill(token, part, pos, offset, offset + len(part), keeporiginal)
                    offset += len(part) + 1
            yield _fill(token, "".join(parts), pos, start, end, keeporiginal)
            pos += 1


def _fill(token: Token, text: str, pos: int, start: int, end: int, keeporiginal: bool) -> Token:
    token.text = text
    token.boost = 1.0
    token.stopped = False
    token.pos = pos
    token.startchar = start
    token.endchar = end
    if keeporiginal:
        token.original = text
    return token


class DutchLowercaseFilter(Filter):
    """Lower-cases every word except acronyms that would become a stop word.

    `OM` (Openbaar Ministerie) lower-cased is `om`, one of the most common Dutch words, which
    the stop list drops: the acronym would be unsearchable. Written in capitals it stays a
    term of its own; `om` in running text is still dropped.
    """

    def __eq__(self, other):
        return self.__class__ is other.__class__

    def __call__(self, tokens):
        for token in tokens:
            if token.text not in STOP_WORD_ACRONYMS:
                token.text = token.text.lower()
            yield token


class CompoundFilter(Filter):
    """Adds the parts of Dutch compounds at the compound's own position (index time only).

    `knalvuurwerk` stays a term (so the whole word ranks highest) and `knal` and `vuurwerk` are
    added at the same position, so `vuurwerk` finds it and phrases keep working. Queries are
    not split: a search for `knalvuurwerk` means that word.
    """

    def __eq__(self, other):
        return self.__class__ is other.__class__

    def __call__(self, tokens):
        for token in tokens:
            if token.mode == "query":
                yield token
                continue
            text, pos, start = token.text, token.pos, token.startchar
            parts = split_compound(text)
            yield token
            offset = 0
            for part in parts:
                found = text.find(part, offset)
                at = found if found >= 0 else offset
                offset = at + len(part)
                token.text, token.pos, token.stopped, token.boost = part, pos, False, 1.0
                token.startchar, token.endchar = start + at, start + at + len(part)
                yield token


class PluralFilter(Filter):
    """Plural forms that Snowball Dutch leaves apart from their singular.

    Snowball stems `wapens` to `wapen` but `wapen` to `wap`, and keeps the `-s` of plurals
    after a vowel (`organisaties`, `gemeentes`). Removing these plural endings before stemming
    lets singular and plural meet.
    """

    def __eq__(self, other):
        return self.__class__ is other.__class__

    def __call__(self, tokens):
        for token in tokens:
            token.text = singular(token.text)
            yield token


_PLURAL_ES_AFTER = frozenset("tdgkzjl")


def singular(word: str) -> str:
    """The singular of Dutch plurals in `-ens`, `-ies` and `-es` after `t d g k z j l`."""
    if len(word) >= 6 and word.endswith(("ens", "ies")):
        return word[:-1]
    if len(word) >= 7 and word.endswith("es") and word[-3] in _PLURAL_ES_AFTER:
        return word[:-1]
    return word


def dutch_analyzer():
    """The full chain: tokenise, lower-case, split compounds, fold accents, drop stop words,
    repair plurals, stem (Snowball Dutch).

    Accents are folded before stemming so that `efficient`, `efficiënt` and the OCR slip
    `efficiént` meet. Stop words keep their positions (`renumber=False`) because the
    tokenizer puts several terms on one position.
    """
    return (
        DutchTokenizer()
        | DutchLowercaseFilter()
        | CompoundFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=STOP_WORDS, minsize=1, renumber=False)
        | PluralFilter()
        | StemFilter(lang="nl", cachesize=100_000)
    )


def analyse(text: str, mode: str = "index") -> list[str]:
    """The terms `text` produces (what `bestuurszoeker analyze` prints)."""
    return [t.text for t in dutch_analyzer()(text, mode=mode)]
