"""A deterministic corpus of fictional Dutch meeting minutes, for the speed benchmark.

    from benchmarks.corpus import generate, write
    for meeting in generate(10_000, seed=7): ...      # exactly 10,000 agenda items
    write("/tmp/corpus", 10_000, seed=7)             # the same meetings as files

The words come from the project's own sample minutes (`samples/minutes/`), read at run time:
their sentences, new sentences from a word-level Markov chain over them, names of people after
a role replaced by invented ones, and a long tail of Dutch compounds made of the samples' own
words. A real archive keeps meeting new words as it grows (Heaps' law); without that tail the
index of 100k items would hold only the samples' few thousand words and every term list,
lexicon and spelling dictionary would look unrealistically small.

What the generator imitates, because each of these costs the indexer or the searcher work:

* meetings of six fictional bodies, dated on weekdays from 2011 to 2025, 3-8 agenda items
  each (often an opening, themed items, and a short "Rondvraag" at the end);
* agenda-item lengths like real minutes: log-normal, median about 1.1 KB, a long tail to 8 KB;
* actors as the product's gazetteer finds them (`burgemeester Van der Steenhorst`,
  `mevrouw Houtsma`, `PG Ter Wolde`, `de korpschef`), people holding a role for some years;
* topics: an item's sentences come mostly from sample items with the same heading, so the
  product's topic rules fire on them as they would on real minutes;
* two file layouts that exercise the real pipeline: Markdown with front matter (title, date,
  sometimes actors and topics) and `## ` items, and plain-text PDF exports (dated title line,
  bare heading lines, hard-wrapped paragraphs, words hyphenated over line breaks).

The same `sections` and `seed` give the same meetings, byte for byte, as long as the sample
minutes do not change. Generating 100,000 items takes well under a minute.
"""

from __future__ import annotations

import bisect
import datetime as dt
import html.parser
import itertools
import json
import math
import random
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "minutes"

FIRST_DAY = dt.date(2011, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)

# Log-normal item length in characters: median and spread chosen so the median item is about
# 1.1 KB and roughly one item in a thousand comes near the 8 KB cap.
ITEM_MEDIAN_CHARS = 1040
ITEM_SIGMA = 0.62
ITEM_MIN_CHARS, ITEM_MAX_CHARS = 160, 8000
# Opening and Rondvraag are short in real minutes.
SHORT_ITEM_FACTOR = 0.4

# How many agenda items a meeting has (3-8), most often 4-6.
ITEM_COUNTS = (3, 4, 5, 6, 7, 8)
ITEM_COUNT_WEIGHTS = (14, 24, 26, 18, 11, 7)

# Share of nouns replaced by a long-tail compound, and the size and skew of that tail: tuned so
# that distinct words grow with the corpus roughly as in real archives (about 45k distinct
# words at 10k items, 170k at 100k).
COMPOUND_RATE = 0.45
COMPOUNDS = 400_000
COMPOUND_ZIPF = 1.0
THREE_PART_SHARE = 0.35

MARKOV_SENTENCES_PER_THEME = 240
# Share of an item's sentences taken from its own theme; the rest come from any theme, as real
# items stray from their heading. Tuned so items get about as many topics as the samples'.
OWN_THEME_SHARE = 0.9
TXT_SHARE = 0.2  # the rest is Markdown
TXT_WIDTH = 95

DUTCH_MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december"
).split()

# A short list of Dutch function words: they never make compound parts or slot words.
STOP_WORDS = frozenset(
    """aan al alle als ben bij dan dat de deze die dit door dus een en er est ge geen had heeft
    het hier hij hoe hun ik in is ja je kan kon maar meer men met mij na naar niet nog nu of om
    omdat ons ook op over te tot u uit van veel voor was wat we wel werd wordt worden zal ze zich
    zij zijn zo zoals zou tussen onder tegen binnen zonder dezelfde welke waar daar haar wie
    waarin waarbij waarvan daarbij daarom daarnaast verder eerst eerste tweede komende""".split()
)

