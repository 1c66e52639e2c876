"""What the web front end gives to other programs: Atom feeds, CSV for Excel, JSON, health."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET

import pytest
from conftest import MINUTES, write_minutes

import cli
from index.pipeline import run
from index.store import IndexStore
from search import SearchIndex, SearchRequest
from search import run as search_run
from web import create_app

ATOM = "{http://www.w3.org/2005/Atom}"

# Cells a spreadsheet would run as formulas.
FORMULAS = {
    "verslag-2020-02-03.md": """
        ---
        title: =HYPERLINK("http://example.com";"klik")
        date: 2020-02-03
        ---

        ## @SOM(A1:A9)

        -2 procent woninginbraken, meldt de korpschef; +5 procent fietsdiefstal.
        """,
}


@pytest.fixture
def index_folder(tmp_path, monkeypatch):
    for variable in ("BESTUURSZOEKER_BASE_URL", "BESTUURSZOEKER_CONFIG", "BESTUURSZOEKER_INDEX"):
        monkeypatch.delenv(variable, raising=False)
    minutes = write_minutes(tmp_path / "notulen", {**MINUTES, **FORMULAS})
    assert run([minutes], IndexStore(tmp_path / "index")).failed == []
    return tmp_path / "index"


@pytest.fixture
def client(index_folder):
    return create_app({"INDEX": index_folder, "TESTING": True}).test_client()


# -- Atom ---------------------------------------------------------------------------------------


def feed(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)  # well-formed XML, or this raises


def rfc3339(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, text
    return moment


def test_the_feed_is_valid_atom_with_newest_first(client):
    root = feed(client, "/search.atom?q=korpschef")
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}").text
    assert root.find(f"{ATOM}author/{ATOM}name").text == "Bestuurszoeker"
    rfc3339(root.find(f"{ATOM}updated").text)
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["self"] == "http://localhost/search.atom?q=korpschef"
    assert links["alternate"] == "http://localhost/search?q=korpschef&sort=newest"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 4
    for entry in entries:
        for required in ("id", "title", "updated", "summary"):
            assert entry.find(f"{ATOM}{required}").text, required
        assert entry.find(f"{ATOM}link").get("rel") == "alternate"
        assert entry.find(f"{ATOM}summary").get("type") == "html"
    updated = [rfc3339(e.find(f"{ATOM}updated").text) for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert "&lt;mark&gt;" not in ET.tostring(entries[0], encoding="unicode").split("summary")[0]
    assert "<mark>korpschef</mark>" in entries[0].find(f"{ATOM}summary").text


def test_entry_ids_are_the_stable_urls_of_the_agenda_items(client, index_folder, tmp_path):
    def ids():
        root = feed(client, "/search.atom?q=knalvuurwerk")
        return [e.find(f"{ATOM}id").text for e in root.findall(f"{ATOM}entry")]

    before = ids()
    assert len(before) == 1
    assert before[0].startswith("http://localhost/doc/") and before[0].endswith("-jaarwisseling")
    run([tmp_path / "notulen"], IndexStore(index_folder), rebuild=True)
    assert ids() == before


def test_an_undated_meeting_is_dated_by_the_index_time(client):
    root = feed(client, "/search.atom?q=zomerfestival")
    assert root.find(f"{ATOM}entry/{ATOM}updated").text == root.find(f"{ATOM}updated").text


def test_the_feed_ignores_sort_and_page_and_names_the_filters(client):
    root = feed(client, "/search.atom?q=korpschef&actor=Korpschef&sort=oldest&page=3")
    assert root.find(f"{ATOM}title").text == "Bestuurszoeker: ‘korpschef’, actor Korpschef"
    dates = [e.find(f"{ATOM}updated").text for e in root.findall(f"{ATOM}entry")]
    assert dates and dates == sorted(dates, reverse=True)


def test_feed_links_use_the_public_base_url(index_folder):
    client = create_app({"INDEX": index_folder, "BASE_URL": "https://zoek.example.nl"}).test_client()
    root = feed(client, "/search.atom?q=knalvuurwerk")
    assert root.find(f"{ATOM}id").text == "https://zoek.example.nl/search?q=knalvuurwerk&sort=newest"
    assert root.find(f"{ATOM}entry/{ATOM}id").text.startswith("https://zoek.example.nl/doc/")


def test_control_characters_never_break_the_feed(client):
    feed(client, "/search.atom?q=knal%01vuurwerk%0B")


# -- CSV ----------------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    text = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_csv_has_one_row_per_agenda_item_for_dutch_excel(client):
    response = client.get("/export.csv?q=korpschef&sort=oldest&page=2")
    assert response.content_type == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="bestuurszoeker-korpschef-')
    header, *rows = csv_rows(response)
    assert header == ["Datum", "Vergadering", "Agendapunt", "Actoren", "Onderwerpen",
                      "Fragment", "Bron", "Link"]
    assert [row[0] for row in rows] == ["2019-03-11", "2019-10-07", "2020-02-03", "2021-05-11"]
    first = dict(zip(header, rows[0], strict=True))
    assert first["Agendapunt"] == "Stroomstootwapen"
    assert "Staatssecretaris Verhoeven" in first["Actoren"].split(", ")
    assert "<mark>" not in first["Fragment"] and "korpschef" in first["Fragment"]
    assert first["Link"].startswith("http://localhost/doc/")
    assert first["Link"].endswith("-stroomstootwapen")


def test_csv_exports_all_pages_of_a_search(client):
    _, *rows = csv_rows(client.get("/export.csv"))
    assert len(rows) == 8


def test_csv_cells_never_run_as_formulas(client):
    # Without query words the fragment is the opening of the text, as written.
    header, *rows = csv_rows(client.get("/export.csv?from=2020-02-03&to=2020-02-03"))
    row = dict(zip(header, rows[0], strict=True))
    assert row["Vergadering"].startswith("'=HYPERLINK(")
    assert row["Agendapunt"] == "'@SOM(A1:A9)"
    assert row["Fragment"].startswith("'-2 procent")
    for cell in (cell for row in rows for cell in row):
        assert not cell.startswith(("=", "+", "-", "@"))


def test_csv_text_is_utf8(client):
    header, *rows = csv_rows(client.get("/export.csv?topic=Financi%C3%ABn+en+begroting"))
    assert "Financiën en begroting" in rows[0][header.index("Onderwerpen")]


# -- JSON API and health ------------------------------------------------------------------------


def test_the_api_returns_exactly_the_cli_json(client, index_folder, capsys):
    response = client.get("/api/search?q=korpschef&actor=Korpschef&sort=newest&per_page=2")
    assert response.mimetype == "application/json"
    assert cli.main(["search", "korpschef", "--actor", "Korpschef", "--sort", "newest",
                     "--per-page", "2", "--index", str(index_folder), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert response.get_json() == printed
    assert list(response.get_json()) == list(printed)  # same key order too


def test_the_api_matches_the_search_engine(client, index_folder):
    expected = search_run(SearchRequest("knalvuurwerk"), SearchIndex(index_folder)).as_json()
    assert client.get("/api/search?q=knalvuurwerk").get_json() == expected


@pytest.mark.parametrize(("query", "parameter"),
                         [("page=0", "page"), ("sort=x", "sort"), ("to=2019-02-30", "to")])
def test_api_errors_are_json_naming_the_parameter(client, query, parameter):
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == parameter and f"parameter {parameter}" in error["message"]


def test_api_unknown_path_is_json_404(client):
    response = client.get("/api/onbekend")
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_health_reports_the_index(client):
    response = client.get("/health")
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "ok" and data["generation"].startswith("g")
    assert (data["documents"], data["agenda_items"]) == (5, 8)
    rfc3339(data["updated"])


def test_health_without_an_index_is_503(tmp_path):
    response = create_app({"INDEX": tmp_path / "nergens"}).test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "index": "missing"}
