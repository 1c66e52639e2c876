"""Staff-editable vocabularies (actors and topics): loaded from TOML and validated here only.

The shipped defaults live in `index/data/`; a path given by the user replaces a default file
entirely (no merging), so what a file says is all that applies.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from index.errors import VocabularyError

DEFAULT_ACTORS: Traversable = resources.files("index") / "data" / "actors.toml"
DEFAULT_TOPICS: Traversable = resources.files("index") / "data" / "topics.toml"


@dataclass(frozen=True)
class Role:
    """A function or body ("Burgemeester", "Korpschef", "Gemeenteraad")."""

    name: str
    aliases: tuple[str, ...]  # lower case, matched in any capitalisation
    plurals: tuple[str, ...] = ()  # lower case; may be followed by a list of names
    exact: tuple[str, ...] = ()  # matched with exactly this capitalisation ("PG")
    title: bool = False  # may be followed by a personal name ("staatssecretaris Harbers")
    person_title: str = ""  # how a person with this role is named ("PG Van der Burg")
    qualified: bool = False  # may be followed by "van <place or portfolio>"


@dataclass(frozen=True)
class Organisation:
    """An organisation, matched by its aliases (any capitalisation) or exact forms (acronyms)."""

    name: str
    aliases: tuple[str, ...]
    exact: tuple[str, ...] = ()


@dataclass(frozen=True)
class Honorific:
    """A form of address before a surname that says nothing about a role ("de heer")."""

    name: str
    aliases: tuple[str, ...]
    plurals: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()


@dataclass(frozen=True)
class Person:
    """A known person: "Title Surname" is how they are shown whatever the text calls them."""

    surname: str
    title: str
    aliases: tuple[str, ...] = ()  # exact spellings that name this person on their own

    @property
    def canonical(self) -> str:
        return f"{self.title} {self.surname}"


@dataclass(frozen=True)
class Gazetteer:
    """Everything actor extraction knows; `index.actors` keeps its compiled matcher in `_cache`."""

    roles: tuple[Role, ...]
    organisations: tuple[Organisation, ...]
    honorifics: tuple[Honorific, ...]
    people: tuple[Person, ...] = ()
    qualifiers: tuple[str, ...] = ()  # fixed names after "van"/"voor" ("Justitie en Veiligheid")
    not_names: tuple[str, ...] = ()  # capitalised words never taken for a surname
    # Where it was read (for messages); not part of its repr, which the indexer's
    # fingerprint of the vocabularies hashes: the same file elsewhere (another install of
    # the program) must not make a run extract every file again.
    source: str = field(default="", repr=False, compare=False)
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)


@dataclass(frozen=True)
class TopicRule:
    """When a topic applies: any of its terms or phrases, at least `min_matches` distinct ones."""

    name: str
    terms: tuple[str, ...] = ()  # lower case words; "*" at the start/end matches any letters
    phrases: tuple[str, ...] = ()
    min_matches: int = 1
    exclude: tuple[str, ...] = ()  # words that never count as evidence, "*" allowed


def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """The actor vocabulary from `path`, or the shipped `index/data/actors.toml` when None.

    Raises VocabularyError naming the file, the line, the entry and the problem.
    """
    builders = {
        "role": _role,
        "organisation": _organisation,
        "honorific": _honorific,
        "person": _person,
    }
    source = path if path is not None else DEFAULT_ACTORS
    doc = _Document.read(source, top_keys=("qualifiers", "not_names", *builders))
    parsed = {
        table: [(entry, build(entry)) for entry in doc.entries(table)]
        for table, build in builders.items()
    }
    _check_spellings([pair for pairs in parsed.values() for pair in pairs])
    qualifiers = doc.top.strings("qualifiers")
    for qualifier in qualifiers:
        if not qualifier[0].isalnum():
            raise doc.top.error("qualifiers", f"has {qualifier!r}: start with a letter or digit")
    return Gazetteer(
        roles=tuple(obj for _, obj in parsed["role"]),
        organisations=tuple(obj for _, obj in parsed["organisation"]),
        honorifics=tuple(obj for _, obj in parsed["honorific"]),
        people=tuple(obj for _, obj in parsed["person"]),
        qualifiers=qualifiers,
        not_names=doc.top.strings("not_names"),
        source=doc.name,
    )


def load_topic_rules(path: Path | None = None) -> list[TopicRule]:
    """The topic rules from `path`, or the shipped `index/data/topics.toml` when None.

    Raises VocabularyError naming the file, the line, the entry and the problem.
    """
    doc = _Document.read(path if path is not None else DEFAULT_TOPICS, top_keys=("topic",))
    rules: list[TopicRule] = []
    seen: set[str] = set()
    for entry in doc.entries("topic"):
        rule = TopicRule(
            name=entry.text("name"),
            terms=tuple(_check_term(entry, "terms", t) for t in entry.aliases("terms")),
            phrases=entry.aliases("phrases"),
            min_matches=entry.count("min_matches", default=1),
            exclude=tuple(_check_term(entry, "exclude", t) for t in entry.aliases("exclude")),
        )
        if not rule.terms and not rule.phrases:
            raise entry.error("terms", "is needed (or 'phrases'): the topic can never apply")
        for phrase in rule.phrases:
            if "*" in phrase:
                raise entry.error("phrases", f"has {phrase!r}: '*' only works in 'terms'")
            if not phrase[0].isalnum():
                raise entry.error("phrases", f"has {phrase!r}: start with a letter or digit")
        if rule.name.casefold() in seen:
            raise entry.error("name", "is already used by an earlier [[topic]]")
        seen.add(rule.name.casefold())
        rules.append(rule)
    return rules


def _role(entry: _Entry) -> Role:
    name = entry.text("name")
    title = entry.boolean("title")
    person_title = entry.text("person_title", required=False)
    if person_title and not title:
        raise entry.error("person_title", "needs 'title = true'")
    return Role(
        name=name,
        aliases=entry.aliases("aliases", required=True),
        plurals=entry.aliases("plurals"),
        exact=entry.strings("exact"),
        title=title,
        person_title=person_title or (name if title else ""),
        qualified=entry.boolean("qualified"),
    )


def _organisation(entry: _Entry) -> Organisation:
    organisation = Organisation(
        name=entry.text("name"), aliases=entry.aliases("aliases"), exact=entry.strings("exact")
    )
    if not organisation.aliases and not organisation.exact:
        raise entry.error("aliases", "is needed (or 'exact'): nothing to recognise it by")
    return organisation


# A term is one word (inner hyphens allowed) with an optional "*" at either end. No apostrophe:
# words are split there, so "camera's" is found by "camera".
_TERM = re.compile(r"\*?[^\W_](?:[\w-]*[^\W_])?\*?")


def _check_term(entry: _Entry, key: str, term: str) -> str:
    if not _TERM.fullmatch(term):
        raise entry.error(
            key,
            f"has {term!r}: a term is one word with an optional '*' at the start or end "
            "(put word groups under 'phrases')",
        )
    return term


def _honorific(entry: _Entry) -> Honorific:
    return Honorific(
        name=entry.text("name"),
        aliases=entry.aliases("aliases", required=True),
        plurals=entry.aliases("plurals"),
        exact=entry.strings("exact"),
    )


def _person(entry: _Entry) -> Person:
    return Person(
        surname=entry.text("surname"), title=entry.text("title"), aliases=entry.strings("aliases")
    )


def _check_spellings(parsed: list[tuple[_Entry, Role | Organisation | Honorific | Person]]):
    """Each spelling starts with a letter or digit (the matcher relies on it) and means one
    thing only, or which actor wins would depend on the order of the file."""
    owners: dict[tuple[bool, str], _Entry] = {}
    for entry, obj in parsed:
        if isinstance(obj, Person):  # a person's aliases are exact spellings
            folded, exact = (), obj.aliases
        else:
            folded, exact = obj.aliases + getattr(obj, "plurals", ()), obj.exact
        for key in [(False, spelling) for spelling in folded] + [(True, e) for e in exact]:
            if not key[1][0].isalnum():
                raise entry.error(None, f"{key[1]!r} must start with a letter or digit")
            owner = owners.setdefault(key, entry)
            if owner is not entry:
                raise entry.error(
                    None,
                    f"{key[1]!r} is also listed under {owner.describe()}; "
                    "a spelling may belong to one entry only",
                )


class _Document:
    """A parsed TOML file plus its lines, to point at a line in error messages."""

    def __init__(self, name: str, raw: str, data: dict, top_keys: tuple[str, ...]):
        self.name = name
        self.lines = raw.splitlines()
        self.data = data
        self.top = _Entry(self, None, 0, data, top_keys)  # checks for unknown keys and tables

    @classmethod
    def read(cls, source: Path | Traversable, top_keys: tuple[str, ...]) -> _Document:
        name = str(source)
        try:
            raw = source.read_bytes().decode("utf-8-sig")  # Notepad adds a BOM
        except FileNotFoundError:
            raise VocabularyError(f"{name}: file not found") from None
        except IsADirectoryError:
            raise VocabularyError(f"{name}: is a folder, expected a .toml file") from None
        except UnicodeDecodeError as exc:
            raise VocabularyError(f"{name}: not UTF-8 text (byte {exc.start})") from None
        except OSError as exc:
            raise VocabularyError(f"{name}: cannot be read ({exc.strerror})") from None
        try:
            data = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            # tomllib's message already ends in "(at line L, column C)"
            raise VocabularyError(f"{name}: not valid TOML: {exc}") from None
        return cls(name, raw, data, top_keys)

    def entries(self, table: str) -> list[_Entry]:
        value = self.data.get(table, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.top.error(table, f"must be written as [[{table}]] blocks")
        allowed = _ALLOWED_KEYS[table]
        return [_Entry(self, table, number, item, allowed) for number, item in enumerate(value, 1)]

    def line_of(self, table: str | None, number: int, key: str | None) -> int | None:
        """1-based line of `key` in the number-th `[[table]]` (or the top), else of the header."""
        start = -1
        if table is not None:
            header = re.compile(rf"\s*\[\[\s*{re.escape(table)}\s*\]\]")
            headers = [i for i, line in enumerate(self.lines) if header.match(line)]
            if len(headers) < number:
                return None  # written as an inline table: no block to point at
            start = headers[number - 1]
        if key:
            assignment = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
            for i in range(start + 1, len(self.lines)):
                if self.lines[i].lstrip().startswith("["):
                    break
                if assignment.match(self.lines[i]):
                    return i + 1
        return start + 1 if start >= 0 else None


# The keys each [[table]] may have.
_ALLOWED_KEYS = {
    "role": ("name", "aliases", "plurals", "exact", "title", "person_title", "qualified"),
    "organisation": ("name", "aliases", "exact"),
    "honorific": ("name", "aliases", "plurals", "exact"),
    "person": ("surname", "title", "aliases"),
    "topic": ("name", "terms", "phrases", "min_matches", "exclude"),
}


class _Entry:
    """One `[[table]]` block (or the top of the file), with typed getters whose errors point
    at it: "actors.toml: line 12: [[person]] entry 3 ('Van der Burg'): 'title' must be a string".
    """

    def __init__(self, doc, table: str | None, number: int, data: dict, allowed: tuple[str, ...]):
        self.doc, self.table, self.number, self.data = doc, table, number, data
        label = data.get("surname" if table == "person" else "name") if table else None
        self.label = " ".join(label.split()) if isinstance(label, str) else None
        for key in data:
            if key not in allowed:
                raise self.error(key, f"is not a known key (allowed: {', '.join(allowed)})")

    def describe(self) -> str:
        if self.table is None:
            return "the top of the file"
        label = f" ({self.label!r})" if self.label else ""
        return f"[[{self.table}]] entry {self.number}{label}"

    def error(self, key: str | None, problem: str) -> VocabularyError:
        line = self.doc.line_of(self.table, self.number, key)
        where = f"line {line}: " if line else ""
        subject = f" {key!r}" if key else ""
        return VocabularyError(f"{self.doc.name}: {where}{self.describe()}:{subject} {problem}")

    def text(self, key: str, required: bool = True) -> str:
        value = self.data.get(key)
        if value is None and not required:
            return ""
        if value is None:
            raise self.error(key, "is missing")
        if not isinstance(value, str):
            raise self.error(key, "must be a string")
        if not value.strip():
            raise self.error(key, "must not be empty")
        return " ".join(value.split())

    def strings(self, key: str, required: bool = False) -> tuple[str, ...]:
        if required and key not in self.data:
            raise self.error(key, "is missing")
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.error(key, 'must be a list of texts, e.g. ["..."]')
        for item in value:
            if not isinstance(item, str):
                raise self.error(key, f"must be a list of texts; {item!r} is not a text")
            if not item.strip():
                raise self.error(key, "has an empty text")
        if required and not value:
            raise self.error(key, "must list at least one spelling")
        return tuple(dict.fromkeys(" ".join(item.split()) for item in value))

    def aliases(self, key: str, required: bool = False) -> tuple[str, ...]:
        """Like strings(), lower-cased: these are matched regardless of capitals."""
        return tuple(dict.fromkeys(s.lower() for s in self.strings(key, required)))

    def boolean(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false (without quotes)")
        return value

    def count(self, key: str, default: int) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.error(key, "must be a whole number of 1 or more")
        return value
