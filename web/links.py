"""Links built from a search: to result pages, documents, feeds, exports, and to be shared.

Absolute links (mail, CSV, Atom) start with the configured public base URL when there is one:
behind a proxy the address the server sees is not the one colleagues can open.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlencode

from flask import current_app, request, url_for

from search import SearchRequest

from . import params

MAIL_SUBJECT_CHARS = 120


def search_url(search: SearchRequest, endpoint: str = "pages.search",
               omit: Iterable[str] = ()) -> str:
    """The site-relative URL of a search on the result page (or another search endpoint),
    leaving out the parameters in `omit`."""
    query = params.query_string(search, omit=omit)
    return url_for(endpoint) + (f"?{query}" if query else "")


def split_url(search: SearchRequest, *marked: tuple[str, str]) -> tuple[str, str] | None:
    """The result page URL of `search` cut around its parameters `marked` (side by side in
    canonical order): `start + other parameters + end` is then the URL of the same search with
    other values there. None when they are not found side by side.

    A page links dozens of variations of its search (facet values, periods, pages): one
    request and query string for all of them, instead of one each."""
    pairs = params.canonical_pairs(search)
    for at in range(len(pairs) - len(marked) + 1):
        if tuple(pairs[at : at + len(marked)]) == marked:
            break
    else:
        return None
    before, after = urlencode(pairs[:at]), urlencode(pairs[at + len(marked) :])
    start = url_for("pages.search") + "?" + (before + "&" if before else "")
    return start, "&" + after if after else ""


def document_url(doc_id: str, search: SearchRequest | None = None, anchor: str | None = None):
    """A document, carrying the search it was found with (for highlights and the way back)."""
    return document_urls(search)(doc_id, anchor)


def document_urls(search: SearchRequest | None):
    """`document_url` for many documents found with one search: its query string is made
    once, not once per link (a result page links every hit, some twice)."""
    query = params.query_string(search) if search else ""
    carried = f"?{query}" if query else ""

    def url(doc_id: str, anchor: str | None = None) -> str:
        return (url_for("pages.document", doc_id=doc_id) + carried
                + (f"#{anchor}" if anchor else ""))
    return url


def absolute(site_url: str) -> str:
    """A site-relative URL made absolute with the public base URL (else the request's)."""
    base = current_app.config["BASE_URL"] or request.url_root.rstrip("/")
    # Both bases already end in the path the site is mounted at, which url_for also includes.
    return base + site_url[len(request.script_root):]


def mailto(description: str, absolute_url: str) -> str:
    """A `mailto:` link with a Dutch subject naming the search (`description`) and a body
    holding the link to it."""
    if len(description) > MAIL_SUBJECT_CHARS:
        description = description[:MAIL_SUBJECT_CHARS] + "…"
    subject = f"Zoekopdracht in Bestuurszoeker: {description}"
    body = (f"Met deze link opent u de zoekopdracht {description} in Bestuurszoeker:\r\n\r\n"
            f"{absolute_url}\r\n")
    # Mail programs do not read `+` as a space: encode everything with %XX.
    return f"mailto:?subject={quote(subject, safe='')}&body={quote(body, safe='')}"
