"""Re-indexing under load: the real server (`bestuurszoeker serve`) answers a crowd of
searchers while a full re-index of about 2,000 agenda items runs beside it.

The two generations are told apart by their content: the old minutes are from 2018–2019
and mention the kwartelkoning, the new ones are from 2022–2023 and mention the roerdomp, and
the new index holds more agenda items. Every answer must equal, as a whole, the answer of one
generation (computed afterwards in-process), so a page mixing both would be caught.
"""

from __future__ import annotations

import json
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from index.pipeline import run
from index.store import IndexStore
from search import SearchIndex, SearchRequest
from search import run as search_run

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 12
PAGES = 4
SETTLE_SECONDS = 20  # at most this long after the re-index …
LATE_ANSWERS = 100  # … the clients go on until this many answers were sent after it

PLACES = ["Utrecht", "Zeist", "Houten", "Nieuwegein", "Woerden", "IJsselstein", "Vianen"]
SUBJECTS = [
    ("Jaarwisseling", "het afsteken van vuurwerk en de schade aan bushokjes"),
    ("Cameratoezicht", "het plaatsen van camera's bij het station"),
    ("Ondermijning", "de aanpak van drugslabs in het buitengebied"),
    ("Evenementen", "de vergunning voor het zomerfestival"),
    ("Woninginbraken", "de daling van het aantal inbraken in de wijk"),
    ("Jeugdoverlast", "de hangplekken bij het winkelcentrum"),
    ("Verkeersveiligheid", "de snelheid van scooters op het fietspad"),
    ("Rondvraag", "een vraag over de bereikbaarheid van het gemeentehuis"),
]
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december"]


def write_generation(folder: Path, years: tuple[int, int], marker: str, files: int) -> None:
    """`files` fictional minutes of five agenda items each; every item names the burgemeester
    and the generation's marker bird."""
    rnd = random.Random(marker)
    folder.mkdir(parents=True)
    for number in range(files):
        year = years[number % 2]
        month, day = 1 + number % 12, 1 + number % 28
        lines = [f"Verslag veiligheidsoverleg {day} {MONTHS[month - 1]} {year}", ""]
        for heading, topic in rnd.sample(SUBJECTS, 5):
            place = rnd.choice(PLACES)
            lines += [heading, "",
                      f"De burgemeester van {place} bespreekt {topic}. Een bewoner meldt een "
                      f"{marker} bij de vergadering nummer {number}. De korpschef zegt "
                      f"{rnd.randint(2, 40)} extra agenten toe.", ""]
        path = folder / f"{year}" / f"verslag-{year}-{month:02d}-{day:02d}-{number}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


# Pages of several sizes: most requests are not in the result cache and really search.
REQUESTS = [f"/api/search?q=burgemeester&page={p}&per_page={n}"
            for p in range(1, PAGES + 1) for n in range(10, 21)] + [
    "/api/search?q=kwartelkoning", "/api/search?q=roerdomp", "/api/search?q=korpschef+agenten",
] + ["/search?q=burgemeester"] + [f"/search?q=burgemeester&page={p}" for p in range(2, PAGES + 1)]


def truth(index_dir: Path) -> dict[str, dict]:
    """What each request answers on the index as it is now, computed in-process."""
    index = SearchIndex(index_dir)
    answers = {}
    for path in REQUESTS:
        query, page, per_page = re.match(
            r".*q=([^&]+)(?:&page=(\d+))?(?:&per_page=(\d+))?", path).groups()
        request = SearchRequest(query.replace("+", " "), page=int(page or 1),
                                per_page=int(per_page or 10))
        results = search_run(request, index)
        answers[path] = results.as_json()
    return answers


def html_hits(page: str) -> list[str]:
    """Agenda item ids linked from a result page, in order."""
    found = re.findall(r'href="/doc/[0-9a-f]{12}[^"#]*#([0-9a-f]{12}-[a-z0-9-]+)"', page)
    return list(dict.fromkeys(found))  # a hit links its heading and its text


def generation_of(path: str, status: int, body: str, old: dict, new: dict) -> str | None:
    """'old' or 'new' when the whole answer is that generation's, else None."""
    if status != 200:
        return None
    for name, answers in (("old", old), ("new", new)):
        expected = answers[path]
        if path.startswith("/api/"):
            if json.loads(body) == expected:
                return name
        elif html_hits(body) == [h["section_id"] for h in expected["hits"]] and re.search(
                rf"\b{expected['total']} agendapunten\b", body):
            return name
    return None


def test_searches_during_a_full_reindex_see_one_whole_generation(tmp_path):
    old_source, new_source = tmp_path / "oud", tmp_path / "nieuw"
    write_generation(old_source, (2018, 2019), "kwartelkoning", 380)
    write_generation(new_source, (2022, 2023), "roerdomp", 400)
    index_dir = tmp_path / "index"
    assert run([old_source], IndexStore(index_dir)).failed == []
    old = truth(index_dir)
    assert old["/api/search?q=burgemeester&page=1&per_page=10"]["total"] == 380 * 5

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The log goes to a file: an unread pipe fills up and then blocks the server.
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--index", str(index_dir), "--port", str(port),
         "--threads", "8"], cwd=ROOT, stdout=log, stderr=log)
    answers: list[tuple[str, int, str, float]] = []  # path, status, body, time sent
    failures: list[str] = []
    stop = threading.Event()

    def client(number: int) -> None:
        rnd = random.Random(number)
        while not stop.is_set():
            path = rnd.choice(REQUESTS)
            sent = time.monotonic()
            try:
                status, body = fetch(base + path)
            except OSError as error:  # refused, reset, timed out: a failed request
                failures.append(f"{path}: {error!r}")
                continue
            answers.append((path, status, body, sent))

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if fetch(base + "/health")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "server did not start"
            time.sleep(0.1)
        clients = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in clients:
            thread.start()
        time.sleep(0.5)
        indexer = subprocess.run(
            [sys.executable, "-m", "cli", "index", str(new_source), "--index", str(index_dir),
             "--rebuild"], cwd=ROOT, capture_output=True, text=True, timeout=120)
        committed = time.monotonic()
        new = truth(index_dir)
        settle = committed + SETTLE_SECONDS
        while time.monotonic() < settle and sum(
                1 for *_, sent in list(answers) if sent > committed) < LATE_ANSWERS:
            time.sleep(0.1)
        stop.set()
        for thread in clients:
            thread.join(timeout=70)
        # Without a restart: the same server answers a new request from the new index.
        status, body = fetch(base + "/api/search?q=roerdomp")
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)
        log.close()

    assert indexer.returncode == 0, indexer.stderr
    assert failures == []
    assert new["/api/search?q=burgemeester&page=1&per_page=10"]["total"] == 400 * 5
    assert status == 200 and json.loads(body) == new["/api/search?q=roerdomp"]

    seen = {"old": 0, "new": 0}
    for path, status, body, _ in answers:
        assert status < 500, (path, status, body[:300])
        generation = generation_of(path, status, body, old, new)
        assert generation, f"{path} answered neither the old nor the new index: {body[:300]}"
        seen[generation] += 1
    assert seen["old"] > 0 and seen["new"] > 0, seen
    # A request sent after the re-index finished is answered from the new index.
    late = [generation_of(p, s, b, old, new) for p, s, b, t in answers if t > committed]
    assert len(late) >= LATE_ANSWERS and set(late) == {"new"}
