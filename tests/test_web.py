"""The web front end's pages, as a browser without JavaScript sees them (Flask test client)."""

from __future__ import annotations

import re
import textwrap
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from conftest import MINUTES, write_minutes

from index.pipeline import run
from index.store import IndexStore
from search.facets import FACETS
from web import SECURITY_HEADERS, create_app

# One more meeting: a link to the original that must not become a javascript: link.
EXTRA = {
    "verslag-2020-02-03.md": """
        ---
        title: Verslag Veiligheidsberaad 3 februari 2020
        date: 2020-02-03
        url: "javascript:alert(1)"
        ---

        ## Woninginbraken

        De korpschef meldt een daling van het aantal woninginbraken in de regio.
        """,
}


@pytest.fixture
def site(tmp_path, monkeypatch):
    """An index of a few small meetings; the environment cannot change the settings."""
    for variable in ("BESTUURSZOEKER_BASE_URL", "BESTUURSZOEKER_CONFIG", "BESTUURSZOEKER_INDEX",
                     "BESTUURSZOEKER_SYNONYMS"):
        monkeypatch.delenv(variable, raising=False)
    minutes = write_minutes(tmp_path / "notulen", {**MINUTES, **EXTRA})
    assert run([minutes], IndexStore(tmp_path / "index")).failed == []
    return tmp_path


@pytest.fixture
def client(site):
    return create_app({"INDEX": site / "index", "TESTING": True}).test_client()


class Page(HTMLParser):
    """The links, form fields and text of an HTML page, for assertions."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[dict] = []
        self.inputs: list[dict] = []
        self._open: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "a":
            attributes["text"] = ""
            self.links.append(attributes)
            self._open.append(attributes)
        elif tag == "input":
            self.inputs.append(attributes)

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            link = self._open.pop()
            link["text"] = " ".join(link["text"].split())

    def handle_data(self, data):
        for link in self._open:
            link["text"] += data

    def link(self, text: str) -> dict:
        """The first link whose text contains `text`."""
        return next(link for link in self.links if text in link["text"])

    def facet(self, label: str) -> dict:
        """The facet link of a value (its text is the value, then its count)."""
        return next(link for link in self.links if "facet-option" in link.get("class", "")
                    and link["text"].startswith(f"{label} "))

    def labelled(self, label: str) -> dict:
        """The link with this accessible name (aria-label), such as a chip's remove link."""
        return next(link for link in self.links if link.get("aria-label") == label)

    def hrefs(self, text: str) -> list[str]:
        return [link["href"] for link in self.links if text in link["text"]]


def get_page(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    return text, Page(text)


def result_headings(html: str) -> list[str]:
    found = re.findall(r'class="item-title"><a[^>]*>\s*<span class="visually-hidden">'
                       r"Agendapunt: </span>([^<]+)</a>", html)
    return [heading.strip() for heading in found]


def query_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


# -- the search page and the result list ------------------------------------------------------


def test_home_page_invites_a_search_and_says_what_the_index_holds(client):
    html, page = get_page(client, "/")
    assert '<html lang="nl">' in html
    assert '<label class="search-label" for="q">' in html and 'id="q" name="q"' in html
    assert "Doorzoek 5 vergaderstukken met samen 8 agendapunten" in html
    assert query_of(page.link("nieuwste vergaderingen")["href"]) == [("sort", "newest")]


def test_home_page_with_parameters_goes_to_the_result_page(client):
    response = client.get("/?q=knalvuurwerk")
    assert response.status_code == 302
    assert response.headers["Location"] == "/search?q=knalvuurwerk"
    assert client.get("/?utm_source=nieuwsbrief").status_code == 200


def test_knalvuurwerk_finds_the_jaarwisseling_item_highlighted(client):
    html, page = get_page(client, "/search?q=knalvuurwerk")
    assert "1 agendapunt voor ‘knalvuurwerk’" in html
    assert result_headings(html) == ["Jaarwisseling"]
    assert "<mark>knalvuurwerk</mark>" in html
    assert "11 maart 2019" in html and "Regionaal Veiligheidsoverleg 11 maart 2019" in html
    assert {"value": "knalvuurwerk", "id": "q"}.items() <= next(
        field for field in page.inputs if field.get("id") == "q").items()
    # The hit opens its document at the agenda item, carrying the search along.
    href = page.link("Jaarwisseling")["href"]
    assert re.fullmatch(r"/doc/\w+\?q=knalvuurwerk#\w+-jaarwisseling", href)


def test_hits_of_one_meeting_are_grouped(client):
    html, _ = get_page(client, "/search?q=korpschef")
    groups = re.findall(r'<li class="meeting( has-several)?">', html)
    assert len(groups) == 4 and groups.count(" has-several") == 0
    html, _ = get_page(client, "/search?q=korpschef+OF+knalvuurwerk")
    assert 'class="meeting has-several"' in html
    assert "2 agendapunten op deze pagina" in html


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("/search?q=knalvuurwerk&from=&to=&sort=relevance&page=1", "/search?q=knalvuurwerk"),
        ("/search?actor=Korpschef&topic=Ondermijning&q=ondermijning",
         "/search?q=ondermijning&topic=Ondermijning&actor=Korpschef"),
        ("/search?q=++knalvuurwerk++", "/search?q=knalvuurwerk"),
        ("/search?page=2&sort=oldest&to=2021-12-31&utm_source=mail",
         "/search?to=2021-12-31&sort=oldest&page=2"),
        ("/search?q=", "/search"),
    ],
)
def test_every_search_is_redirected_to_its_canonical_url(client, url, canonical):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == canonical
    assert client.get(canonical).status_code == 200


