"""The parts of a result page around the hits: meeting groups, sort links, pagination, and
the ways out of an empty result."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from search import Hit, Results, SearchIndex, SearchRequest, run
from search.request import MAX_PAGE

from . import facets, params
from .links import search_url, split_url

PAGE_LINKS_AROUND = 2
_WORD = re.compile(r"[^\s\"()]+")
_OPERATOR_WORDS = {"OF", "OR", "EN", "AND"}
_NOT_WORDS = {"NIET", "NOT"}


@dataclass
class MeetingGroup:
    """The hits of one meeting on a page, in rank order."""

    doc_id: str
    title: str
    date: str | None
    hits: list[Hit] = field(default_factory=list)


def group_by_meeting(hits: list[Hit]) -> list[MeetingGroup]:
    """Hits grouped per meeting; groups in the order of their best hit."""
    groups: dict[str, MeetingGroup] = {}
    for hit in hits:
        group = groups.setdefault(hit.doc_id, MeetingGroup(hit.doc_id, hit.title, hit.date))
        group.hits.append(hit)
    return list(groups.values())


@dataclass
class SortOption:
    label: str
    url: str
    current: bool


def sort_options(search: SearchRequest) -> list[SortOption]:
    """Relevance (only with words to rank by), newest and oldest first."""
    # Without words the engine lists the newest meetings: "relevance" then means "newest".
    current = search.sort if search.query or search.sort != "relevance" else "newest"
    labels = {"relevance": "Relevantie", "newest": "Nieuwste eerst", "oldest": "Oudste eerst"}
    if not search.query:
        del labels["relevance"]
    return [SortOption(label, search_url(params.changed(search, sort=sort, page=1)),
                       sort == current) for sort, label in labels.items()]


@dataclass
class PageLink:
    number: int | None  # None: a gap (…)
    url: str = ""
    current: bool = False


@dataclass
class Pagination:
    total: int
    pages: int
    first: int  # number of the first hit on this page (1-based)
    last: int
    previous: str | None
    next: str | None
    last_page: str | None  # the URL of the last page
    links: list[PageLink]


def paginate(search: SearchRequest, results: Results) -> Pagination:
    """Page links around the current page, with the first and last page always in reach."""
    pages = min(MAX_PAGE, math.ceil(results.total / search.per_page))
    first_page = search_url(params.changed(search, page=1))
    split = split_url(params.changed(search, page=2), ("page", "2")) if pages > 1 else None

    def url(page: int) -> str:
        if page == 1 or split is None:
            return first_page if page == 1 else search_url(params.changed(search, page=page))
        return f"{split[0]}page={page}{split[1]}"

    links: list[PageLink] = []
    for number in range(1, pages + 1):
        if number in (1, pages) or abs(number - search.page) <= PAGE_LINKS_AROUND:
            links.append(PageLink(number, url(number), number == search.page))
        elif links[-1].number is not None:
            links.append(PageLink(None))
    return Pagination(
        total=results.total, pages=pages,
        first=search.offset + 1, last=search.offset + len(results.hits),
        previous=url(search.page - 1) if 1 < search.page <= pages + 1 else None,
        next=url(search.page + 1) if search.page < pages else None,
        last_page=url(pages) if pages else None,
        links=links if pages > 1 else [],
    )


@dataclass
class Alternative:
    """A wider search offered when a search finds nothing, with what it would find."""

    text: str
    url: str
    total: int


def alternatives(search: SearchRequest, index: SearchIndex) -> list[Alternative]:
    """Searches without one of the filters, without all of them, and with OF between the
    words — only those that find something."""
    candidates: list[tuple[str, SearchRequest | None]] = []
    chips = facets.chips(search)
    for chip in chips:
        candidates.append((f"zonder het filter {chip.label}: {chip.value}", chip.without))
    if len(chips) > 1:
        candidates.append(("zonder filters", facets.without_filters(search)))
    either = with_of(search.query)
    if either:
        candidates.append((f"met OF: {either}", params.changed(search, query=either, page=1)))
    found = []
    for text, wider in candidates:
        if wider is None:
            continue
        total = run(params.changed(wider, per_page=1, page=1), index).total
        if total:
            found.append(Alternative(text, search_url(wider), total))
    return found


def with_of(query: str) -> str | None:
    """The words of a query joined by OF, without operators and the words it excludes; None
    when that is no different search."""
    words: list[str] = []
    excluded = False
    for word in _WORD.findall(query):
        if word.upper() in _NOT_WORDS:
            excluded = True
        elif not excluded and not word.startswith("-") and word.upper() not in _OPERATOR_WORDS:
            words.append(word)
        else:
            excluded = False
    either = " OF ".join(words)
    return either if len(words) > 1 and either != query else None
