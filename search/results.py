"""What a search returns: hits, facet counts and a notice, as dataclasses and JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Hit:
    """One matching agenda item."""

    doc_id: str
    section_id: str
    title: str
    section: str
    date: str | None
    actors: list[str]
    topics: list[str]
    snippet: str  # HTML: escaped text with <mark> around matched words
    source: str
    score: float | None
    position: int = 0
    url: str | None = None
    # Words of the query this item lacks (only in a result filled up with partial matches).
    missing: list[str] = field(default_factory=list)


@dataclass
class FacetValue:
    value: str | None  # None: the bucket of documents without a known meeting date
    count: int


@dataclass
class Results:
    """A page of hits with the total, facet counts over the whole result set and a notice."""

    query: str
    total: int
    page: int
    per_page: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    notice: str | None = None
    suggestion: str | None = None
    expansions: list[str] = field(default_factory=list)  # "ook gezocht op: …"

    def as_json(self) -> dict:
        """The JSON contract shared by `bestuurszoeker search --json` and the web API."""
        data = asdict(self)
        for hit in data["hits"]:
            del hit["position"]
            if hit["score"] is not None:
                hit["score"] = round(hit["score"], 4)
        return data
