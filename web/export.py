"""The hits of a search as a CSV file for Excel, one row per agenda item.

Dutch Excel opens a file by double-click correctly only when it is UTF-8 *with* a byte order
mark and separated by semicolons (the comma is the Dutch decimal sign). Cells that start with
a character a spreadsheet reads as a formula get a leading apostrophe, so that a document text
can never run as a formula on a colleague's machine.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

from flask import Blueprint, Response, request

from search import run
from search.request import MAX_PER_PAGE

from . import auth, params, search_index
from .links import absolute, document_url

export = Blueprint("export", __name__)

EXPORT_LIMIT = 1000  # rows; a bigger export is a job for the JSON API, page by page
COLUMNS = ("Datum", "Vergadering", "Agendapunt", "Actoren", "Onderwerpen", "Fragment", "Bron",
           "Link")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MARK = re.compile(r"</?mark>")


@export.get("/export.csv")
def export_csv():
    """All hits of the search (up to EXPORT_LIMIT) in the search's order; `page` is ignored."""
    search = params.from_args(request.args, auth.access())
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for hit in _hits(search):
        writer.writerow([_cell(value) for value in (
            hit.date or "",
            hit.title,
            hit.section,
            ", ".join(hit.actors),
            ", ".join(hit.topics),
            html.unescape(_MARK.sub("", hit.snippet)),
            hit.source,
            absolute(document_url(hit.doc_id, search, hit.section_id)),
        )])
    name = f"bestuurszoeker-{_file_part(search.query) or 'zoekopdracht'}-{dt.date.today()}.csv"
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _hits(search):
    for page in range(1, EXPORT_LIMIT // MAX_PER_PAGE + 1):
        results = run(params.changed(search, page=page, per_page=MAX_PER_PAGE), search_index())
        yield from results.hits
        if page * MAX_PER_PAGE >= results.total:
            return


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _file_part(query: str) -> str:
    # Only plain ASCII letters and digits: the name must survive every browser and Excel.
    return re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-")[:40]
