"""Web security: markup smuggled in through documents and queries never becomes markup in any
output, `/doc/<id>` never reads a file, every answer carries the security headers, the
debugger is never on under `serve`, and oversized requests are refused before they are read.

The sanitising of CSV cells (`=`, `+`, `-`, `@`) is tested in test_web_outputs.py, the
escaping of plain document text and of the query in the result page in test_web.py.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from conftest import MINUTES, clean_test_client, write_minutes

import cli
from index.pipeline import run
from index.store import IndexStore
from web import SECURITY_HEADERS, create_app

ROOT = Path(__file__).resolve().parents[1]
ATOM = "{http://www.w3.org/2005/Atom}"

# A meeting whose every part carries markup: title, actors and topics (front matter), the
# agenda-item heading and the text. The made-up word `pepernotenfabriek` finds it.
HOSTILE = {
    "verslag-2020-05-05.md": """
        ---
        title: <script>alert('titel')</script> Verslag 5 mei 2020
        date: 2020-05-05
        actors:
          - <img src=x onerror=alert('actor')>
          - Wethouder "><svg onload=alert('actor2')>
        topics:
          - <iframe src=javascript:alert('onderwerp')>
        ---

        ## <b onmouseover=alert('kop')>Rondvraag</b>

        De pepernotenfabriek meldt: <script>alert('tekst')</script> en
        "><iframe src=javascript:alert('iframe')> en ]]> en &lt;b&gt; en
        </textarea><svg/onload=alert(1)>.
        """,
}
WORD = "pepernotenfabriek"
QUERY = f"<script>alert('q')</script> \"><img src=x onerror=alert('q2')> {WORD}"
# Tags and attributes that would run script if they reached a browser as markup.
DANGEROUS_TAGS = {"script", "img", "svg", "iframe", "b", "textarea", "object", "embed", "base"}


class Markup(HTMLParser):
    """The tags, attributes and text of an HTML page or fragment."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)

    def attribute_values(self, name: str) -> list[str]:
        return [attrs[name] for _, attrs in self.tags if name in attrs]


