"""The facet sidebar and the active-filter chips, derived from the engine's facet specs.

What the web adds to a `FacetSpec` is how choosing a value narrows the search in the URL: a
repeatable filter parameter (topics, actors) or a date range (`from`/`to` for a year or a
month). A facet the engine adds without such a rule is still shown, with counts, as plain text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlencode

from markupsafe import Markup

from search import Results, SearchRequest
from search.facets import FACETS

from . import dates, params
from .links import search_url, split_url

SHOWN_VALUES = 8  # the rest of a long facet goes behind "meer…"
MORE_VALUES = 40


@dataclass(frozen=True)
class FacetFilter:
    """How choosing a facet value narrows a search."""

    kind: str  # "values": a repeatable parameter; "period": a from/to date range
    attribute: str = ""  # the SearchRequest field of a "values" filter
    within: str = ""  # a period facet shown once the results lie in one value of this facet


FILTERS = {
    "year": FacetFilter("period"),
    "month": FacetFilter("period", within="year"),
    "topic": FacetFilter("values", "topics"),
    "actor": FacetFilter("values", "actors"),
}


@dataclass
class FacetOption:
    label: str
    count: int
    url: str | None  # None: this value cannot be chosen (e.g. the undated meetings)
    selected: bool = False


@dataclass
class FacetBox:
    name: str
    label: str
    shown: list[FacetOption] = field(default_factory=list)
    more: list[FacetOption] = field(default_factory=list)
    date_form: bool = False  # the box carries the from/to date inputs


@dataclass
class Chip:
    """An active filter, shown above the results with a link that removes it."""

    label: str
    value: str
    without: SearchRequest  # the same search without this filter

    @property
    def remove_url(self) -> str:
        return search_url(self.without)


def facet_options(options: list[FacetOption]) -> Markup:
    """The list items of facet options: each a link that chooses (or, when chosen, removes)
    its value, with its count and, for screen readers, what the number means.

    Written here rather than in a template: a page lists about a hundred options, and a
    Jinja loop over them took ~0.9 ms of the page's 2.1 ms of templates."""
    items = []
    for option in options:
        word = "resultaat" if option.count == 1 else "resultaten"
        label = escape(option.label)
        if option.url is None:
            items.append(
                '<li><span class="facet-option is-static">'
                f'<span class="facet-label">{label}</span> '
                f'<span class="facet-count">{option.count}'
                f'<span class="visually-hidden"> {word}</span></span></span></li>')
            continue
        selected = " is-selected" if option.selected else ""
        current = ' aria-current="true"' if option.selected else ""
        chosen = ", gekozen (klik om te verwijderen)" if option.selected else ""
        items.append(
            f'<li><a class="facet-option{selected}" href="{escape(option.url)}"{current}>'
            '<span class="check" aria-hidden="true"></span> '
            f'<span class="facet-label">{label}</span> '
            f'<span class="facet-count">{option.count}'
            f'<span class="visually-hidden"> {word}{chosen}</span></span></a></li>')
    return Markup("\n".join(items))


def sidebar(search: SearchRequest, results: Results) -> list[FacetBox]:
    """The facet boxes for a result page, in the order of the engine's specs."""
    boxes = []
    for spec in FACETS:
        rule = FILTERS.get(spec.name)
        if rule and rule.within and not _single_value(results.facets.get(rule.within, [])):
            continue
        values = results.facets[spec.name]
        # Behind "meer…" at most MORE_VALUES more (plus any chosen one): a list of hundreds of
        # names helps nobody and costs a link each on every page.
        values_rule = rule and rule.kind == "values"
        chosen = set(getattr(search, rule.attribute, ())) if values_rule else set()
        values = values[: SHOWN_VALUES + MORE_VALUES] + [
            v for v in values[SHOWN_VALUES + MORE_VALUES :] if v.value in chosen
        ]
        if values_rule:
            adding = _adding(search, rule)
        elif rule and rule.kind == "period":
            adding = _period(search)
        else:
            adding = None
        options = [_option(search, rule, v.value, v.count, adding) for v in values]
        # The coarsest period facet carries the from/to inputs, even when it has no values.
        date_form = bool(rule and rule.kind == "period" and not rule.within)
        if not options and not date_form:
            continue
        # A chosen value stays in view even when it is not among the most frequent.
        shown = options[:SHOWN_VALUES] + [o for o in options[SHOWN_VALUES:] if o.selected]
        more = [o for o in options[SHOWN_VALUES:] if not o.selected]
        boxes.append(FacetBox(spec.name, spec.label, shown, more, date_form))
    return boxes


