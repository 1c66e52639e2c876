"""Turn what a user typed into a Whoosh query.

The language, in Dutch and English: words (all must match), `"exact phrase"`, `OF`/`OR`,
`NIET`/`NOT`/`-word`, `( )`, `field:value` for title/agenda item/actor/topic, and a trailing
`*`. Whatever is typed, parsing never fails: input Whoosh cannot make sense of is searched as
plain words, and the caller is told so.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from whoosh import qparser, query
from whoosh.qparser import plugins

from index.encoding import repair
from index.schema import QUERY_FIELDS, SEARCH_FIELDS

from .request import MAX_QUERY_CHARS
from .synonyms import Synonyms, expand

MAX_WORDS = 64
# Query words within this many positions of each other earn the proximity bonus, which is
# applied to the best RERANK_DEPTH hits only (reading positions of every match is costly).
PROXIMITY_SLOP = 8
PROXIMITY_BOOST = 0.3
RERANK_DEPTH = 50
NOTICE_PLAIN_WORDS = (
    "De zoekvraag kon niet als geheel worden gelezen; gezocht is op de losse woorden."
)

_OPERATORS = plugins.OperatorsPlugin(
    And=r"(?<=\s)(AND|EN)(?=\s)",
    Or=r"(?<=\s)(OR|OF)(?=\s)",
    AndNot=r"(?<=\s)ANDNOT(?=\s)",
    AndMaybe=r"(?<=\s)ANDMAYBE(?=\s)",
    Not=r"(^|(?<=(\s|[()])))(NOT|NIET)(?=\s)",
    Require=r"(^|(?<=\s))REQUIRE(?=\s)",
)
# Wildcards only at the end of a word: a leading one would scan the whole vocabulary.
_LEADING_WILDCARD = re.compile(r"(?<![\w*?])[*?]+")
_QUESTION_MARK = re.compile(r"\?")
_OPERATOR_WORDS = {"AND", "EN", "OR", "OF", "NOT", "NIET", "ANDNOT", "ANDMAYBE", "REQUIRE"}
_SYNTAX = re.compile(r"[\"()*:+\-^~\[\]{}]")
# Syntax that makes a query more than words (a hyphen inside a word does not).
_OPERATOR_SYNTAX = re.compile(r"[\"()*:^~\[\]{}]|(?<![^\s(])[-+]")
# A question ("Wanneer eindigt het convenant?") is about its other words: the answer rarely
# repeats the question word, and requiring it would hide exactly the passages asked for.
QUESTION_WORDS = frozenset((
    "wanneer", "wat", "waarom", "hoe", "hoeveel", "hoelang", "welke", "welk", "wie", "wiens",
    "waar", "waarmee", "waardoor", "waarvoor", "waarin", "waarop", "waaraan", "waarover",
    "waarbij", "when", "what", "why", "how", "which", "who", "where",
))


@dataclass
class ParsedQuery:
    """The Whoosh query plus what the user should know about how it was read."""

    query: query.Query
    text: str
    notice: str | None = None
    expansions: list[str] = field(default_factory=list)  # synonyms also searched


class _PhraseNode(plugins.PhrasePlugin.PhraseNode):
    """A phrase in which dropped stop words still take up their places: `"extra capaciteit
    voor de recherche"` searches three terms, with two positions between the last two, so
    the allowed distance between neighbours grows by the widest such gap."""

    def query(self, parser):
        q = super().query(parser)
        fieldname = self.fieldname or parser.fieldname
        field = parser.schema[fieldname] if parser.schema and fieldname in parser.schema else None
        if field is not None and field.analyzer and isinstance(q, query.Phrase):
            places = [t.pos for t in field.tokenize(self.text, mode="query", positions=True)]
            widest = max((b - a for a, b in itertools.pairwise(places)), default=1)
            q.slop = self.slop + max(widest - 1, 0)
        return q


class _PhraseTagger(plugins.PhrasePlugin.PhraseTagger):
    def create(self, parser, match):
        node = super().create(parser, match)
        return _PhraseNode(node.text, node.textstartchar, node.slop)


class _Phrases(plugins.PhrasePlugin):
    def taggers(self, parser):
        return [(_PhraseTagger(self.expr), 0)]


def _parser(schema, group) -> qparser.QueryParser:
    parser = qparser.QueryParser(None, schema, group=group)
    parser.add_plugin(
        plugins.MultifieldPlugin(
            [f.name for f in SEARCH_FIELDS], fieldboosts={f.name: f.boost for f in SEARCH_FIELDS}
        )
    )
    for unwanted in (
        plugins.SingleQuotePlugin,  # apostrophes belong to words: `BOA's`
        plugins.RangePlugin,
        plugins.BoostPlugin,
        plugins.EveryPlugin,
        plugins.OperatorsPlugin,
        plugins.FieldsPlugin,
        plugins.PhrasePlugin,
    ):
        parser.remove_plugin_class(unwanted)
    parser.add_plugin(_Phrases())
    names = "|".join(name for spec in QUERY_FIELDS for name in spec.names)
    parser.add_plugin(plugins.FieldsPlugin(expr=rf"(?P<text>(?i:{names})):(?=\S)"))
    parser.add_plugin(
        plugins.FieldAliasPlugin({spec.field: list(spec.names) for spec in QUERY_FIELDS})
    )
    parser.add_plugin(_OPERATORS)
    # `-word` excludes only at the start of a word: `EU-vergunning` is one word.
    parser.add_plugin(
        plugins.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-(?=[\w\"(])")
    )
    return parser


def parse(text: str, schema, any_word: bool = False, synonyms: Synonyms | None = None
          ) -> ParsedQuery:
    """Parse `text`; with `any_word` the words are OR-ed instead of AND-ed; with `synonyms`
    known words and acronyms also search their equivalents."""
    notice = None
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notice = f"De zoekvraag is ingekort tot {MAX_QUERY_CHARS} tekens."
    words = text.split()
    if len(words) > MAX_WORDS:
        text = " ".join(words[:MAX_WORDS])
        notice = f"Alleen de eerste {MAX_WORDS} woorden zijn gebruikt."
    cleaned = _QUESTION_MARK.sub(
        " ", _LEADING_WILDCARD.sub("", _lower_field_names(_without_question_word(repair(text))))
    )
    group = qparser.OrGroup if any_word else qparser.AndGroup
    expanded, added = expand(cleaned, synonyms) if synonyms else (cleaned, [])
    try:
        parsed = _parser(schema, group).parse(expanded)
        if _is_empty(parsed) and cleaned.strip():
            raise ValueError("nothing searchable")
    except Exception:  # noqa: BLE001 - any parser failure falls back to plain words
        plain = " ".join(
            w for w in _SYNTAX.sub(" ", cleaned).split() if w not in _OPERATOR_WORDS
        )
        parsed = _parser(schema, group).parse(plain) if plain else query.NullQuery
        added = []
        if cleaned.strip():
            notice = NOTICE_PLAIN_WORDS
    if any_word:
        parsed = _keep_exclusions(parsed)
    return ParsedQuery(parsed, text, notice, expansions=added)


def _without_question_word(text: str) -> str:
    """The query without its opening question word, when at least two words follow it."""
    words = text.split()
    if len(words) >= 3 and words[0].lower() in QUESTION_WORDS:
        return " ".join(words[1:])
    return text


def _keep_exclusions(q: query.Query) -> query.Query:
    """In an OR search, `NIET taser` still excludes: `(a OF b) NIET taser`, not `a OF b OF
    (everything without taser)`."""
    if not isinstance(q, query.Or):
        return q
    excluded = [c.query for c in q.subqueries if isinstance(c, query.Not)]
    wanted = [c for c in q.subqueries if not isinstance(c, query.Not)]
    if not excluded or not wanted:
        return q
    return query.AndNot(query.Or(wanted), query.Or(excluded))


def _lower_field_names(text: str) -> str:
    """`Titel:` and `ACTOR:` work like `titel:` and `actor:`."""
    names = {name for spec in QUERY_FIELDS for name in spec.names}
    return re.sub(
        r"\b(\w+):",
        lambda m: m.group(1).lower() + ":" if m.group(1).lower() in names else m.group(0),
        text,
    )


def _is_empty(q: query.Query) -> bool:
    return q is query.NullQuery or isinstance(q, query.NullQuery.__class__)


def plain_words(text: str) -> bool:
    """Whether a query is just words, without phrases, operators, groups, fields or
    wildcards: what someone types who expects the engine to judge relevance."""
    return not _OPERATOR_SYNTAX.search(text) and not any(
        word in _OPERATOR_WORDS for word in text.split())


def word_count(q: query.Query) -> int:
    """How many separate words a query asks for (to decide whether OR could find more)."""
    return len({text for _, text in q.iter_all_terms()})


def proximity_words(q: query.Query, field: str = "text") -> list[str]:
    """The positive single-word terms of `q` in `field`, in query order, without repeats."""
    words: list[str] = []
    for leaf in _positive_leaves(q):
        if isinstance(leaf, query.Term) and leaf.fieldname == field and leaf.text not in words:
            words.append(leaf.text)
    return words


def proximity_factor(positions: dict[str, list[int]], words: list[str]) -> float:
    """How much a text's score grows because consecutive query words stand close together.

    Each pair of consecutive query words within PROXIMITY_SLOP positions of each other counts;
    the factor is 1 + PROXIMITY_BOOST × (share of such pairs). So "extra capaciteit voor de
    recherche" ranks above a text that mentions the same words paragraphs apart.
    """
    pairs = list(itertools.pairwise(words))
    if not pairs or PROXIMITY_BOOST <= 0:
        return 1.0
    near = sum(1 for a, b in pairs if _closest(positions.get(a), positions.get(b))
               <= PROXIMITY_SLOP)
    return 1.0 + PROXIMITY_BOOST * near / len(pairs)


def _closest(first: list[int] | None, second: list[int] | None) -> int:
    """The smallest distance between a position in `first` and one in `second`."""
    if not first or not second:
        return 1 << 30
    best, i, j = 1 << 30, 0, 0
    while i < len(first) and j < len(second):
        best = min(best, abs(first[i] - second[j]))
        if first[i] < second[j]:
            i += 1
        else:
            j += 1
    return best


def _positive_leaves(q: query.Query):
    if isinstance(q, query.Not):
        return
    if isinstance(q, query.AndNot):
        yield from _positive_leaves(q.a)
        return
    if q.is_leaf():
        yield q
        return
    for child in q.children():
        yield from _positive_leaves(child)