# Bodies that meet: (name, abbreviation, roles present with how many seats). LBOV and RVZ are
# the samples' own fictional bodies; the others are invented in the same style.
BODIES = (
    ("Landelijk Bestuurlijk Overleg Veiligheid", "LBOV",
     {"minister": 1, "staatssecretaris": 1, "korpschef": 1, "PG": 1, "regioburgemeester": 4}),
    ("Regionaal Veiligheidsoverleg Zuidwaard", "RVZ",
     {"burgemeester": 4, "hoofdofficier": 1, "politiechef": 1, "wethouder": 2}),
    ("Regionaal Veiligheidsoverleg Noordmark", "RVN",
     {"burgemeester": 5, "hoofdofficier": 1, "politiechef": 1, "wethouder": 2}),
    ("Districtsoverleg Veenhaven", "DOV",
     {"burgemeester": 3, "teamchef": 2, "wethouder": 2, "hoofdofficier": 1}),
    ("Driehoeksoverleg Havendam", "DHH",
     {"burgemeester": 1, "hoofdofficier": 1, "politiechef": 1, "teamchef": 1}),
    ("Veiligheidsoverleg Lindewaal en Bergsloot", "VLB",
     {"burgemeester": 2, "wethouder": 3, "teamchef": 1, "voorzitter": 1}),
)
BODY_WEIGHTS = (30, 20, 18, 14, 10, 8)
# Years a person typically holds a role; a new holder follows after a term.
TERM_YEARS = {"minister": 3, "staatssecretaris": 3, "korpschef": 5, "PG": 6,
              "hoofdofficier": 5, "politiechef": 5, "teamchef": 4, "voorzitter": 4}
DEFAULT_TERM_YEARS = 6

TITLE_STYLES = ("Verslag {body}", "Bestuurlijke terugkoppeling {abbr}", "Notulen {body}",
                "Besluitenlijst {abbr}", "Verslag {abbr}")
TITLE_WEIGHTS = (35, 30, 15, 10, 10)

# Role words whose following capitalised name is a person in the samples (and to the
# product's gazetteer); the name is swapped for an invented holder of that role.
_ROLE_WORDS = {
    "burgemeester": "burgemeester", "regioburgemeester": "regioburgemeester",
    "staatssecretaris": "staatssecretaris", "minister": "minister", "wethouder": "wethouder",
    "korpschef": "korpschef", "pg": "PG", "hoofdofficier": "hoofdofficier",
    "politiechef": "politiechef", "teamchef": "teamchef", "voorzitter": "voorzitter",
}
_NAME = (r"(?:(?:Van|De|Ten|Ter|Den|In 't)(?: (?:de|der|den|het))? )?"
         r"[A-Z][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?")
_ROLE_NAME = re.compile(
    r"\b(?P<role>(?i:" + "|".join(_ROLE_WORDS) + r"))(?P<plural>s?) (?P<n1>" + _NAME + r")"
    r"(?: en (?P<n2>" + _NAME + r"))?"
)
_HONORIFIC_NAME = re.compile(r"\b(?P<hon>[Mm]evrouw|Dhr\.|[Dd]e heer) (?P<n1>" + _NAME + r")")
_WORD = re.compile(r"\b[a-zà-ÿ]{4,}\b")
_AFTER_ARTICLE = re.compile(
    r"\b(?:[Dd]e|[Hh]et|[Ee]en|[Dd]eze)\s+([a-zà-ÿ]{4,14})\b(\s+[a-zà-ÿ]+)?"
)
_ABBREVIATION = re.compile(r"(?:[A-Za-z]{1,4}\.|(?:\w\.){2,})$")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")

# Parts of invented surnames: "Van der" + "Steen" + "horst". Endings that the gazetteer
# treats as "not a name" (-isch, -heid, -lijk, -atie, ...) are avoided.
_NAME_PREFIXES = ("", "", "", "Van ", "Van der ", "Van den ", "De ", "Ter ", "Ten ")
_NAME_STEMS = """Brink Molen Haver Steen Hout Kamp Berg Dijk Veld Wouter Heem Rook Graaf Vliet
    Hoek Zand Linde Esch Boom Weide Mol Vos Kraai Wolde Haan Roos Brug Beuk Marsch Hage Koren
    Vaart Stok Drie Noor Aalt Bosch Reit Vlas Rijn Maas Loon Oost West""".split()
_NAME_ENDINGS = ("", "man", "stra", "sma", "horst", "kamp", "inga", "dijk", "ink", "ers", "hof",
                 "veld", "er", "ema", "huis", "sloot", "enga", "broek")
# Inflected adjectives that slip through the noun heuristic (`de gezamenlijke`, `de vorige`).
_ADJECTIVE_ENDINGS = ("ige", "lijke", "ele", "ere", "nde", "ste", "ale", "ische", "ieve", "erde",
                      "ente", "ange", "arde", "ene", "ote", "ige")
