"""A search request: everything that defines a result page, validated in one place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

SORTS = ("relevance", "newest", "oldest")
MAX_QUERY_CHARS = 1000
MAX_PAGE = 1000
MAX_PER_PAGE = 100
MAX_FILTER_VALUES = 20
# The access of an administrator (the command line): every document, whatever its labels.
# No real label looks like this: index.access labels always have a kind (`groep:…`).
EVERYTHING = frozenset({"*"})


class BadRequest(ValueError):
    """A request parameter has a value that cannot be used; names the parameter."""

    def __init__(self, parameter: str, value: object, reason: str):
        super().__init__(f"{parameter}={value!r}: {reason}")
        self.parameter = parameter
        self.value = value
        self.reason = reason


@dataclass(frozen=True)
class SearchRequest:
    """The query, filters, order and page of one search, and what its viewer may see.
    Immutable and validated.

    `access` holds the viewer's labels (`index.access.viewer_labels`); the default, none, sees
    only public documents, so a caller that forgets to say who is asking shows too little,
    never too much. `EVERYTHING` sees every document.
    """

    query: str = ""
    topics: tuple[str, ...] = field(default_factory=tuple)
    actors: tuple[str, ...] = field(default_factory=tuple)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    access: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise BadRequest("sort", self.sort, f"must be one of {', '.join(SORTS)}")
        if not 1 <= self.page <= MAX_PAGE:
            raise BadRequest("page", self.page, f"must be between 1 and {MAX_PAGE}")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise BadRequest("per_page", self.per_page, f"must be between 1 and {MAX_PER_PAGE}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise BadRequest("from", self.date_from.isoformat(), "lies after 'to'")
        for name, values in (("topic", self.topics), ("actor", self.actors)):
            if len(values) > MAX_FILTER_VALUES:
                raise BadRequest(name, len(values), f"at most {MAX_FILTER_VALUES} values")
        object.__setattr__(self, "query", self.query.strip())
        object.__setattr__(self, "topics", tuple(dict.fromkeys(self.topics)))
        object.__setattr__(self, "actors", tuple(dict.fromkeys(self.actors)))
        object.__setattr__(self, "access", frozenset(self.access))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def parse_iso_date(parameter: str, value: str | None) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) or None; BadRequest naming the parameter otherwise."""
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadRequest(parameter, value, "not a valid date (use YYYY-MM-DD)") from None