def test_a_very_long_query_is_cut_to_the_engine_limit(client):
    response = client.get("/search?q=" + "knalvuurwerk+" * 200)
    assert response.status_code == 302
    assert len(dict(query_of(response.headers["Location"]))["q"]) <= 1000
    assert client.get(response.headers["Location"]).status_code == 200


def test_facets_follow_the_engine_specs_with_counts(client):
    html, page = get_page(client, "/search")
    for spec in FACETS:
        if spec.name != "month":  # months appear once the results lie in one year
            assert f'id="facet-{spec.name}">{spec.label}</h3>' in html
    assert 'id="facet-month"' not in html
    year = page.facet("2019")
    assert query_of(year["href"]) == [("from", "2019-01-01"), ("to", "2019-12-31")]
    assert "4" in year["text"] and "resultaten" in year["text"]  # read out with its count
    assert "Datum onbekend" in html and "Datum onbekend" not in [x["text"] for x in page.links]


def test_choosing_a_year_shows_its_months_and_a_removable_chip(client):
    html, page = get_page(client, "/search?from=2019-01-01&to=2019-12-31")
    assert 'id="facet-month">Maand</h3>' in html
    assert query_of(page.facet("oktober 2019")["href"]) == [
        ("from", "2019-10-01"), ("to", "2019-10-31")]
    selected = page.facet("2019")
    assert selected["aria-current"] == "true" and "gekozen" in selected["text"]
    assert "Periode:</span> 2019" in html
    assert page.labelled("Filter Periode: 2019 verwijderen")["href"] == "/search"


def test_a_facet_link_adds_a_filter_and_the_chip_removes_it(client):
    _, page = get_page(client, "/search?q=korpschef")
    narrowed = page.facet("Staatssecretaris Verhoeven")["href"]
    assert narrowed == "/search?q=korpschef&actor=Staatssecretaris+Verhoeven"
    html, page = get_page(client, narrowed)
    assert sorted(result_headings(html)) == ["Ondermijning", "Stroomstootwapen"]
    assert page.facet("Staatssecretaris Verhoeven")["aria-current"] == "true"
    chip = page.labelled("Filter Actor: Staatssecretaris Verhoeven verwijderen")
    assert chip["href"] == "/search?q=korpschef"


def test_filters_narrow_the_set_without_changing_the_order(client):
    everything, _ = get_page(client, "/search?q=korpschef")
    narrowed, _ = get_page(client, "/search?q=korpschef&actor=Staatssecretaris+Verhoeven")
    kept = set(result_headings(narrowed))
    assert [h for h in result_headings(everything) if h in kept] == result_headings(narrowed)


def test_long_facets_show_the_top_values_and_the_rest_behind_meer(client):
    html, _ = get_page(client, "/search")
    assert re.search(r"<summary>meer… <span class=\"visually-hidden\">actor</span>\(\d+\)", html)