# Adverbs, adjectives and verbs that the samples put after an article.
_NOT_NOUNS = frozenset("""gaat goed goede hardst vaakst vaker vast snelle gerichte nieuwe openbaar
    openbare moeilijk landelijk gemeentelijk centraal weerbaar collectief land hand rest""".split())
_LINKING_S = ("ing", "heid", "teit", "schap", "dom", "tie", "sie")


class _Text:
    """Heading-and-paragraphs extraction from HTML (the samples' `<h2>`/`<p>` pages)."""

    class _Parser(html.parser.HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.blocks: list[tuple[str, str]] = []
            self._tag: str | None = None
            self._buffer: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag in ("h2", "h3", "h4", "p", "li"):
                self._tag, self._buffer = tag, []

        def handle_endtag(self, tag):
            if tag == self._tag:
                kind = "heading" if tag.startswith("h") else "text"
                self.blocks.append((kind, " ".join("".join(self._buffer).split())))
                self._tag = None

        def handle_data(self, data):
            if self._tag:
                self._buffer.append(data)

    @classmethod
    def html_blocks(cls, text: str) -> list[tuple[str, str]]:
        parser = cls._Parser()
        parser.feed(text)
        parser.close()
        return parser.blocks


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # one sample is a Windows-1252 export


def _sections_from_blocks(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(heading, text) per item from a flat list of ("heading"|"text", text) blocks."""
    sections: list[tuple[str, list[str]]] = []
    for kind, text in blocks:
        if not text:
            continue
        if kind == "heading":
            sections.append((text, []))
        elif sections:  # text before the first heading is a title or attendance list
            sections[-1][1].append(text)
    return [(heading, " ".join(parts)) for heading, parts in sections if parts]


def _md_blocks(text: str) -> list[tuple[str, str]]:
    if text.startswith("---"):
        end = text.find("\n---", 3)
        text = text[end + 4:] if end > 0 else text
    blocks, paragraph = [], []
    for line in text.splitlines() + [""]:
        stripped = line.strip()
        if stripped.startswith("## "):
            blocks.append(("heading", stripped[3:].strip()))
        elif stripped and not stripped.startswith("# "):
            paragraph.append(re.sub(r"^[-*]\s+", "", stripped).replace("**", ""))
            continue
        if paragraph:
            blocks.append(("text", " ".join(paragraph)))
            paragraph = []
    return blocks


def _txt_blocks(text: str) -> list[tuple[str, str]]:
    """Bare short lines without a full stop are headings; `Label: text` paragraphs too."""
    blocks: list[tuple[str, str]] = []
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line][1:]  # the first line is the document title
    for line in lines:
        label = re.match(r"^([A-Z][^:]{2,40}): (\S.*)$", line)
        if label and "." not in label.group(1):
            blocks += [("heading", label.group(1)), ("text", label.group(2))]
        elif len(line) < 50 and line[0].isupper() and not re.search(r"[.,:;]$", line):
            blocks.append(("heading", line))
        elif blocks and blocks[-1][0] == "text":
            previous = blocks[-1][1]
            joined = previous[:-1] + line if previous.endswith("-") and line[0].islower() \
                else f"{previous} {line}"
            blocks[-1] = ("text", joined)
        else:
            blocks.append(("text", line))
    return blocks


def _xml_blocks(text: str) -> list[tuple[str, str]]:
    blocks = []
    for element in ET.fromstring(text.encode("utf-8")).iter():
        tag = element.tag.rsplit("}", 1)[-1]
        value = " ".join("".join(element.itertext()).split())
        if tag == "kop":
            blocks.append(("heading", value))
        elif tag in ("alinea", "p", "tekst"):
            blocks.append(("text", value))
    return blocks


def _jsonl_blocks(text: str) -> list[tuple[str, str]]:
    blocks = []
    for line in text.splitlines():
        if line.strip():
            for paragraph in json.loads(line).get("text", "").split("\n\n"):
                label = re.match(r"^([A-Z][^:.]{2,40}): (\S.*)$", paragraph.strip(), re.DOTALL)
                if label:
                    blocks += [("heading", label.group(1)), ("text", label.group(2))]
                elif paragraph.strip():
                    blocks.append(("text", paragraph.strip()))
    return blocks


def _docx_blocks(path: Path) -> list[tuple[str, str]]:
    namespace = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(path) as archive:
        root = ET.fromstring(archive.read("word/document.xml"))
    blocks = []
    for paragraph in root.iter(f"{namespace}p"):
        style = paragraph.find(f"{namespace}pPr/{namespace}pStyle")
        name = style.get(f"{namespace}val", "") if style is not None else ""
        value = "".join(t.text or "" for t in paragraph.iter(f"{namespace}t")).strip()
        if name.lower().startswith(("heading", "kop")):
            blocks.append(("heading", value))
        elif not name.lower().startswith("title"):
            blocks.append(("text", value))
    return blocks


def read_samples(folder: Path = SAMPLES) -> list[tuple[str, str]]:
    """(heading, text) of every agenda item in the sample minutes, in file-name order."""
    sections = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or path.name.endswith(".toml"):
            continue
        suffix = path.suffix.lower()
        if suffix == ".docx":
            blocks = _docx_blocks(path)
        else:
            text = _decode(path.read_bytes())
            reader = {".md": _md_blocks, ".txt": _txt_blocks, ".xml": _xml_blocks,
                      ".html": _Text.html_blocks, ".htm": _Text.html_blocks,
                      ".jsonl": _jsonl_blocks}.get(suffix)
            if reader is None:
                continue
            blocks = reader(text)
        sections += _sections_from_blocks(blocks)
    return sections


def sentences(text: str) -> list[str]:
    """Sentences of a paragraph; `Dhr. Smeulders` and `d.d.` do not end one."""
    pieces: list[str] = []
    for piece in _SENTENCE_BREAK.split(text):
        if pieces and _ABBREVIATION.search(pieces[-1].rsplit(" ", 1)[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return [p.strip() for p in pieces if len(p.split()) >= 3]


def theme_of(heading: str) -> str:
    """The theme key of a heading: `Begroting 2020` and `Begroting` share one, and so do
    `Politieonderwijs/instroom` and `Politieonderwijs en instroom`."""
    words = re.findall(r"[a-zà-ÿ']+", heading.lower())
    return words[0] if words else "overig"


class _Template:
    """A sentence with slots: parts are plain text, ("C", word) a content word that may become
    a compound, ("A", role, plural) a role with its name(s), ("H", honorific) a form of address
    with a surname."""

    __slots__ = ("parts", "colon", "theme")

    def __init__(self, sentence: str, nouns: frozenset[str], theme: str):
        self.colon = ":" in sentence
        self.theme = theme
        parts: list = []
        position = 0
        matches = sorted(
            itertools.chain(_ROLE_NAME.finditer(sentence), _HONORIFIC_NAME.finditer(sentence)),
            key=lambda m: m.start(),
        )
        for match in matches:
            if match.start() < position:
                continue
            parts += _content_parts(sentence[position:match.start()], nouns)
            if "role" in match.groupdict() and match.group("role"):
                role = match.group("role")
                plural = bool(match.group("plural")) and bool(match.group("n2"))
                parts.append(("A", role + ("s" if plural else ""), _ROLE_WORDS[role.lower()],
                              2 if plural else 1))
                if match.group("n2") and not plural:
                    parts.append(f" en {match.group('n2')}")  # "Bakker en De Wit" after singular
            else:
                parts.append(("H", match.group("hon")))
            position = match.end()
        parts += _content_parts(sentence[position:], nouns)
        self.parts = tuple(parts)


def _nouns(texts) -> frozenset[str]:
    """Nouns, roughly: words after an article that are mostly not followed by another such
    word (which would make them adjectives: `de landelijke invoering`). Only nouns become
    compound slots, so that a compound in their place keeps the sentence Dutch."""
    pairs = [
        (match.group(1), (match.group(2) or "").strip())
        for text in texts
        for match in _AFTER_ARTICLE.finditer(text)
    ]
    after_article = {word for word, _ in pairs}
    votes: Counter = Counter()
    for word, following in pairs:
        votes[word] += -1 if following in after_article else 1
    return frozenset(
        w for w, v in votes.items()
        if v > 0 and w not in STOP_WORDS | _NOT_NOUNS and not w.endswith(_ADJECTIVE_ENDINGS)
    )


def _content_parts(text: str, nouns: frozenset[str]) -> list:
    """Plain text with its nouns marked as compound slots."""
    parts: list = []
    position = 0
    for match in _WORD.finditer(text):
        if match.group() not in nouns:
            continue
        if match.start() > position:
            parts.append(text[position:match.start()])
        parts.append(("C", match.group()))
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return parts


def _markov(starts: list[tuple[str, str]], count: int, rng: random.Random,
            chain: dict) -> list[str]:
    """`count` new sentences from an order-2 word chain, each starting like one in `starts`."""
    made: list[str] = []
    tries = 0
    while len(made) < count and tries < count * 20:
        tries += 1
        w1, w2 = rng.choice(starts)
        words = [w1, w2]
        while len(words) < 48:
            following = chain.get((words[-2], words[-1]))
            if not following:
                break
            word = rng.choice(following)
            if word is None:
                break
            words.append(word)
        sentence = " ".join(words)
        if 6 <= len(words) < 48 and sentence[-1] in ".!?":
            made.append(sentence)
    return made


class Model:
    """Everything built once from the samples and the seed: themes with their sentence
    templates, the compound tail, invented surnames."""

    def __init__(self, seed: int):
        rng = random.Random(f"model-{seed}")
        samples = read_samples()
        if not samples:
            raise RuntimeError(f"no sample minutes found under {SAMPLES}")
        by_theme: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
        for heading, text in samples:
            by_theme[theme_of(heading)].append((heading, sentences(text)))

        chain: dict[tuple[str, str], list] = defaultdict(list)
        for sections in by_theme.values():
            for _, sents in sections:
                for sentence in sents:
                    words = sentence.split()
                    for i in range(len(words) - 1):
                        chain[(words[i], words[i + 1])].append(
                            words[i + 2] if i + 2 < len(words) else None
                        )

        self.nouns = _nouns(text for _, text in samples)
        self.themes: list[str] = sorted(by_theme)
        self.headings: dict[str, list[str]] = {}
        self.templates: dict[str, list[_Template]] = {}
        self.dated: set[str] = set()  # themes whose headings carry a year ("Begroting 2020")
        for theme in self.themes:
            sections = by_theme[theme]
            originals = [s for _, sents in sections for s in sents]
            starts = [tuple(s.split()[:2]) for s in originals if len(s.split()) > 2]
            made = _markov(starts, MARKOV_SENTENCES_PER_THEME, rng, chain) if starts else []
            self.templates[theme] = [
                _Template(s, self.nouns, theme) for s in dict.fromkeys(originals + made)
            ]
            headings = [re.sub(r"\s*\b(19|20)\d\d\b", "", h).strip() for h, _ in sections]
            self.headings[theme] = sorted(set(headings))
            if any(re.search(r"\b(19|20)\d\d\b", h) for h, _ in sections):
                self.dated.add(theme)
        self.all_templates = [t for theme in self.themes for t in self.templates[theme]]
        self.short_themes = [t for t in self.themes if t in ("rondvraag", "opening")]
        self.body_themes = [t for t in self.themes if t not in self.short_themes]
        self.theme_weights = [len(by_theme[t]) for t in self.body_themes]

        self.compounds, self.compound_split, self.compound_cum = self._compounds(
            sorted(self.nouns), rng
        )
        self.surnames = self._surnames(rng)

    @staticmethod
    def _compounds(nouns: list[str], rng: random.Random):
        """The long tail: compounds of two sample nouns (`handhaving|s|overleg`), ranked in a
        random order and drawn with Zipf weights by rank, so a few are common and most rare."""
        # A first part is singular in Dutch compounds: no plurals or verbs in -en.
        firsts = [n for n in nouns if not n.endswith("en")]
        found: dict[str, int] = {}
        attempts = 0
        while len(found) < COMPOUNDS and attempts < COMPOUNDS * 4:
            attempts += 1
            first, second = rng.choice(firsts), rng.choice(nouns)
            if rng.random() < THREE_PART_SHARE:  # `ondermijnings|fonds|bijdrage`
                middle = rng.choice(firsts)
                first = first if middle == first else _linked(first) + middle
            if second in first or len(first) + len(second) > 30:
                continue
            first = _linked(first)
            found.setdefault(first + second, len(first))
        words = list(found)
        rng.shuffle(words)
        ranks = range(1, len(words) + 1)
        zipf = list(itertools.accumulate(1 / rank**COMPOUND_ZIPF for rank in ranks))
        return words, found, zipf

    @staticmethod
    def _surnames(rng: random.Random) -> list[str]:
        names = sorted({
            prefix + stem + ending
            for prefix in _NAME_PREFIXES for stem in _NAME_STEMS for ending in _NAME_ENDINGS
            if not (stem + ending).lower().endswith(("se", "ele", "isch", "lijk", "heid"))
        })
        rng.shuffle(names)
        return names[:3000]


def _linked(first: str) -> str:
    """A compound's first part with its linking `s` where Dutch puts one (`handhavings-`)."""
    return first + "s" if first.endswith(_LINKING_S) else first


def _draw_indices(rng: random.Random, cum: list, k: int) -> list[int]:
    """k indices drawn with the cumulative weights `cum` (what random.choices does, but the
    indices rather than the values)."""
    total = cum[-1]
    return [bisect.bisect_right(cum, rng.random() * total) for _ in range(k)]


@lru_cache(maxsize=4)
def model(seed: int) -> Model:
    return Model(seed)


class _Meetings:
    """The stream of meetings for one seed."""

    def __init__(self, seed: int, stream: str = "meetings"):
        self.model = model(seed)
        # Separate streams (the corpus, extra meetings) share the model but not the dice.
        self.rng = random.Random(f"{stream}-{seed}")
        self.holders: dict[tuple, str] = {}
        self.paths: set[str] = set()
        self.number = 0

    # -- people -------------------------------------------------------------------------
    def holder(self, abbr: str, role: str, seat: int, day: dt.date) -> str:
        """The surname of who holds seat `seat` of `role` in body `abbr` on `day`."""
        years = TERM_YEARS.get(role, DEFAULT_TERM_YEARS)
        # Terms of different seats and bodies start in different years.
        offset = (hash_int(f"{abbr}-{role}-{seat}") % (years * 12))
        term = ((day.year - 2000) * 12 + day.month + offset) // (years * 12)
        key = (abbr, role, seat, term)
        name = self.holders.get(key)
        if name is None:
            index = hash_int(f"{key}") % len(self.model.surnames)
            name = self.holders[key] = self.model.surnames[index]
        return name

    # -- text ---------------------------------------------------------------------------
    def fill(self, template: _Template, cast: dict, mentioned: list[str]) -> str:
        rng = self.rng
        out: list[str] = []
        for part in template.parts:
            if part.__class__ is str:
                out.append(part)
            elif part[0] == "C":
                if rng.random() < COMPOUND_RATE:
                    m = self.model
                    out.append(m.compounds[_draw_indices(rng, m.compound_cum, 1)[0]])
                else:
                    out.append(part[1])
            elif part[0] == "A":
                _, written, role, count = part
                seats = cast.get(role) or cast["any"]
                chosen = rng.sample(seats, min(count, len(seats)))
                names = " en ".join(chosen)
                out.append(f"{written} {names}")
                mentioned += [role, *(f"{role} {name}" for name in chosen)]
            else:
                surname = rng.choice(cast["any"])
                out.append(f"{part[1]} {surname}")
                mentioned.append(surname)
        return "".join(out)

    def item_text(self, theme: str, target: int, cast: dict, mentioned: list[str],
                  themes: Counter) -> str:
        """Paragraphs of 2-5 sentences until the item reaches about `target` characters;
        counts in `themes` the themes its sentences came from."""
        rng = self.rng
        own = self.model.templates[theme]
        everything = self.model.all_templates
        paragraphs, paragraph, size = [], [], 0
        paragraph_size = rng.randint(2, 5)
        while size < target:
            # Mostly the theme's own sentences, so topics hold; some from anywhere.
            template = rng.choice(own if rng.random() < OWN_THEME_SHARE else everything)
            if not paragraph and template.colon:
                # `Words: text` at the start of a paragraph reads as an inline agenda label
                # (`Informatiedeling: …`) and would split the item in two.
                continue
            sentence = self.fill(template, cast, mentioned)
            themes[template.theme] += 1
            paragraph.append(sentence)
            size += len(sentence) + 1
            if len(paragraph) >= paragraph_size:
                paragraphs.append(" ".join(paragraph))
                paragraph, paragraph_size = [], rng.randint(2, 5)
        if paragraph:
            paragraphs.append(" ".join(paragraph))
        return "\n\n".join(paragraphs)

    def item_length(self, short: bool) -> int:
        length = self.rng.lognormvariate(math.log(ITEM_MEDIAN_CHARS), ITEM_SIGMA)
        if short:
            length *= SHORT_ITEM_FACTOR
        return int(min(ITEM_MAX_CHARS, max(ITEM_MIN_CHARS, length)))

    # -- meetings -----------------------------------------------------------------------
    def meeting(self, items: int, day: dt.date | None = None) -> dict:
        rng, m = self.rng, self.model
        self.number += 1
        body, abbr, roles = rng.choices(BODIES, BODY_WEIGHTS)[0]
        if day is None:
            day = FIRST_DAY + dt.timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
            while day.weekday() > 3:  # bodies meet Monday to Thursday
                day -= dt.timedelta(days=1)
            day = max(day, FIRST_DAY)
        cast = {
            role: [self.holder(abbr, role, seat, day) for seat in range(seats)]
            for role, seats in roles.items()
        }
        cast["any"] = [name for names in list(cast.values()) for name in names]

        plan: list[str] = []
        opening = items >= 4 and rng.random() < 0.35 and "opening" in m.short_themes
        closing = items >= 3 and rng.random() < 0.65 and "rondvraag" in m.short_themes
        middle = items - opening - closing
        chosen: list[str] = []
        while len(chosen) < middle:
            theme = rng.choices(m.body_themes, m.theme_weights)[0]
            if theme not in chosen or len(chosen) >= len(m.body_themes):
                chosen.append(theme)
        plan = (["opening"] if opening else []) + chosen + (["rondvraag"] if closing else [])

        agenda = []
        used_headings: set[str] = set()
        for theme in plan:
            heading = rng.choice(m.headings[theme])
            if theme in m.dated:
                heading = f"{heading} {day.year + 1}"
            elif rng.random() < 0.08 and theme not in m.short_themes:
                heading = f"{rng.choice(('Evaluatie', 'Voortgang', 'Stand van zaken'))} " \
                          f"{heading[0].lower()}{heading[1:]}"
            if heading in used_headings:
                heading = f"{heading} (vervolg)"
            used_headings.add(heading)
            mentioned: list[str] = []
            themes: Counter = Counter({theme: 0})
            text = self.item_text(theme, self.item_length(theme in m.short_themes), cast,
                                  mentioned, themes)
            agenda.append({"heading": heading, "text": text, "theme": theme,
                           "themes": [t for t, _ in themes.most_common()],
                           "actors": list(dict.fromkeys(mentioned))})

        style = rng.choices(TITLE_STYLES, TITLE_WEIGHTS)[0]
        title = style.format(body=body, abbr=abbr)
        kind = title.split()[0].lower()
        file_format = "txt" if rng.random() < TXT_SHARE else "md"
        path = f"{abbr.lower()}/{day.year}/{kind}-{abbr.lower()}-{day.isoformat()}"
        if path in self.paths:
            path = f"{path}-{self.number}"
        self.paths.add(path)
        meta_actors: list[str] = []
        meta_topics: list[str] = []
        # Front-matter actors and topics apply to every item of a meeting, so few files have
        # them (as in the samples).
        if file_format == "md" and rng.random() < 0.2:
            meta_actors = [f"{role} {names[0]}" for role, names in cast.items()
                           if role != "any"][:3]
        if file_format == "md" and rng.random() < 0.1:
            meta_topics = list(dict.fromkeys(a["theme"] for a in agenda
                                             if a["theme"] not in m.short_themes))[:2]
        return {
            "id": path.rsplit("/", 1)[-1],
            "path": f"{path}.{file_format}",
            "body": body,
            "title": title,
            "date": day,
            "format": file_format,
            "actors": meta_actors,
            "topics": meta_topics,
            "items": agenda,
        }


def topical_words(seed: int = 7) -> tuple[frozenset[str], frozenset[str]]:
    """Words that say what an item is about, in lower case: what people type into a search
    box. Two sets: the samples' nouns and heading words, and the corpus's compounds."""
    m = model(seed)
    headings = {
        word for names in m.headings.values() for name in names
        for word in re.findall(r"[a-zà-ÿ']+", name.lower()) if word not in STOP_WORDS
    }
    return m.nouns | headings, frozenset(m.compound_split)


def hash_int(text: str) -> int:
    """A stable hash (Python's own `hash` of a str changes per process)."""
    return zlib.crc32(text.encode("utf-8"))


def generate(sections: int, seed: int = 7) -> Iterator[dict]:
    """Meetings with exactly `sections` agenda items in total (the last one may be shorter).

    Each meeting is a dict: `id`, `path` (relative file path to write it to), `body`, `title`,
    `date` (datetime.date), `format` ("md" or "txt"), `actors` and `topics` (front-matter
    metadata, often empty), and `items`: dicts with `heading`, `text` (paragraphs separated
    by blank lines), `theme` (the sample heading it imitates), `themes` (that one first, then
    the themes of sentences that strayed in) and `actors` (the roles and people the generator
    named in it: "burgemeester", "burgemeester Van Dijk").
    """
    meetings = _Meetings(seed)
    left = sections
    while left > 0:
        items = meetings.rng.choices(ITEM_COUNTS, ITEM_COUNT_WEIGHTS)[0]
        items = min(items, left)
        left -= items
        yield meetings.meeting(items)


def extra_meeting(seed: int, number: int = 1, items: int = 5) -> dict:
    """A new meeting after the corpus's last day, for the incremental-indexing measurement;
    `number` makes successive extra meetings differ."""
    meetings = _Meetings(seed, stream=f"extra-{number}")
    meeting = meetings.meeting(items, day=LAST_DAY + dt.timedelta(days=7 * number))
    name = meeting["path"].rsplit("/", 1)
    meeting["path"] = f"{name[0]}/extra-{number}-{name[1]}"
    return meeting


def render(meeting: dict, seed: int = 7) -> str:
    """The meeting as the text of its file (Markdown with front matter, or a PDF export).

    In a PDF export the corpus's own compounds (those of `seed`) are split over a line break
    at their joint when they do not fit, as in `opsporings-` / `capaciteit`; the product must
    rejoin them.
    """
    if meeting["format"] == "md":
        return _render_md(meeting)
    return _render_txt(meeting, model(seed).compound_split)


def _render_md(meeting: dict) -> str:
    date = meeting["date"]
    lines = ["---", f"title: {json.dumps(meeting['title'], ensure_ascii=False)}",
             f"date: {date.isoformat()}"]
    if meeting["actors"]:
        lines.append(f"actors: [{', '.join(meeting['actors'])}]")
    if meeting["topics"]:
        lines.append(f"topics: [{', '.join(meeting['topics'])}]")
    lines += ["---", "", f"# {meeting['title']} {_dutch_date(date)}", ""]
    for item in meeting["items"]:
        lines += [f"## {item['heading']}", "", item["text"], ""]
    return "\n".join(lines)


def _render_txt(meeting: dict, hyphenate: dict[str, int]) -> str:
    """A PDF text export: dated title line, each heading directly followed by its text,
    paragraphs wrapped at about 95 characters, two blank lines between items."""
    out = [f" {meeting['title']} {_dutch_date(meeting['date'])} ", ""]
    for item in meeting["items"]:
        out.append(item["heading"])
        for number, paragraph in enumerate(item["text"].split("\n\n")):
            if number:
                out.append("")
            out += _wrap(paragraph, TXT_WIDTH, hyphenate)
        out += ["", ""]
    return "\n".join(out)


def _wrap(paragraph: str, width: int, hyphenate: dict[str, int]) -> list[str]:
    lines, line = [], ""
    for word in paragraph.split():
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line = f"{line} {word}"
        else:
            joint = hyphenate.get(word)
            if joint and len(line) + 2 + joint <= width:
                lines.append(f"{line} {word[:joint]}-")
                line = word[joint:]
            else:
                lines.append(line)
                line = word
    if line:
        lines.append(line)
    return lines


def _dutch_date(day: dt.date) -> str:
    return f"{day.day} {DUTCH_MONTHS[day.month - 1]} {day.year}"


def write(folder, sections: int, seed: int = 7) -> dict:
    """Write the corpus as files under `folder`; returns counts and sizes.

    `meetings`, `sections`, `files`, `bytes` (of the files, what the indexer reads) and
    `text_bytes` (UTF-8 of the agenda items' headings and text).
    """
    folder = Path(folder)
    totals = {"meetings": 0, "sections": 0, "files": 0, "bytes": 0, "text_bytes": 0}
    made_dirs: set[Path] = set()
    for meeting in generate(sections, seed):
        totals["bytes"] += write_meeting(folder, meeting, seed, made_dirs)
        totals["meetings"] += 1
        totals["files"] += 1
        totals["sections"] += len(meeting["items"])
        totals["text_bytes"] += sum(
            len(item["heading"].encode()) + len(item["text"].encode()) + 1
            for item in meeting["items"]
        )
    return totals


def write_meeting(folder, meeting: dict, seed: int = 7, made_dirs: set | None = None) -> int:
    """Write one meeting under `folder`; returns the number of bytes written."""
    path = Path(folder) / meeting["path"]
    if made_dirs is None or path.parent not in made_dirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        if made_dirs is not None:
            made_dirs.add(path.parent)
    data = render(meeting, seed).encode("utf-8")
    path.write_bytes(data)
    return len(data)


if __name__ == "__main__":
    import argparse
    import time

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--sections", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    summary = write(args.folder, args.sections, args.seed)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(summary))