def assert_no_injected_markup(html: str) -> Markup:
    """No tag from the payloads, no event handler, no javascript: URL; scripts only from the
    site's own static folder."""
    page = Markup(html)
    for tag, attrs in page.tags:
        assert tag not in DANGEROUS_TAGS or (tag == "script" and attrs.get("src", "")
                                             .startswith("/static/")), (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            assert not value.strip().lower().startswith("javascript:"), (tag, name, value)
    return page


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("veilig")
    minutes = write_minutes(root / "notulen", {**MINUTES, **HOSTILE})
    assert run([minutes], IndexStore(root / "index")).failed == []
    return root


@pytest.fixture(scope="module")
def client(site):
    return clean_test_client(site / "index")


def get(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    return response


def document_link(client) -> str:
    page = Markup(get(client, f"/search?q={WORD}").get_data(as_text=True))
    return next(href for href in page.attribute_values("href") if href.startswith("/doc/"))


# -- XSS ---------------------------------------------------------------------------------------


def test_markup_in_a_document_stays_text_in_the_result_page(client):
    html = get(client, f"/search?q={WORD}").get_data(as_text=True)
    page = assert_no_injected_markup(html)
    shown = " ".join(page.text)
    # Shown, as text: title, heading, snippet, actor and topic (hit and facet).
    for text in ("<script>alert('titel')</script>", "<b onmouseover=alert('kop')>Rondvraag</b>",
                 "<img src=x onerror=alert('actor')>", "alert('tekst')",
                 "<iframe src=javascript:alert('onderwerp')>"):
        assert text in shown, text


def test_markup_in_a_document_stays_text_in_the_document_page(client):
    link = document_link(client)
    for url in (link.split("?")[0], link.split("#")[0]):  # without and with marked words
        html = get(client, url).get_data(as_text=True)
        page = assert_no_injected_markup(html)
        shown = " ".join(page.text)
        assert "<script>alert('tekst')</script>" in shown
        assert "<b onmouseover=alert('kop')>Rondvraag</b>" in shown
        assert "]]>" in shown
        # Actor and topic links carry the names URL-encoded, never as markup.
        for href in page.attribute_values("href"):
            assert "<" not in href and '"' not in href


def test_the_query_is_never_markup_in_any_page(client):
    for url in (f"/search?q={quote(QUERY)}", f"/search?q={quote(QUERY)}&page=abc",
                f"{document_link(client).split('?')[0]}?q={quote(QUERY)}",
                f"/doc/bestaat-niet?q={quote(QUERY)}"):
        response = client.get(url)
        assert response.status_code in (200, 400, 404), url
        html = response.get_data(as_text=True)
        page = assert_no_injected_markup(html)
        if response.status_code != 404:
            # The query is shown back (search box or heading) as the text that was typed.
            assert QUERY in page.attribute_values("value") or QUERY in " ".join(page.text), url


def test_the_mail_link_holds_the_query_only_percent_encoded(client):
    page = Markup(get(client, f"/search?q={quote(QUERY)}").get_data(as_text=True))
    mailto = next(v for v in page.attribute_values("href") if v.startswith("mailto:"))
    assert not set(mailto) & set("<>\"' \r\n")
    fields = parse_qs(urlsplit(mailto).query)
    assert QUERY in unquote(fields["subject"][0])
    link = fields["body"][0].split("\r\n")[2]
    assert parse_qs(urlsplit(link).query)["q"] == [QUERY]


def test_the_feed_is_well_formed_and_its_html_carries_no_injected_markup(client):
    for url in (f"/search.atom?q={WORD}", f"/search.atom?q={quote(QUERY)}",
                f"/search.atom?actor={quote(chr(60) + 'img src=x onerror=alert(1)>')}"):
        response = get(client, url)
        assert response.mimetype == "application/atom+xml"
        feed = ET.fromstring(response.data)  # raises unless well-formed
        # No element beyond Atom's own: nothing from a document became XML.
        assert {element.tag.split("}")[0] + "}" for element in feed.iter()} == {ATOM}
        for entry in feed.iter(f"{ATOM}entry"):
            assert entry.find(f"{ATOM}title").get("type") in (None, "text")
            summary = entry.find(f"{ATOM}summary")
            assert summary.get("type") == "html"
            fragment = assert_no_injected_markup(summary.text)
            assert {tag for tag, _ in fragment.tags} <= {"p", "mark"}
    entries = list(ET.fromstring(get(client, f"/search.atom?q={WORD}").data)
                   .iter(f"{ATOM}entry"))
    assert len(entries) == 1
    assert entries[0].find(f"{ATOM}title").text.startswith("<script>alert('titel')</script>")
    assert {c.get("term") for c in entries[0].iter(f"{ATOM}category")} == {
        "<iframe src=javascript:alert('onderwerp')>"}
    feed = ET.fromstring(get(client, f"/search.atom?q={quote(QUERY)}").data)
    assert QUERY in feed.find(f"{ATOM}title").text


def test_csv_is_a_download_that_no_browser_renders(client):
    response = get(client, f"/export.csv?q={quote(QUERY)}")
    assert response.mimetype == "text/csv"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    # The query's quotes and markup never reach the header: the file name is letters only.
    filename = disposition.split("filename=", 1)[1]
    assert filename.startswith('"bestuurszoeker-script-alert-q-script-img-src-x-onerror-')
    assert filename.count('"') == 2 and "<" not in filename
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    [row] = [row for row in rows if WORD in row[5]]
    # The cells hold the text as written: no HTML escaping, no <mark>, nothing lost.
    assert row[1] == "<script>alert('titel')</script> Verslag 5 mei 2020"
    assert row[2] == "<b onmouseover=alert('kop')>Rondvraag</b>"
    assert "<script>alert('tekst')</script>" in row[5] and "<mark>" not in row[5]


def test_json_is_json_and_its_snippets_hold_only_marks(client):
    response = get(client, f"/api/search?q={quote(QUERY)}")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    data = json.loads(response.data)
    assert data["query"] == QUERY
    [hit] = [hit for hit in data["hits"] if WORD in hit["snippet"]]
    assert hit["title"].startswith("<script>alert('titel')</script>")  # data, not markup
    snippet = assert_no_injected_markup(hit["snippet"])
    assert {tag for tag, _ in snippet.tags} == {"mark"}
    assert "<script>alert('tekst')</script>" in "".join(snippet.text)


# -- path traversal ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/doc/../../etc/passwd", "/doc/..%2f..%2fetc%2fpasswd", "/doc/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
     "/doc/%2fetc%2fpasswd", "/doc//etc/passwd", "/doc/..", "/doc/%2e%2e", "/doc/%00",
     "/doc/x%00.md", "/doc/notulen%2fverslag-2020-05-05.md", "/doc/verslag-2020-05-05.md",
     "/doc/....//....//etc/passwd", "/doc/%252e%252e%252fetc%252fpasswd",
     "/static/../../pyproject.toml", "/static/..%2f..%2fpyproject.toml",
     "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/%2fetc%2fpasswd", "/static//etc/passwd",
     "/static/../web/__init__.py"],
)
def test_no_path_reaches_a_file_outside_the_site(client, site, path):
    # Doubled slashes are first redirected to the single-slash path, on the site.
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 404, path
    assert all(urlsplit(r.headers["Location"]).netloc in ("", "localhost")
               for r in response.history)
    body = response.get_data(as_text=True)
    assert "root:x:0:0" not in body and "[build-system]" not in body
    assert "SECURITY_HEADERS" not in body and WORD not in body


