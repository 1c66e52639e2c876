"""A whole meeting document for reading: its agenda items in order, optionally highlighted."""

from __future__ import annotations

from dataclasses import dataclass, field

from .access import may_see
from .engine import SearchIndex, highlight_terms
from .query import parse
from .snippets import marked, spans_of


@dataclass
class SectionView:
    section_id: str
    heading: str
    html: str  # escaped paragraphs (<p>…</p>) with <mark> around query words
    actors: list[str]
    topics: list[str]
    topic_evidence: dict[str, list[str]]
    matched: bool = False  # the query words occur in this item


@dataclass
class DocumentView:
    doc_id: str
    title: str
    date: str | None
    source: str
    url: str | None
    sections: list[SectionView] = field(default_factory=list)

    @property
    def actors(self) -> list[str]:
        return list(dict.fromkeys(a for s in self.sections for a in s.actors))

    @property
    def topics(self) -> list[str]:
        return list(dict.fromkeys(t for s in self.sections for t in s.topics))

    @property
    def first_match(self) -> str | None:
        return next((s.section_id for s in self.sections if s.matched), None)


def get(index: SearchIndex, doc_id: str, query_text: str = "",
        access: frozenset[str] = frozenset()) -> DocumentView | None:
    """The document with all its agenda items; None when the id is unknown or the viewer
    holding `access` may not see it (the same answer, so that existence does not leak)."""
    generation = index.generation()
    terms = frozenset()
    with index.reading(generation), generation.searcher() as searcher:
        # Everything comes from the agenda items' stored fields: the list of files
        # (files.json) would cost a search process 39 MB at 100,000 agenda items.
        stored = sorted(
            (searcher.stored_fields(n) for n in searcher.document_numbers(doc_id=doc_id)),
            key=lambda f: f.get("position", 0),
        )
        if not stored:
            return None
        if not all(may_see(_labels(fields.get("access")), access) for fields in stored):
            return None
        if query_text.strip():
            parsed = parse(query_text, generation.ix.schema, synonyms=index.synonyms)
            found = highlight_terms(searcher, parsed)
            terms = frozenset().union(*(found.get(f, ()) for f in ("text", "heading", "title")))
    first = stored[0]
    view = DocumentView(
        doc_id=doc_id,
        title=first.get("title", ""),
        date=first.get("date") or None,
        source=first.get("source", ""),
        url=first.get("url") or None,
    )
    for fields in stored:
        body, matched = _marked_paragraphs(fields.get("text", ""), terms)
        heading_hit = bool(spans_of(fields.get("heading", ""), terms))
        view.sections.append(
            SectionView(
                section_id=fields["section_id"],
                heading=fields.get("heading", ""),
                html=body,
                actors=[a for a in (fields.get("actor") or "").split(",") if a],
                topics=[t for t in (fields.get("topic") or "").split(",") if t],
                topic_evidence=fields.get("topic_evidence") or {},
                matched=matched or heading_hit,
            )
        )
    return view


def holdings(index: SearchIndex, access: frozenset[str] = frozenset()) -> tuple[int, int]:
    """(documents, agenda items) of the index that a viewer holding `access` may see."""
    visible = [(documents, sections) for labels, documents, sections
               in index.generation().manifest.totals_by_access() if may_see(labels, access)]
    return sum(d for d, _ in visible), sum(s for _, s in visible)


def _labels(value: str | None) -> list[str]:
    return [label for label in (value or "").split(",") if label]


def _marked_paragraphs(text: str, terms: frozenset[str]) -> tuple[str, bool]:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    out = [f"<p>{marked(paragraph, terms)}</p>" for paragraph in paragraphs]
    return "\n".join(out), any("<mark>" in p for p in out)
