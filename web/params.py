"""The search state in the URL: query parameters ⇄ `SearchRequest`.

Every search is a GET URL with its parameters in one canonical order — `q`, `topic`…,
`actor`…, `from`, `to`, `sort`, `per_page`, `page` — and defaults left out, so the address bar
is the saved search and two links to the same search are the same text. Invalid values raise
`InvalidParameter` with a Dutch message that names the parameter (the web answers 400).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from search import BadRequest, SearchRequest
from search.request import (
    MAX_FILTER_VALUES,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    SORTS,
    parse_iso_date,
)

DEFAULT = SearchRequest()
# Characters XML 1.0 cannot carry (they would break the Atom feed) and that no one types.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SHOWN_VALUE_CHARS = 60


class InvalidParameter(ValueError):
    """A URL parameter has a value the search cannot use; `message` is Dutch for the page."""

    def __init__(self, parameter: str, value: object, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.value = value
        self.message = message


def from_args(args: MultiDict, access: frozenset[str] = frozenset()) -> SearchRequest:
    """The search the URL parameters describe, for a viewer holding `access` (never part of
    the URL: a saved link shows each viewer what they may see). Unknown parameters are
    ignored; bad values raise `InvalidParameter`. The query is cut at the engine's limit so
    that every link built from it stays bounded."""
    query = CONTROL_CHARACTERS.sub(" ", args.get("q", ""))[:MAX_QUERY_CHARS].strip()
    try:
        return SearchRequest(
            query=query,
            topics=_values(args, "topic"),
            actors=_values(args, "actor"),
            date_from=parse_iso_date("from", _single(args, "from")),
            date_to=parse_iso_date("to", _single(args, "to")),
            sort=_single(args, "sort") or DEFAULT.sort,
            page=_whole_number(args, "page", DEFAULT.page),
            per_page=_whole_number(args, "per_page", DEFAULT.per_page),
            access=access,
        )
    except BadRequest as exc:
        raise InvalidParameter(exc.parameter, exc.value, dutch_message(exc)) from None


def canonical_pairs(request: SearchRequest, omit: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The URL parameters of a search in canonical order, defaults and the names in `omit`
    left out (also for the hidden fields of forms that change one part of a search)."""
    pairs = [("q", request.query)] if request.query else []
    pairs += [("topic", topic) for topic in request.topics]
    pairs += [("actor", actor) for actor in request.actors]
    for name, value in (("from", request.date_from), ("to", request.date_to)):
        if value:
            pairs.append((name, value.isoformat()))
    for name in ("sort", "per_page", "page"):
        if getattr(request, name) != getattr(DEFAULT, name):
            pairs.append((name, str(getattr(request, name))))
    skipped = set(omit)
    return [(name, value) for name, value in pairs if name not in skipped]


def query_string(request: SearchRequest, omit: Iterable[str] = ()) -> str:
    """`canonical_pairs` as a query string (without `?`)."""
    return urlencode(canonical_pairs(request, omit))


def changed(request: SearchRequest, **changes) -> SearchRequest | None:
    """The request with some fields changed, or None when that would be invalid (e.g. a 21st
    topic), so that a link that cannot work is not offered."""
    try:
        return dataclasses.replace(request, **changes)
    except BadRequest:
        return None


def dutch_message(exc: BadRequest) -> str:
    """A Dutch message for the page, naming the parameter and what to do."""
    name, value = exc.parameter, _shown(exc.value)
    if name == "sort":
        return (f"Onbekende sortering ‘{value}’ (parameter sort): "
                f"kies {', '.join(SORTS[:-1])} of {SORTS[-1]}.")
    if name in ("page", "per_page"):
        highest = MAX_PAGE if name == "page" else MAX_PER_PAGE
        what = "paginanummer" if name == "page" else "aantal resultaten per pagina"
        return (f"Ongeldig {what} ‘{value}’ (parameter {name}): "
                f"geef een geheel getal van 1 tot en met {highest}.")
    if name in ("from", "to") and "after" in exc.reason:
        return "De begindatum (parameter from) ligt na de einddatum (parameter to)."
    if name in ("from", "to"):
        return (f"Ongeldige datum ‘{value}’ (parameter {name}): "
                "schrijf de datum als JJJJ-MM-DD, bijvoorbeeld 2019-03-11.")
    if name in ("topic", "actor"):
        return f"Te veel waarden voor parameter {name}: ten hoogste {MAX_FILTER_VALUES}."
    return f"Ongeldige waarde ‘{value}’ voor parameter {name}."


def _single(args: MultiDict, name: str) -> str | None:
    value = args.get(name)
    return value.strip() if value and value.strip() else None


def _values(args: MultiDict, name: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in args.getlist(name) if v.strip())


def _whole_number(args: MultiDict, name: str, default: int) -> int:
    value = _single(args, name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:  # also a number too long for int()
        raise BadRequest(name, value, "not a whole number") from None


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= _SHOWN_VALUE_CHARS else text[:_SHOWN_VALUE_CHARS] + "…"
