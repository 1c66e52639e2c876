"""Actors named in an agenda item: roles, organisations and people, found with the gazetteer.

Two regular expressions built once per gazetteer (one over the lower-cased text for aliases,
one over the text as written for acronyms and other exact forms) find the candidates in one
pass each; only where a role or form of address matched is the text read more closely, for the
name, list of names or "van <place>" that may follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.vocabulary import Gazetteer, Honorific, Organisation, Person, Role

# Dutch tussenvoegsels as they occur in surnames. "in", "op", "het" etc. only count in these
# combinations: on their own, capitalised after a title, they start a sentence ("In Utrecht").
_PARTICLES = frozenset(
    [
        *("van", "de", "der", "den", "ten", "ter", "te", "'t", "von", "du", "la", "le", "d'"),
        *("van de", "van der", "van den", "van het", "van 't", "van ter", "van ten"),
        *("in 't", "in de", "in den", "in het", "op de", "op den", "op het", "op 't", "op ten"),
        *("aan de", "aan den", "aan het", "bij de", "uit de", "uit den", "uit het"),
        *("onder de", "voor de", "voor den", "de la", "de le", "von der"),
    ]
)
_MAX_PARTICLES = 3  # "van de la"
# The first words of every tussenvoegsel ("van", "van de", "in"): reading stops at the first
# word that starts none, most often the first.
_PARTICLE_STARTS = frozenset(
    " ".join(words[:count])
    for words in map(str.split, _PARTICLES)
    for count in range(1, len(words) + 1)
)

# Capitalised words that follow a title in running text without being a surname: sentence
# starters after a missing full stop, pronouns, months and days.
_NOT_NAMES = frozenset(
    """de het een in op aan bij uit onder over voor na tot om met door tijdens via per namens
    hij zij ze wij we jij je u ik men zich dit dat deze die er hier daar waar wat wie welke
    ook maar en of als dan nu toen zo wel niet geen alle allen alles iedereen beide
    verder daarnaast daarom daarbij daarna tevens vervolgens inmiddels bovendien ten ter
    zijn haar hun ons onze mijn uw graag akkoord besluit actie afspraak conclusie agenda
    rondvraag mededelingen toezegging verslag
    januari februari maart april mei juni juli augustus september oktober november december
    maandag dinsdag woensdag donderdag vrijdag zaterdag zondag""".split()
)
# Adjectives and abstract nouns are capitalised in names of bodies and plans ("Strategisch
# Beraad", "Nationale Politie"), so a capitalised word with these endings is no surname.
_NOT_NAME_ENDING = re.compile(
    r"(?:isch|ische|heid|heden|lijk|lijke|nale|rale|male|tale|kale|ele|ieve|atie|aties|teit"
    r"|[^aeiou]se|ese)$"
)

# One word ahead: initials ("G.J."), "'t", or a word with inner hyphens, apostrophes and "&"
# ("Jansen-Oudshoorn", "V&J"). Words are separated by whitespace only: a comma or full stop
# ends a name.
_NEXT_WORD = re.compile(r"(\s*)([^\W\d_]\.(?:[^\W\d_]\.)*|'t|[^\W\d_]+(?:['&-][^\W\d_]+)*)")
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+")
# Between names in a list after a plural: "Krikke en Aboutaleb", "Halsema, Aboutaleb en ..."
_LIST_SEPARATOR = re.compile(r"\s*,(?:\s+en(?=\s))?|\s+en(?=\s)")
# "burgemeester van Amsterdam", "voorzitter van het Veiligheidsberaad", "minister voor Migratie"
_QUALIFIER_START = re.compile(r"\s+(van|voor|Van)\s+(?:(de|het)\s+)?")


def extract_actors(text: str, gazetteer: Gazetteer) -> list[str]:
    """Canonical names of the actors in `text`, each once, in order of first appearance.

    `text` is an agenda item's heading and text, cleaned (lines unwrapped). Join heading and
    text with a blank line: a name never runs on across a blank line.
    """
    matcher = gazetteer._cache.get("actors")
    if matcher is None:
        matcher = gazetteer._cache["actors"] = _Matcher(gazetteer)
    return matcher.extract(text)


# text position -> (end, form) of every role, organisation and form of address found
_Starts = dict[int, tuple[int, "_Form"]]


@dataclass(frozen=True)
class _Form:
    """What one spelling in the gazetteer stands for."""

    entry: Role | Organisation | Honorific | Person
    plural: bool = False


@dataclass(frozen=True)
class _Name:
    surname: str  # "Van der Burg": first tussenvoegsel capitalised, as after a title
    end: int

    @property
    def key(self) -> str:
        return self.surname.lower()


@dataclass
class _Found:
    """Actors in order of appearance; a person met by surname only is resolved at the end."""

    actors: list[tuple[int, int, str]]
    titled: dict[str, str]  # surname key -> "Title Surname" seen in this text
    addressed: list[tuple[int, Honorific, _Name]]  # "de heer Wienen" still to resolve

    def add(self, position: int, name: str) -> None:
        self.actors.append((position, len(self.actors), name))


class _Matcher:
    """A gazetteer compiled for scanning; built once and kept on the Gazetteer."""

    def __init__(self, gazetteer: Gazetteer):
        folded: dict[str, _Form] = {}  # lower-cased spelling -> form
        exact: dict[str, _Form] = {}  # spelling with its capitals -> form
        for entry in (*gazetteer.roles, *gazetteer.organisations, *gazetteer.honorifics):
            folded.update(dict.fromkeys(entry.aliases, _Form(entry)))
            folded.update(dict.fromkeys(getattr(entry, "plurals", ()), _Form(entry, plural=True)))
            for form in entry.exact:
                exact[form] = _Form(entry)
                if " " not in form and form[-1].isalpha():
                    # acronyms take "'s" or "s" for plural and possessive: "RIEC's", "AVIMs"
                    for suffix in ("'s", "s"):
                        exact.setdefault(form + suffix, _Form(entry, plural=True))
        for person in gazetteer.people:
            exact.update(dict.fromkeys(person.aliases, _Form(person)))
        self.folded = folded
        self.exact = exact
        self.folded_pattern = _words_pattern(folded)
        self.exact_pattern = _words_pattern(exact)
        self.qualifiers = {q.lower(): q for q in gazetteer.qualifiers}
        # only tried where a role matched, so matching without lower-casing first costs nothing
        self.qualifier_pattern = _words_pattern(self.qualifiers, re.IGNORECASE)
        self.people = {p.surname.lower(): p for p in gazetteer.people}
        self.not_names = _NOT_NAMES | {w.lower() for w in gazetteer.not_names}

    def extract(self, text: str) -> list[str]:
        if "\u2019" in text:  # cleaning normally does this; "PG\u2019s" must match "PG's"
            text = text.replace("\u2019", "'")
        lowered = text.lower()
        if len(lowered) != len(text):  # a few characters lower-case to two ("İ")
            lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        candidates = (
            [
                (m.start(), m.end(), self.folded[_spaced(m.group())])
                for m in self.folded_pattern.finditer(lowered)
                if text[m.start() - 1 : m.start()] != "-"  # "oud-burgemeester" is not the mayor
            ]
            + [
                (m.start(), m.end(), self.exact[_spaced(m.group())])
                for m in self.exact_pattern.finditer(text)
                if text[m.start() - 1 : m.start()] != "-"
            ]
        )
        if not candidates:
            return []
        # Where a role, organisation or form of address starts, no name or place can be.
        starts = {
            start: (end, form)
            for start, end, form in candidates
            if not isinstance(form.entry, Person)
        }
        found = _Found([], {}, [])
        name_end = -1
        for start, end, form in _longest_first(candidates):
            if start < name_end:
                continue  # inside a name already read, e.g. a person's alias after a title
            entry = form.entry
            if isinstance(entry, Organisation):
                found.add(start, entry.name)
            elif isinstance(entry, Person):
                found.add(start, entry.canonical)
            elif isinstance(entry, Honorific):
                names = self._names(text, end, form.plural, starts)
                found.addressed.extend((start, entry, name) for name in names)
                name_end = names[-1].end if names else name_end
            else:
                name_end = max(name_end, self._role(text, start, end, form, starts, found))
        for position, honorific, name in found.addressed:
            person = self.people.get(name.key)
            canonical = found.titled.get(name.key) or (person.canonical if person else None)
            found.add(position, canonical or f"{honorific.name} {name.surname}")
        found.actors.sort()
        return list(dict.fromkeys(name for _, _, name in found.actors))

    def _role(
        self, text: str, start: int, end: int, form: _Form, starts: _Starts, found: _Found
    ) -> int:
        """Record a role with what follows it; returns where a name after it ends (or -1)."""
        role: Role = form.entry
        single_place = role.qualified and not form.plural
        qualifier = self._qualifier(text, end, starts) if single_place else ""
        names = self._names(text, end, form.plural, starts) if role.title and not qualifier else []
        if names and single_place:
            qualifier = self._qualifier(text, names[-1].end, starts)
        for name in names:
            person = f"{role.person_title} {name.surname}"
            found.add(start, person)
            found.titled.setdefault(name.key, person)
        if qualifier:
            found.add(start, f"{role.name} {qualifier}")
        found.add(start, role.name)
        return names[-1].end if names else -1

    def _names(self, text: str, pos: int, plural: bool, starts: _Starts) -> list[_Name]:
        """The surname after a title, or after a plural the list "A, B en C"."""
        name = self._name(text, pos, starts)
        names = [name] if name else []
        while name and plural:
            separator = _LIST_SEPARATOR.match(text, name.end)
            name = self._name(text, separator.end(), starts) if separator else None
            if name:
                names.append(name)
        return names

    def _name(self, text: str, pos: int, starts: _Starts) -> _Name | None:
        words = _Words(text, pos)
        first = words.get(0)
        if first is None:
            return None
        if _INITIALS.fullmatch(first.group(2)):
            skip = 1
            while (word := words.get(skip)) and _INITIALS.fullmatch(word.group(2)):
                skip += 1
            return self._surname_at(words, skip, starts)
        if not first.group(2)[0].isupper():
            if not self.people:
                return None  # the common case: "de minister spreekt"
            # "burgemeester van Zanen" misses the capital V; accept it for a known person only
            name = self._surname_at(words, 0, starts)
            return name if name and name.key in self.people else None
        if _particle_run(words, 0):
            # Dutch spelling: without a first name the tussenvoegsel takes a capital
            # ("burgemeester Van Zanen"), so a capitalised particle opens the surname.
            return self._surname_at(words, 0, starts)
        if not self._surname_word(first, starts):
            return None
        # A first name may come before the surname: "Femke Halsema", "Hugo de Jonge". A bare
        # lower-case "van" is left alone: "minister Grapperhaus van Justitie en Veiligheid".
        if not _word_is(words.get(1), "van"):
            name = self._surname_at(words, 1, starts)
            if name:
                return name
        return _Name(first.group(2), first.end(2))

    def _surname_at(self, words: _Words, index: int, starts: _Starts) -> _Name | None:
        """Optional tussenvoegsels from word `index` on, then a surname."""
        count = _particle_run(words, index)
        last = words.get(index + count)
        if last is None or not self._surname_word(last, starts):
            return None
        if not count:
            return _Name(last.group(2), last.end(2))
        particles = " ".join(words.get(i).group(2) for i in range(index, index + count)).lower()
        return _Name(f"{particles[0].upper()}{particles[1:]} {last.group(2)}", last.end(2))

    def _surname_word(self, word: re.Match, starts: _Starts) -> bool:
        token = word.group(2)
        lower = token.lower()
        return (
            token[0].isupper()
            and len(token) > 1
            and not token.isupper()  # acronyms ("OM", "VWS") are not names
            and lower not in self.not_names
            and lower not in _PARTICLES
            and word.start(2) not in starts
            and not _NOT_NAME_ENDING.search(lower)
        )

    def _qualifier(self, text: str, pos: int, starts: _Starts) -> str:
        """ "van Amsterdam", "van Justitie en Veiligheid", "van het LOVP" after a role, or ""."""
        intro = _QUALIFIER_START.match(text, pos)
        if not intro:
            return ""
        lead = " ".join(filter(None, (intro.group(1).lower(), intro.group(2))))
        known = self.qualifier_pattern.match(text, intro.end())
        if known:
            return f"{lead} {self.qualifiers[_spaced(known.group().lower())]}"
        if intro.group(1) == "Van" or self._name(text, pos, starts):
            return ""  # a surname: "burgemeester Van Zanen" (or a known "van Zanen")
        spot = starts.get(intro.end())
        if spot:
            # "voorzitter van het Veiligheidsberaad"; but never a role ("van de Regioburgemeesters")
            end, form = spot
            is_organisation = isinstance(form.entry, Organisation)
            return f"{lead} {_spaced(text[intro.end() : end])}" if is_organisation else ""
        parts: list[str] = []
        words = _Words(text, intro.end())
        index = 0
        while (word := words.get(index)) and self._place_word(word, starts):
            parts.append(word.group(2))
            index += 1
            # "Justitie en Veiligheid": a place or portfolio of several words joined by "en"
            if _word_is(words.get(index), "en") and self._place_word(words.get(index + 1), starts):
                parts.append("en")
                index += 1
        return f"{lead} {' '.join(parts)}" if parts else ""

    @staticmethod
    def _place_word(word: re.Match | None, starts: _Starts) -> bool:
        if word is None:
            return False
        token = word.group(2)
        return (
            token[0].isupper() and token.lower() not in _NOT_NAMES and word.start(2) not in starts
        )


class _Words:
    """The words after a position, read lazily; a blank line ends them (heading / paragraph)."""

    def __init__(self, text: str, pos: int):
        self.text, self.pos, self.items = text, pos, []

    def get(self, index: int) -> re.Match | None:
        while len(self.items) <= index:
            match = _NEXT_WORD.match(self.text, self.pos)
            if match is None or match.group(1).count("\n") > 1:
                return None
            self.items.append(match)
            self.pos = match.end()
        return self.items[index]


def _word_is(word: re.Match | None, value: str) -> bool:
    return word is not None and word.group(2) == value


def _particle_run(words: _Words, index: int) -> int:
    """How many words from `index` on form a tussenvoegsel (0 when none)."""
    run = 0
    parts: list[str] = []
    for count in range(1, _MAX_PARTICLES + 1):
        word = words.get(index + count - 1)
        if word is None:
            break
        parts.append(word.group(2).lower())
        joined = " ".join(parts)
        if joined not in _PARTICLE_STARTS:
            break
        if joined in _PARTICLES:
            run = count
    return run


def _longest_first(candidates: list[tuple[int, int, _Form]]) -> list[tuple[int, int, _Form]]:
    """Drop candidates overlapping a longer one ("de Kamer" inside "de Kamer van Koophandel").

    Each pattern's own matches never overlap, so one sweep in text order suffices.
    """
    kept: list[tuple[int, int, _Form]] = []
    for candidate in sorted(candidates, key=lambda c: (c[0], c[0] - c[1])):
        if kept and candidate[0] < kept[-1][1]:
            if candidate[1] - candidate[0] > kept[-1][1] - kept[-1][0]:
                kept[-1] = candidate
            continue
        kept.append(candidate)
    return kept


def _spaced(matched: str) -> str:
    return " ".join(matched.split())


def _words_pattern(spellings, flags: int = 0) -> re.Pattern:
    """One regex for all spellings, as whole words, longest spelling first at each position.

    Built as a trie ("burgemeester(?:s)?") so each position costs a few character tests
    whatever the number of spellings; a space in a spelling matches any whitespace.
    """
    trie: dict = {}
    for spelling in spellings:
        node = trie
        for char in spelling:
            node = node.setdefault(char, {})
        node[""] = {}
    body = _trie_regex(trie) or "(?!)"
    # Spellings start with a letter or digit (the loader checks), so \b marks a word start;
    # it is much cheaper than a look-behind, which the regex engine tries at every position.
    return re.compile(rf"\b(?:{body})(?!\w)", flags)


def _trie_regex(node: dict) -> str:
    branches = [
        (r"\s+" if char == " " else re.escape(char)) + _trie_regex(child)
        for char, child in sorted(node.items())
        if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    # Greedy: the longer spelling is tried first, the shorter one on backtracking.
    return f"(?:{body})?" if "" in node else body