def test_the_date_inputs_work_without_javascript(client):
    html, page = get_page(client, "/search?q=korpschef&sort=oldest")
    fields = [(f.get("name"), f.get("value")) for f in page.inputs if f.get("type") == "hidden"]
    assert ("q", "korpschef") in fields and ("sort", "oldest") in fields
    assert 'type="date"' in html and '<label for="from">Vanaf</label>' in html
    response = client.get("/search?q=korpschef&sort=oldest&from=2019-06-01&to=")
    assert response.headers["Location"] == "/search?q=korpschef&from=2019-06-01&sort=oldest"
    html, _ = get_page(client, response.headers["Location"])
    assert "vanaf 1 juni 2019" in html
    assert result_headings(html) == ["Ondermijning", "Woninginbraken", "Bodycams"]


def test_sort_links_and_relevance_only_with_words(client):
    _, page = get_page(client, "/search?q=korpschef")
    assert query_of(page.link("Oudste eerst")["href"]) == [("q", "korpschef"), ("sort", "oldest")]
    html, page = get_page(client, "/search")
    assert "Relevantie" not in html
    assert '<span class="is-current" aria-current="true">Nieuwste eerst</span>' in html


def test_pagination_shows_the_total_and_links_the_pages(client):
    html, page = get_page(client, "/search?sort=oldest&per_page=2&page=2")
    assert "Resultaat 3–4 van 8" in html
    assert '<span class="visually-hidden">Pagina </span>2</span>' in html  # current, no link
    assert page.link("Volgende")["href"] == "/search?sort=oldest&per_page=2&page=3"
    assert page.link("Vorige")["href"] == "/search?sort=oldest&per_page=2"
    # Page links are built from one split query string: each is the canonical URL.
    _, page = get_page(client, "/search?actor=Korpschef&sort=oldest&per_page=1&page=2")
    numbered = [a["href"] for a in page.links if a["text"].startswith("Pagina ")]
    assert len(numbered) >= 2  # page 1 and the last page at least
    for href in numbered + [page.link("Volgende")["href"]]:
        number = int(dict(parse_qsl(urlsplit(href).query)).get("page", 1))
        expected = "actor=Korpschef&sort=oldest&per_page=1"
        assert href == f"/search?{expected}" + (f"&page={number}" if number > 1 else "")
    assert page.link("Volgende")["href"].endswith("&page=3")


def test_a_page_beyond_the_last_says_so(client):
    html, page = get_page(client, "/search?q=korpschef&page=50")
    assert "Deze pagina bestaat niet" in html
    assert page.link("laatste pagina")["href"] == "/search?q=korpschef"


def test_no_results_explains_and_offers_to_drop_a_filter(client):
    html, page = get_page(client, "/search?q=knalvuurwerk&actor=Korpschef")
    assert "Geen resultaten" in html and "binnen de gekozen filters" in html
    wider = page.link("zonder het filter Actor: Korpschef")
    assert wider["href"] == "/search?q=knalvuurwerk"
    assert "(1 resultaat)" in html


def test_no_results_offers_to_search_with_of(client):
    html, page = get_page(client, '/search?q="knalvuurwerk+zomerfestival"')
    assert "Geen resultaten" in html
    either = page.link("met OF")
    assert dict(query_of(either["href"]))["q"] == "knalvuurwerk OF zomerfestival"
    assert "(2 resultaten)" in html


def test_the_notice_of_the_engine_is_shown(client):
    html, _ = get_page(client, "/search?q=knalvuurwerk+zomerfestival")
    assert 'class="notice" role="status">Geen resultaten met alle woorden samen' in html


def test_items_with_only_some_words_say_which_word_they_lack(client):
    html, _ = get_page(client, "/search?q=korpschef+stroomstootwapen")
    assert "1 agendapunt bevat alle woorden" in html
    data = client.get("/api/search?q=korpschef+stroomstootwapen").get_json()
    missing = [hit["missing"] for hit in data["hits"]]
    assert missing[0] == [] and len(missing) > 1
    assert all(m == ["stroomstootwapen"] for m in missing[1:])
    assert html.count('class="missing">Ontbreekt: <s>stroomstootwapen</s></p>') == len(missing) - 1


def test_a_misspelt_word_gets_a_suggestion(client):
    html, page = get_page(client, "/search?q=knalvurwerk")
    assert "Bedoelde u:" in html
    assert page.link("knalvuurwerk")["href"] == "/search?q=knalvuurwerk"