# -- headers -----------------------------------------------------------------------------------


def broken(*_):
    raise RuntimeError("interne details")


@pytest.mark.parametrize(
    ("case", "status"),
    [("redirect", 302), ("head", 200), ("post", 405), ("body", 405), ("no index", 503),
     ("damaged index", 503), ("login required", 401), ("failure", 500),
     ("static", 200), ("api 400", 400)],
)
def test_every_kind_of_answer_carries_the_security_headers(site, tmp_path, monkeypatch, case,
                                                           status):
    config = {"INDEX": site / "index"}
    url, method, body = "/search?q=knalvuurwerk", "get", None
    if case == "redirect":
        url = "/search?sort=relevance&q=knalvuurwerk"
    elif case == "head":
        method = "head"
    elif case == "post":
        method = "post"
    elif case == "body":
        method, body = "post", b"x" * (1024 * 1024)
    elif case == "no index":
        config["INDEX"] = tmp_path / "leeg"
    elif case == "damaged index":
        config["INDEX"] = tmp_path / "kapot"
        (tmp_path / "kapot").mkdir()
        (tmp_path / "kapot" / "CURRENT").write_text("../../etc\n")
    elif case == "login required":
        config.update(AUTH="proxy", AUTH_PROXIES=["10.0.0.0/24"], AUTH_REQUIRED=True)
    elif case == "failure":
        monkeypatch.setattr("web.views.run", broken)
    elif case == "static":
        url = "/static/copy-link.js"
    elif case == "api 400":
        url = "/api/search?page=0"
    response = getattr(create_app(config).test_client(), method)(url, data=body)
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, (case, name)
    assert "interne details" not in response.get_data(as_text=True)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


# -- serve: no debugger, bounded requests ------------------------------------------------------