def chips(search: SearchRequest) -> list[Chip]:
    """The active filters, each with the same search without it."""
    found = []
    for spec in FACETS:
        rule = FILTERS.get(spec.name)
        if rule and rule.kind == "values":
            chosen = getattr(search, rule.attribute)
            for value in chosen:
                rest = tuple(v for v in chosen if v != value)
                found.append(Chip(spec.label, value, _wider(search, **{rule.attribute: rest})))
    if search.date_from or search.date_to:
        found.append(Chip("Periode", period_text(search),
                          _wider(search, date_from=None, date_to=None)))
    return found


def describe(search: SearchRequest) -> str:
    """The search in a few words, for titles and mail subjects: its query and filters."""
    parts = [f"‘{search.query}’"] if search.query else []
    parts += [f"{chip.label.lower()} {chip.value}" for chip in chips(search)]
    return ", ".join(parts) if parts else "alle vergaderstukken"


def without_filters(search: SearchRequest) -> SearchRequest:
    """The same search without any filter (query and order kept)."""
    return _wider(search, topics=(), actors=(), date_from=None, date_to=None)


def period_text(search: SearchRequest) -> str:
    """The date range of a search in words: `2022`, `maart 2022`, `vanaf 1 mei 2021`, …"""
    exact = dates.period_of(search.date_from, search.date_to)
    if exact:
        return dates.period_label(exact)
    if search.date_from and search.date_to:
        return f"{dates.long_date(search.date_from)} – {dates.long_date(search.date_to)}"
    if search.date_from:
        return f"vanaf {dates.long_date(search.date_from)}"
    return f"tot en met {dates.long_date(search.date_to)}"


def _adding(search: SearchRequest, rule: FacetFilter):
    """A function giving the URL of `search` with one more value of a "values" filter (None
    when no more may be added). One request and query string for all of a page's links of
    the filter (about a hundred), split around the new value."""
    marker = "\x00"  # never a facet value
    chosen = getattr(search, rule.attribute)
    narrowed = params.changed(search, page=1, **{rule.attribute: (*chosen, marker)})
    name = rule.attribute[:-1]  # topics -> topic
    split = split_url(narrowed, (name, marker)) if narrowed else None
    if split is None:
        return lambda value: None
    start, end = split
    return lambda value: start + urlencode([(name, value)]) + end


def _period(search: SearchRequest):
    """A function giving the URL of `search` narrowed to a period (first and last day), like
    `_adding` for "values" filters."""
    placeholders = (dt.date(1, 1, 1), dt.date(1, 1, 2))  # no real period starts in year 1
    narrowed = params.changed(search, page=1, date_from=placeholders[0],
                              date_to=placeholders[1])
    split = split_url(narrowed, ("from", placeholders[0].isoformat()),
                      ("to", placeholders[1].isoformat())) if narrowed else None
    if split is None:
        return lambda first, last: _url(search, date_from=first, date_to=last)
    start, end = split
    return lambda first, last: f"{start}from={first.isoformat()}&to={last.isoformat()}{end}"


def _option(search: SearchRequest, rule: FacetFilter | None, value: str | None, count: int,
            adding=None):
    if rule is None:
        return FacetOption(value or "", count, None)
    if rule.kind == "period":
        if value is None:  # undated meetings: no date range selects them
            return FacetOption(dates.UNKNOWN_DATE, count, None)
        selected = dates.period_of(search.date_from, search.date_to) == value
        if selected:  # the link removes the period
            url = _url(search, date_from=None, date_to=None)
        else:
            first, last = dates.period_range(value)
            url = adding(first, last) if adding else _url(search, date_from=first, date_to=last)
        return FacetOption(dates.period_label(value), count, url, selected)
    chosen = getattr(search, rule.attribute)
    selected = value in chosen
    if not selected and adding is not None:
        return FacetOption(value, count, adding(value), selected)
    values = tuple(v for v in chosen if v != value) if selected else (*chosen, value)
    return FacetOption(value, count, _url(search, **{rule.attribute: values}), selected)


def _url(search: SearchRequest, **changes) -> str | None:
    narrowed = params.changed(search, page=1, **changes)
    return search_url(narrowed) if narrowed else None


def _wider(search: SearchRequest, **changes) -> SearchRequest:
    # Dropping filters never makes a valid request invalid.
    return dataclasses.replace(search, page=1, **changes)


def _single_value(values) -> bool:
    return len(values) == 1 and values[0].value is not None