def test_the_search_can_be_copied_mailed_and_followed(client):
    html, page = get_page(client, "/search?q=knalvuurwerk&actor=Regioburgemeester+Bakker")
    absolute = "http://localhost/search?q=knalvuurwerk&actor=Regioburgemeester+Bakker"
    assert f'data-url="{absolute.replace("&", "&amp;")}"' in html
    mail = urlsplit(page.link("Mail deze zoekopdracht")["href"])
    assert mail.scheme == "mailto" and "+" not in mail.query  # mail programs want %20
    fields = dict(parse_qsl(mail.query))
    assert fields["subject"] == (
        "Zoekopdracht in Bestuurszoeker: ‘knalvuurwerk’, actor Regioburgemeester Bakker")
    assert fields["body"].endswith(f"\r\n\r\n{absolute}\r\n")
    feed = "/search.atom?q=knalvuurwerk&amp;actor=Regioburgemeester+Bakker"
    assert '<link rel="alternate" type="application/atom+xml"' in html and feed in html
    assert page.link("Download CSV")["href"].startswith("/export.csv?q=knalvuurwerk")
    assert page.link("JSON")["href"].startswith("/api/search?q=knalvuurwerk")


def test_links_to_share_use_the_public_base_url(site):
    app = create_app({"INDEX": site / "index", "BASE_URL": "https://intranet.example.nl/zoek/"})
    html = app.test_client().get("/search?q=knalvuurwerk").get_data(as_text=True)
    assert 'data-url="https://intranet.example.nl/zoek/search?q=knalvuurwerk"' in html
    assert "https%3A%2F%2Fintranet.example.nl%2Fzoek%2Fsearch%3Fq%3Dknalvuurwerk" in html


def test_no_inline_script_and_the_copy_button_is_an_enhancement(client):
    html, _ = get_page(client, "/search?q=knalvuurwerk")
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/copy-link.js" defer>']
    assert re.search(r'<button type="button" class="button-link copy-link"[^>]* hidden>', html)
    assert " style=" not in html and " on" + "click=" not in html
    assert client.get("/static/copy-link.js").status_code == 200


# -- the document page ------------------------------------------------------------------------


def doc_url(client, query: str, heading: str) -> str:
    _, page = get_page(client, f"/search?q={query}")
    return page.link(heading)["href"]


def test_a_document_opens_at_the_hit_with_marks_and_a_way_back(client):
    href = doc_url(client, "knalvuurwerk", "Jaarwisseling")
    path, anchor = href.split("#")
    html, page = get_page(client, path)
    assert f'id="{anchor}"' in html
    assert "<mark>knalvuurwerk</mark>" in html
    assert page.link("Terug naar de resultaten")["href"] == "/search?q=knalvuurwerk"
    assert f"#{anchor}" in page.hrefs("Jaarwisseling")  # the list of agenda items with hits
    assert "bevat zoekwoorden" in html
    assert re.search(r'<section class="agenda-item"\s+id="\w+-stroomstootwapen"', html)


def test_the_document_page_marks_exactly_the_part_of_a_word_that_was_searched(client):
    html, _ = get_page(client, doc_url(client, "uitwisseling", "Informatie-uitwisseling"))
    assert "informatie-<mark>uitwisseling</mark> over" in html
    html, _ = get_page(client, doc_url(client, "vuurwerk", "Jaarwisseling"))
    assert "knal<mark>vuurwerk</mark>" in html


def test_a_document_without_a_search_has_no_marks(client):
    path = doc_url(client, "knalvuurwerk", "Jaarwisseling").split("?")[0]
    html, page = get_page(client, path)
    assert "<mark>" not in html and "bevat zoekwoorden" not in html
    assert page.link("Zoeken")["href"] == "/"
    assert "11 maart 2019" in html and "Regioburgemeester Bakker" in html
    assert page.link("Regioburgemeester Bakker")["href"] == "/search?actor=Regioburgemeester+Bakker"


def test_document_text_is_escaped_everywhere(client):
    html, _ = get_page(client, "/search?q=letterlijk")
    assert "&lt;script&gt;alert" in html and "<script>alert" not in html
    html, _ = get_page(client, doc_url(client, "letterlijk", "Rondvraag").split("#")[0])
    assert "&lt;script&gt;alert" in html and "<script>alert" not in html


