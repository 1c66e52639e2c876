"""The pages people read: the search page, the result list and a whole document."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, abort, redirect, render_template, request

from search import SearchRequest, run
from search import documents as search_documents

from . import auth, facets, params, result_list, search_index
from .links import absolute, document_urls, mailto, search_url

pages = Blueprint("pages", __name__)

SEARCH_TIPS = (
    ("knalvuurwerk korpschef", "agendapunten met beide woorden"),
    ("\"extra capaciteit\"", "precies deze woorden achter elkaar"),
    ("vuurwerk OF carbid", "een van beide woorden"),
    ("korpschef NIET taser", "zonder het woord taser (ook: -taser)"),
    ("ondermijn*", "woorden die zo beginnen"),
    ("actor:Verhoeven", "alleen in één veld (ook titel:, agendapunt: en onderwerp:)"),
)


@pages.get("/")
def home():
    """The empty search page, with what the index holds and how to search."""
    wanted = params.from_args(request.args)
    if params.canonical_pairs(wanted):
        return redirect(search_url(wanted))
    index = search_index()
    documents, agenda_items = search_documents.holdings(index, auth.access())
    return render_template(
        "home.html",
        documents=documents,
        agenda_items=agenda_items,
        updated=index.generation().manifest.updated,
        tips=SEARCH_TIPS,
        newest=search_url(SearchRequest(sort="newest")),
    )


@pages.get("/search")
def search():
    """A result page. Any other spelling of the same search is redirected to the canonical
    URL, so that the address bar can be saved and shared as it is."""
    wanted = params.from_args(request.args, auth.access())
    given = parse_qsl(request.query_string.decode("utf-8", "replace"), keep_blank_values=True)
    if given != params.canonical_pairs(wanted):
        return redirect(search_url(wanted))
    index = search_index()
    results = run(wanted, index)
    link = absolute(search_url(wanted))
    doc_url = document_urls(wanted)
    return render_template(
        "results.html",
        search=wanted,
        results=results,
        groups=result_list.group_by_meeting(results.hits),
        sidebar=facets.sidebar(wanted, results),
        chips=facets.chips(wanted),
        clear_filters=search_url(facets.without_filters(wanted)),
        sort_options=result_list.sort_options(wanted),
        pagination=result_list.paginate(wanted, results),
        alternatives=result_list.alternatives(wanted, index) if results.total == 0 else [],
        suggestion=_suggestion_url(wanted, results.suggestion),
        link=link,
        mail=mailto(facets.describe(wanted), link),
        feed=search_url(wanted, "feeds.search_feed", omit=("sort", "page", "per_page")),
        csv=search_url(wanted, "export.export_csv", omit=("page", "per_page")),
        json=search_url(wanted, "api.api_search"),
        hit_url=lambda hit: doc_url(hit.doc_id, hit.section_id),
    )


@pages.get("/doc/<doc_id>")
def document(doc_id: str):
    """A whole meeting document; with `q` the query words are marked. The other search
    parameters are carried along for the link back to the result list."""
    found_with = params.from_args(request.args)
    view = search_documents.get(search_index(), doc_id, found_with.query, auth.access())
    if view is None:
        abort(404)
    searched = bool(params.canonical_pairs(found_with))
    return render_template(
        "document.html",
        doc=view,
        search=found_with,
        back=search_url(found_with) if searched else None,
        original=view.url if view.url and view.url.startswith(("https://", "http://")) else None,
        matched=[s for s in view.sections if s.matched] if found_with.query else [],
        actor_url=lambda actor: search_url(SearchRequest(actors=(actor,))),
        topic_url=lambda topic: search_url(SearchRequest(topics=(topic,))),
    )


def _suggestion_url(search: SearchRequest, suggestion: str | None) -> str | None:
    corrected = params.changed(search, query=suggestion, page=1) if suggestion else None
    return search_url(corrected) if corrected else None
