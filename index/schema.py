"""The index schema, derived from one table of field specs.

Search code reads the same specs to know which fields are searched, with what weight, and
which fields back a facet; adding a searchable field or a facet is one spec here.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import fields

from .analysis import ANALYSIS_VERSION, dutch_analyzer
from .positions import compact

# Part of every index's manifest: an index written with another version is rebuilt.
SCHEMA_VERSION = f"4.{ANALYSIS_VERSION}"


@dataclass(frozen=True)
class SearchField:
    """A full-text field the query words are matched against by default."""

    name: str
    boost: float


@dataclass(frozen=True)
class QueryField:
    """A field a user may name in a query (`actor:Harbers`), with its Dutch and English names."""

    names: tuple[str, ...]
    field: str


# Agenda-item headings weigh most: a hit in the heading is what the item is about.
SEARCH_FIELDS = (
    SearchField("heading", 2.0),
    SearchField("title", 1.0),
    SearchField("text", 1.0),
)

QUERY_FIELDS = (
    QueryField(("title", "titel"), "title"),
    QueryField(("heading", "agendapunt", "kop"), "heading"),
    QueryField(("actor", "actors", "actor", "persoon", "spreker"), "actor_text"),
    QueryField(("topic", "topics", "onderwerp", "thema"), "topic_text"),
    QueryField(("text", "tekst"), "text"),
)

# Keyword fields whose values search reads for every document at once (facets, access):
# saved per segment by the indexer (index/columns.py).
TERM_COLUMNS = ("year", "month", "topic", "actor", "access")

UNKNOWN = "onbekend"  # the year/month facet value of a document without a meeting date


def build_schema() -> fields.Schema:
    """The Whoosh schema: one Whoosh document per agenda item."""
    analyzer = dutch_analyzer()
    return fields.Schema(
        section_id=fields.ID(stored=True, unique=True),
        doc_id=fields.ID(stored=True),
        # Stored only: search reads it from the stored fields, never queries it.
        position=fields.STORED(),
        # spelling=True keeps the unstemmed words too, for "Bedoelde u …?" suggestions.
        title=compact(fields.TEXT(analyzer=analyzer, stored=True, spelling=True)),
        heading=compact(fields.TEXT(analyzer=analyzer, stored=True, spelling=True)),
        # Positions (phrases, proximity, marks) but no character offsets: those took a sixth
        # of the postings, and search finds the words to mark from their positions.
        text=compact(fields.TEXT(analyzer=analyzer, stored=True, spelling=True)),
        date=fields.ID(stored=True),
        # Search reads the dates from the column; no range terms (shift_step=0 indexes the
        # exact value only, instead of eight terms per agenda item).
        date_num=fields.NUMERIC(int, bits=32, signed=False, sortable=True, shift_step=0),
        year=fields.ID(),
        month=fields.ID(),
        actor=fields.KEYWORD(stored=True, commas=True, scorable=False, lowercase=False),
        actor_text=compact(fields.TEXT(analyzer=analyzer)),
        topic=fields.KEYWORD(stored=True, commas=True, scorable=False, lowercase=False),
        topic_text=compact(fields.TEXT(analyzer=analyzer)),
        topic_evidence=fields.STORED(),
        source=fields.STORED(),
        url=fields.STORED(),
        # Who may see the item (index.access labels, comma-separated); empty: public.
        access=fields.KEYWORD(stored=True, commas=True, scorable=False, lowercase=False),
    )