def test_the_query_is_escaped_when_shown(client):
    html, _ = get_page(client, "/search?q=%3Cb%3Ex%3C%2Fb%3E%22%27")
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_only_web_links_to_the_original_are_shown(client):
    html, _ = get_page(client, doc_url(client, "woninginbraken", "Woninginbraken").split("#")[0])
    assert "javascript:" not in html and "Origineel" not in html


def test_an_unknown_document_is_a_dutch_404(client):
    html, _ = get_page(client, "/doc/bestaat-niet", status=404)
    assert "Niet gevonden" in html and '<html lang="nl">' in html


# -- bad input, errors, safety ----------------------------------------------------------------


BAD_PARAMETERS = [
    ("page=-1", "page"), ("page=0", "page"), ("page=abc", "page"), ("page=1001", "page"),
    ("page=" + "9" * 5000, "page"), ("per_page=1000", "per_page"), ("sort=random", "sort"),
    ("from=2019-13-45", "from"), ("to=gisteren", "to"),
    ("from=2021-01-01&to=2019-01-01", "from"),
    ("&".join(f"topic=t{i}" for i in range(21)), "topic"),
]


@pytest.mark.parametrize(("query", "parameter"), BAD_PARAMETERS)
def test_bad_parameters_are_a_dutch_400_naming_the_parameter(client, query, parameter):
    html, _ = get_page(client, f"/search?q=korpschef&{query}", status=400)
    assert "Ongeldige zoekopdracht" in html
    assert f"parameter {parameter}" in html
    assert 'value="korpschef"' in html  # the search box keeps the query to try again


@pytest.mark.parametrize("endpoint", ["/search.atom", "/export.csv", "/doc/x"])
def test_other_endpoints_reject_bad_parameters_too(client, endpoint):
    assert client.get(f"{endpoint}?from=2019-13-45").status_code == 400


@pytest.mark.parametrize(
    "query",
    ['"', "(", ")", "OF", "NIET", "*", "titel:", "-", "%00%01", "🙂", "a" * 3000,
     "OF+" * 300, "((((knalvuurwerk", "actor:", "%E2%80%AE"],
)
def test_queries_whoosh_cannot_parse_never_fail(client, query):
    response = client.get(f"/search?q={query}", follow_redirects=True)
    assert response.status_code == 200


def test_only_get_requests(client):
    response = client.post("/search?q=knalvuurwerk")
    assert response.status_code == 405
    assert "Methode niet toegestaan" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    ["/", "/search?q=knalvuurwerk", "/search?page=0", "/doc/nope", "/static/style.css",
     "/health", "/search.atom", "/export.csv", "/api/search", "/search?q=x&from="],
)
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_without_an_index_the_pages_say_so(tmp_path):
    client = create_app({"INDEX": tmp_path / "leeg"}).test_client()
    for url in ("/", "/search?q=knalvuurwerk", "/doc/abc", "/search.atom", "/export.csv"):
        response = client.get(url)
        assert response.status_code == 503
        assert "Zoeken is tijdelijk niet mogelijk" in response.get_data(as_text=True)
    assert client.get("/api/search").get_json()["error"]["status"] == 503


def test_a_damaged_index_is_a_503_not_a_traceback(site):
    (site / "index" / "CURRENT").write_text("kapot\n")
    response = create_app({"INDEX": site / "index"}).test_client().get("/search?q=x")
    assert response.status_code == 503


def test_a_new_meeting_appears_after_a_reindex_without_restart(site, client):
    html, _ = get_page(client, "/search?q=zomerconcert")
    assert "Geen resultaten" in html
    generation = client.get("/health").get_json()["generation"]
    write_minutes(site / "notulen", {"verslag-2022-06-01.txt": textwrap.dedent("""
        Verslag Veiligheidsberaad 1 juni 2022

        Zomerconcert

        De burgemeester geeft een vergunning voor het zomerconcert in het park.
        """)})
    assert run([site / "notulen"], IndexStore(site / "index")).failed == []
    html, _ = get_page(client, "/search?q=zomerconcert")
    assert result_headings(html) == ["Zomerconcert"]
    assert client.get("/health").get_json()["generation"] != generation


