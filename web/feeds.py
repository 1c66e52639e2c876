"""An Atom feed per search, so that a saved search can be followed in Outlook or any feed
reader: the newest matching agenda items first.

An entry's id is the absolute URL of its agenda item (`…/doc/<doc_id>#<section_id>`); the ids
survive re-indexing, so a reader shows an item as new only once. Its `updated` time is the
meeting date, or the time of indexing for a meeting without a date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import xml.etree.ElementTree as ET

from flask import Blueprint, Response, request

from search import Hit, Results, SearchRequest, run

from . import auth, dates, facets, params, search_index
from .links import absolute, document_url, search_url

feeds = Blueprint("feeds", __name__)

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 30


@feeds.get("/search.atom")
def search_feed():
    """The search's newest hits; `sort` and `page` are ignored (a feed is always newest first)."""
    # The search as its result page shows it (newest first), for the feed's links.
    search = dataclasses.replace(params.from_args(request.args, auth.access()), sort="newest",
                                 page=1, per_page=params.DEFAULT.per_page)
    index = search_index()
    results = run(dataclasses.replace(search, per_page=FEED_ENTRIES), index)
    indexed = index.generation().manifest.updated or _now()
    body = ET.tostring(_feed(search, results, indexed), encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")


def _feed(search: SearchRequest, results: Results, indexed: str) -> ET.Element:
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "nl"})
    page = absolute(search_url(search))
    _text(feed, "id", page)
    _text(feed, "title", f"Bestuurszoeker: {facets.describe(search)}")
    _text(feed, "updated", indexed)
    ET.SubElement(_text(feed, "author", None), "name").text = "Bestuurszoeker"
    ET.SubElement(feed, "link", rel="self", type="application/atom+xml", href=absolute(
        search_url(search, "feeds.search_feed", omit=("sort", "page", "per_page"))))
    ET.SubElement(feed, "link", rel="alternate", type="text/html", href=page)
    for hit in results.hits:
        feed.append(_entry(search, hit, indexed))
    return feed


def _entry(search: SearchRequest, hit: Hit, indexed: str) -> ET.Element:
    entry = ET.Element("entry")
    _text(entry, "id", absolute(document_url(hit.doc_id, anchor=hit.section_id)))
    _text(entry, "title", f"{hit.title} — {hit.section}" if hit.section else hit.title)
    _text(entry, "updated", f"{hit.date}T00:00:00Z" if hit.date else indexed)
    ET.SubElement(entry, "link", rel="alternate", type="text/html",
                  href=absolute(document_url(hit.doc_id, search, hit.section_id)))
    for topic in hit.topics:
        ET.SubElement(entry, "category", term=topic)
    meta = " · ".join(part for part in (
        dates.long_date(hit.date), hit.section, ", ".join(hit.actors)) if part)
    # The snippet is already escaped HTML (with <mark>); the rest is escaped here.
    _text(entry, "summary", f"<p>{html.escape(meta)}</p><p>{hit.snippet}</p>").set("type", "html")
    return entry


def _text(parent: ET.Element, tag: str, text: str | None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = params.CONTROL_CHARACTERS.sub(" ", text) if text else text
    return element


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