def test_serve_never_runs_in_debug_mode_even_with_flask_debug_set(site, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.delenv("BESTUURSZOEKER_CONFIG", raising=False)
    served = {}
    monkeypatch.setattr("waitress.serve", lambda app, **options: served.update(app=app, **options))
    assert cli.main(["serve", "--index", str(site / "index"), "--port", "8124"]) == 0
    app = served["app"]
    assert app.debug is False
    assert type(app.wsgi_app).__name__ != "DebuggedApplication"
    # A failure is the Dutch error page, not an exception for the server to print.
    monkeypatch.setattr("web.views.run", broken)
    response = app.test_client().get("/search?q=x")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Er ging iets mis" in text and "interne details" not in text
    assert "Traceback" not in text
    assert app.test_client().get("/console").status_code == 404


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def exchange(port: int, request: bytes) -> bytes:
    """Send raw bytes, return what the server answers until it closes (10 s at most)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        try:
            connection.sendall(request)
        except OSError:
            pass  # the server may close before it has read everything: that is the point
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    return answer


@pytest.fixture(scope="module")
def server(site):
    """`bestuurszoeker serve` as a user starts it, with FLASK_DEBUG=1 left in the
    environment."""
    port = free_port()
    environment = {**os.environ, "FLASK_DEBUG": "1"}
    environment.pop("BESTUURSZOEKER_CONFIG", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--index", str(site / "index"), "--port",
         str(port), "--threads", "2"], cwd=ROOT, env=environment, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while b" 200 " not in exchange_or_empty(port, b"GET /health HTTP/1.0\r\n\r\n"):
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def exchange_or_empty(port: int, request: bytes) -> bytes:
    try:
        return exchange(port, request)
    except OSError:
        return b""


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        # A body announced as 100 MB: refused after the headers, nothing of it buffered.
        (b"POST /search HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n" + b"x" * 4096,
         413),
        # A chunked body that grows past the limit.
        (b"GET /search?q=x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         + (b"8000\r\n" + b"x" * 0x8000 + b"\r\n") * 4 + b"0\r\n\r\n", 413),
        # A 100 KB query string (or header).
        (b"GET /search?q=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 100_000 + b"\r\n\r\n", 431),
        # A small body on a GET is harmless; a POST is not allowed.
        (b"POST /search?q=x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close"
         b"\r\n\r\nhallo", 405),
        # Traversal in the raw request line, which no client library would send.
        (b"GET /static/../../pyproject.toml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
         404),
        (b"GET /doc/..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
         404),
        # The Werkzeug debugger's console does not exist.
        (b"GET /console HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404),
    ],
    ids=["announced-body", "chunked-body", "long-url", "long-header", "post", "static-dots",
         "doc-dots", "console"],
)
def test_the_server_refuses_oversized_requests_before_reading_them(server, request_bytes,
                                                                   status):
    started = time.monotonic()
    answer = exchange(server, request_bytes)
    assert time.monotonic() - started < 10  # hang guard: the server answers, it does not wait
    assert status_of(answer) == status, answer[:300]
    assert b"root:x:0:0" not in answer and b"[build-system]" not in answer
    assert b"Traceback" not in answer and b"Werkzeug" not in answer
    # The server still answers normally afterwards.
    assert status_of(exchange(server, b"GET /search?q=knalvuurwerk HTTP/1.0\r\n\r\n")) == 200


def test_a_query_string_within_the_limit_is_served(server):
    """The limit leaves room for any real search: a 20 KB query string is answered (the
    query itself is cut at 1000 characters)."""
    answer = exchange(server, b"GET /api/search?q=" + b"knalvuurwerk+" * 1500
                      + b" HTTP/1.0\r\n\r\n")
    assert status_of(answer) == 200
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["total"] >= 0


def test_markup_in_a_file_name_stays_text(tmp_path):
    """The source file is named on the document page, in the CSV and in the JSON."""
    name = 'verslag "><img src=x onerror=alert(1)>.txt'
    minutes = write_minutes(tmp_path / "notulen", {name: textwrap.dedent("""
        Verslag 2 maart 2021

        Kermis

        De kermisexploitant vraagt een vergunning.
        """)})
    assert run([minutes], IndexStore(tmp_path / "index")).failed == []
    client = create_app({"INDEX": tmp_path / "index", "TESTING": True}).test_client()
    [hit] = get(client, "/api/search?q=kermisexploitant").get_json()["hits"]
    assert hit["source"].endswith(name)
    page = assert_no_injected_markup(get(client, f"/doc/{hit['doc_id']}").get_data(as_text=True))
    assert any(part.endswith(name) for part in page.text)