def test_an_unexpected_failure_is_a_dutch_500_without_a_traceback(site, monkeypatch):
    def broken(*_):
        raise RuntimeError("interne details")

    monkeypatch.setattr("web.views.run", broken)
    response = create_app({"INDEX": site / "index"}).test_client().get("/search?q=x")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Er ging iets mis" in text and "interne details" not in text


def test_the_page_says_which_synonyms_were_also_searched(client):
    html, _ = get_page(client, "/search?q=taser")
    assert "Ook gezocht op: stroomstootwapen" in html
    assert "Stroomstootwapen" in result_headings(html)


def test_a_facet_with_hundreds_of_values_offers_a_bounded_list(tmp_path):
    from conftest import write_jsonl

    folder = tmp_path / "veel"
    folder.mkdir()
    actors = [f"Wethouder Z{chr(97 + i // 26)}{chr(97 + i % 26)}ma" for i in range(120)]
    write_jsonl(folder / "lijst.jsonl", [
        {"id": "r1", "title": "Besluitenlijst 1 maart 2024", "date": "2024-03-01",
         "text": "Het college besluit over de subsidie.", "actors": actors}])
    assert run([folder], IndexStore(tmp_path / "ix")).failed == []
    client = create_app({"INDEX": tmp_path / "ix", "TESTING": True}).test_client()
    html = client.get("/search?q=subsidie").get_data(as_text=True)
    shown = [name for name in actors if f"{name}<" in html or f"{name} " in html]
    assert 8 <= len(shown) <= 48
    last = actors[-1]
    chosen = client.get(f"/search?q=subsidie&actor={last.replace(' ', '+')}")
    assert last in chosen.get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/search?q=korpschef",
    "/search?q=korpschef+OF+ondermijning&topic=Ondermijning&sort=oldest&per_page=20",
    "/search?actor=Korpschef&from=2019-01-01&to=2021-12-31",
    "/search?q=ondermijning&topic=Ondermijning&actor=Korpschef&sort=newest",
])
def test_every_facet_link_is_the_search_with_that_one_value_more(client, path):
    # Facet links are built in bulk; each must be exactly the canonical URL of the same
    # search with the value added (page 1), and open a page that has it chosen.
    import dataclasses
    import datetime as dt

    from search import SearchRequest
    from web.dates import period_of
    from web.params import query_string

    _, page = get_page(client, path)
    asked = dict.fromkeys(("topic", "actor"), ())
    for name, value in parse_qsl(urlsplit(path).query):
        if name in asked:
            asked[name] += (value,)
    links = [a for a in page.links if "facet-option" in a.get("class", "")]
    query = dict(parse_qsl(urlsplit(path).query))
    added = 0
    for link in links:
        pairs = parse_qsl(urlsplit(link["href"]).query)
        new = [(n, v) for n, v in pairs if n in asked and v not in asked[n]]
        if len(new) != 1:
            continue  # a chip or a chosen value: removes a filter instead
        name, value = new[0]
        expected = SearchRequest(
            query=query.get("q", ""), sort=query.get("sort", "relevance"),
            per_page=int(query.get("per_page", 10)),
            topics=asked["topic"] + ((value,) if name == "topic" else ()),
            actors=asked["actor"] + ((value,) if name == "actor" else ()),
            date_from=dt.date.fromisoformat(query["from"]) if "from" in query else None,
            date_to=dt.date.fromisoformat(query["to"]) if "to" in query else None)
        assert link["href"] == "/search?" + query_string(expected)
        added += 1
    assert added
    # Year and month links (also built in bulk): the same search narrowed to that period.
    periods = 0
    for link in links:
        pairs = dict(parse_qsl(urlsplit(link["href"]).query))
        if "from" not in pairs or (pairs.get("from"), pairs.get("to")) == (
                query.get("from"), query.get("to")):
            continue
        first, last = (dt.date.fromisoformat(pairs[n]) for n in ("from", "to"))
        assert period_of(first, last) is not None
        expected = dataclasses.replace(SearchRequest(
            query=query.get("q", ""), sort=query.get("sort", "relevance"),
            per_page=int(query.get("per_page", 10)), topics=asked["topic"],
            actors=asked["actor"]), date_from=first, date_to=last)
        assert link["href"] == "/search?" + query_string(expected)
        periods += 1
    assert periods
