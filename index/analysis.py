"""The Dutch analysis chain, shared by indexing and querying.

Whoosh pickles the analyser into the index's table of contents, so the classes here must stay
importable under this module path: moving or renaming them makes old indexes unreadable.
Bump `ANALYSIS_VERSION` whenever the terms this chain produces change; the indexer then
rebuilds instead of mixing old and new terms.
"""

from __future__ import annotations

import re

from whoosh.analysis import Filter, Tokenizer
from whoosh.analysis.acore import Token
from whoosh.lang import stemmer_for_language
from whoosh.support.charset import accent_map

from .compounds import split as split_compound

ANALYSIS_VERSION = 4

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
        for text, pos, start, end in words(value, mode == "query", start_pos):
            yield _fill(token, text, pos, start_char + start, start_char + end, keeporiginal)


def words(value: str, query: bool = False, pos: int = 0):
    """(word, position, start, end) of each word of `value`, as `DutchTokenizer` yields them:
    a hyphenated word as its parts and, at the same position, the joined word (the joined
    word alone in a query)."""
    for match in WORD.finditer(value):
        word = _APOSTROPHE_S.sub("", match.group(0))
        start = match.start()
        parts = word.split("-")
        if len(parts) > 1 and not query:
            offset = start
            for part in parts:
                yield part, pos, offset, offset + len(part)
                offset += len(part) + 1
        yield "".join(parts), pos, start, start + len(word)
        pos += 1


def term_positions(value: str) -> dict[str, list[int]]:
    """The index terms of `value` with their positions, exactly as `dutch_analyzer()` makes
    them for indexing, without a Token object per word (a third of the indexer's time)."""
    found: dict[str, list[int]] = {}
    get = found.get
    # Strings, not match objects, and one remembered tuple of terms per word: this loop
    # runs for every word of the archive.
    for pos, word in enumerate(WORD.findall(value)):
        terms = _INDEX_TERMS.get(word)
        if terms is None:
            terms = _index_terms(word)
        for term in terms:
            places = get(term)
            if places is None:
                found[term] = [pos]
            else:
                places.append(pos)
    return found


_INDEX_TERMS: dict[str, tuple[str, ...]] = {}


def _index_terms(word: str) -> tuple[str, ...]:
    """The index terms of one word as `words` and `word_forms` make them (hyphen parts
    first, then the joined word), remembered."""
    if len(_INDEX_TERMS) >= _FORMS_LIMIT:
        _INDEX_TERMS.clear()
    terms = _INDEX_TERMS[word] = tuple(
        term for part, _, _, _ in words(word) for term, _, _ in word_forms(part)
    )
    return terms


def term_spans(value: str, wanted: frozenset[str] | None = None):
    """(term, start, end) of the index terms of `value`, as indexing makes them, but without
    Whoosh's token objects: marking words in a text is four times faster this way.

    With `wanted`, a word whose whole form is wanted yields that alone: its compound parts
    would be marked inside the same span, and splitting needs the word-frequency list, which
    a search process then need not load for the common case."""
    for word, _, start, end in words(value):
        if wanted is not None:
            whole = word_forms(word, query=True)
            if whole and whole[0][0] in wanted:
                yield whole[0][0], start, end
                continue
        # The joined form of `informatie-uitwisseling` is shorter than the text it spans: its
        # compound parts would be marked a hyphen off, and its hyphen parts carry them anyway.
        hyphenated = end - start != len(word)
        for term, offset, length in word_forms(word):
            if offset is None:
                yield term, start, end
            elif not hyphenated:
                yield term, start + offset, start + offset + length


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


class DutchWordFilter(Filter):
    """Everything that happens to a word after tokenising, in one step per word:

    1. lower case, except acronyms that would become a stop word (`OM` is not `om`);
    2. compound parts (index time only) at the compound's own position: `knalvuurwerk` stays
       a term, so it ranks highest, and `knal` and `vuurwerk` are added, so `vuurwerk` finds
       it and phrases keep working;
    3. accents folded, before stemming, so `efficient`, `efficiënt` and the OCR slip
       `efficiént` meet;
    4. stop words dropped (positions are kept: several terms share one position);
    5. plural repairs that Snowball misses (`wapens`/`wapen`, `organisaties`, `gemeentes`);
    6. Snowball Dutch stemming.

    The same words recur all the time, so the outcome per word is remembered: one dictionary
    lookup instead of a chain of generators per token.
    """

    def __eq__(self, other):
        return self.__class__ is other.__class__

    def __call__(self, tokens):
        for token in tokens:
            text, start, pos = token.text, token.startchar, token.pos
            forms = word_forms(text, token.mode == "query")
            if not forms:
                if not token.removestops:
                    token.text, token.stopped = text.lower(), True
                    yield token
                continue
            for term, offset, length in forms:
                token.text, token.pos, token.stopped, token.boost = term, pos, False, 1.0
                if offset is not None:
                    token.startchar, token.endchar = start + offset, start + offset + length
                yield token


_FOLD = accent_map  # code point → replacement, as str.translate wants it
_STEM = stemmer_for_language("nl")
_FORMS: dict[tuple[str, bool], tuple] = {}
_FORMS_LIMIT = 500_000


def word_forms(word: str, query: bool = False) -> tuple[tuple[str, int | None, int], ...]:
    """The index terms of one word: (term, offset of a compound part or None, its length)."""
    key = (word, query)
    forms = _FORMS.get(key)
    if forms is None:
        if len(_FORMS) >= _FORMS_LIMIT:
            _FORMS.clear()
        forms = _FORMS[key] = _word_forms(word, query)
    return forms


def _word_forms(word: str, query: bool) -> tuple[tuple[str, int | None, int], ...]:
    lower = word if word in STOP_WORD_ACRONYMS else word.lower()
    whole = _term(lower)
    if whole is None:
        return ()
    forms = [(whole, None, len(word))]
    if not query:
        offset = 0
        for part in split_compound(lower):
            found = lower.find(part, offset)
            at = found if found >= 0 else offset
            offset = at + len(part)
            term = _term(part)
            if term is not None:
                forms.append((term, at, len(part)))
    return tuple(forms)


def _term(word: str) -> str | None:
    folded = word.translate(_FOLD)
    if folded in STOP_WORDS:
        return None
    return _STEM(singular(folded))


_PLURAL_ES_AFTER = frozenset("tdgkzjl")


def singular(word: str) -> str:
    """The singular of Dutch plurals in `-ens`, `-ies` and `-es` after `t d g k z j l`."""
    if len(word) >= 6 and word.endswith(("ens", "ies")):
        return word[:-1]
    if len(word) >= 7 and word.endswith("es") and word[-3] in _PLURAL_ES_AFTER:
        return word[:-1]
    return word


def dutch_analyzer():
    """The full chain: tokenise (`DutchTokenizer`), then lower-case, split compounds, fold
    accents, drop stop words, repair plurals and stem (`DutchWordFilter`)."""
    return DutchTokenizer() | DutchWordFilter()


def analyse(text: str, mode: str = "index") -> list[str]:
    """The terms `text` produces (what `bestuurszoeker analyze` prints)."""
    return [t.text for t in dutch_analyzer()(text, mode=mode)]
