"""The site in a real browser: search, narrow, undo, read, share, and what it looks like.

Playwright drives Debian's Chromium against a live server on a free local port. Skipped (with
the reason) when the `playwright` package or a Chromium binary is missing; CI installs
Chromium, so there they run. No browser is ever downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from conftest import MINUTES, write_minutes
from werkzeug.serving import make_server

from index.pipeline import run
from index.store import IndexStore
from web import create_app

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 10_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The site over a small index, served by a thread on 127.0.0.1; yields its base URL."""
    folder = tmp_path_factory.mktemp("browser")
    minutes = write_minutes(folder / "notulen", MINUTES)
    assert run([minutes], IndexStore(folder / "index")).failed == []
    app = create_app({"INDEX": folder / "index", "BASE_URL": None})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium not installed (apt-get install -y chromium)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                              timeout=TIMEOUT_MS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile in Dutch, allowed to use the clipboard."""
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS



def search(page, live_server, words: str) -> None:
    page.goto(live_server + "/")
    page.get_by_label("Zoek in de vergaderstukken").fill(words)
    page.get_by_role("button", name="Zoeken").click()


def hit_titles(page) -> list[str]:
    texts = page.locator(".item-title").all_inner_texts()
    return [" ".join(t.split()).removeprefix("Agendapunt: ") for t in texts]


def test_search_narrow_by_facet_and_remove_the_chip(page, live_server):
    search(page, live_server, "knalvuurwerk")
    expect(page).to_have_url(live_server + "/search?q=knalvuurwerk")
    expect(page.get_by_role("heading", level=1)).to_contain_text("1 agendapunt")
    assert hit_titles(page) == ["Jaarwisseling"]
    expect(page.locator(".snippet mark").first).to_have_text("knalvuurwerk")

    filters = page.locator("#filters")
    filters.get_by_role("link", name=re.compile("^Regioburgemeester Bakker")).click()
    expect(page).to_have_url(re.compile(r"actor=Regioburgemeester\+Bakker$"))
    chip = page.get_by_role("link", name="Filter Actor: Regioburgemeester Bakker verwijderen")
    expect(chip).to_be_visible()

    chip.click()
    expect(page).to_have_url(live_server + "/search?q=knalvuurwerk")
    expect(page.locator(".chip")).to_have_count(0)


def test_a_hit_opens_its_document_at_the_agenda_item(page, live_server):
    page.set_viewport_size({"width": 1280, "height": 500})
    search(page, live_server, "taser")
    page.get_by_role("link", name="Agendapunt: Stroomstootwapen").click()
    expect(page).to_have_url(re.compile(r"/doc/\w+\?q=taser#\w+-stroomstootwapen$"))
    item = page.locator("section.agenda-item", has_text="Stroomstootwapen")
    expect(item).to_be_in_viewport()
    # The synonym is marked too: "taser" also searches "stroomstootwapen".
    expect(item.locator("mark")).to_have_text(["stroomstootwapen", "taser"])
    page.get_by_role("link", name="Terug naar de resultaten").click()
    expect(page).to_have_url(live_server + "/search?q=taser")


def test_a_copied_link_opens_the_same_results(page, context, live_server, artifacts):
    search(page, live_server, "korpschef")
    page.locator("#filters").get_by_role("link", name=re.compile("^2019 ")).click()
    expect(page.locator(".chip")).to_have_count(1)
    page.screenshot(path=str(artifacts / "results.png"), full_page=True)

    page.get_by_role("button", name="Kopieer link").click()
    expect(page.get_by_role("status").filter(has_text="Link gekopieerd")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.url == live_server + "/search?q=korpschef&from=2019-01-01&to=2019-12-31"

    other = context.new_page()
    other.goto(copied)
    assert hit_titles(other) == hit_titles(page) == ["Stroomstootwapen", "Ondermijning"]
    expect(other.get_by_role("heading", level=1)).to_have_text(
        page.get_by_role("heading", level=1).inner_text())


def test_everything_but_copying_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    try:
        page = context.new_page()
        search(page, live_server, "korpschef")
        expect(page.get_by_role("button", name="Kopieer link")).to_be_hidden()
        page.get_by_label("Vanaf").fill("2019-06-01")
        page.get_by_role("button", name="Toepassen").click()
        expect(page).to_have_url(live_server + "/search?q=korpschef&from=2019-06-01")
        assert sorted(hit_titles(page)) == ["Bodycams", "Ondermijning"]
    finally:
        context.close()


def test_the_page_fits_a_phone(page, live_server, artifacts):
    page.set_viewport_size({"width": 375, "height": 800})
    search(page, live_server, "korpschef")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    page.screenshot(path=str(artifacts / "results-phone.png"), full_page=True)
