"""Machine-readable answers: the search API (the CLI's `--json` contract) and `/health`."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request

from index.errors import IndexDamaged, IndexMissing
from search import run

from . import auth, params, search_index

api = Blueprint("api", __name__)


def json_response(data: dict, status: int = 200) -> Response:
    """JSON as `bestuurszoeker search --json` writes it: keys in their own order, UTF-8."""
    return Response(json.dumps(data, ensure_ascii=False), status, mimetype="application/json")


@api.get("/api/search")
def api_search():
    """The same search parameters as the result page; `per_page` (1–100) as well."""
    search = params.from_args(request.args, auth.access())
    return json_response(run(search, search_index()).as_json())


@api.get("/health")
def health():
    """For monitoring: is there a usable index, what it holds and when it was written. Reads
    the small manifest only: a worker that answers it does not load the list of files."""
    try:
        generation = search_index().generation()
    except (IndexMissing, IndexDamaged) as exc:
        current_app.logger.error("health: %s", exc)
        reason = "missing" if isinstance(exc, IndexMissing) else "damaged"
        return json_response({"status": "unavailable", "index": reason}, 503)
    return json_response({
        "status": "ok",
        "generation": generation.name,
        "documents": generation.manifest.document_count(),
        "agenda_items": generation.ix.doc_count(),
        "updated": generation.manifest.updated,
    })
