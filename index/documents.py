"""The small data types that flow through the indexing pipeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class RawText:
    """What a reader got out of one file (or one JSONL record), before cleaning.

    `text` is plain text with paragraphs separated by blank lines; Markdown headings
    (`## Agenda item`) are kept as such when `markdown` is true. `meta` holds metadata the
    file itself declares (front matter, sidecar, JSONL fields): any of `title`, `date`,
    `actors`, `topics`, `url`, `access`, as strings or lists of strings.
    """

    text: str
    meta: dict = field(default_factory=dict)
    record_id: str | None = None  # only for records of a JSONL file
    markdown: bool = False


@dataclass
class ReadResult:
    """Every text a file yielded plus the problems met on the way (e.g. bad JSONL lines)."""

    texts: list[RawText]
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TopicMatch:
    """A topic assigned to an agenda item, with the words that made the rule fire."""

    topic: str
    evidence: tuple[str, ...]


@dataclass
class AgendaItem:
    """One agenda item (section) of a meeting document: the unit that is indexed and found."""

    section_id: str
    position: int
    heading: str
    text: str
    actors: list[str] = field(default_factory=list)
    topics: list[TopicMatch] = field(default_factory=list)


@dataclass
class Document:
    """A meeting document ready to be written to the index."""

    doc_id: str
    key: str  # stable identity the ids are derived from: "<source folder>/<relative path>[#record]"
    source: str  # the path as given to `index` (for JSONL: "file#record-id")
    title: str
    date: dt.date | None
    date_source: str | None  # "metadata", "header", "filename" or None when unknown
    items: list[AgendaItem]
    url: str | None = None
    format: str = "txt"
    access: tuple[str, ...] = ()  # labels of who may see it (index.access); () is public
