"""Speed: indexing, query latency, first query and HTTP, side by side with stock Whoosh.

    .venv/bin/python benchmarks/speed.py [--sizes 1000,10000,100000] [--queries 300] [--http]
                                         [--workers N] [--quick] [--profile] [--seed 7]
                                         [--workdir DIR] [--keep] [--json FILE]

For each corpus size it writes a deterministic corpus of fictional minutes
(`benchmarks/corpus.py`) and measures, through the product's public interfaces only:

* full indexing: `bestuurszoeker index FOLDER --index DIR` as a subprocess (process start
  included): agenda items/s, MB/s of text, index size on disk, peak memory (RSS);
* incremental indexing: one new meeting added to that index, the same command end to end;
* query latency over the same distinct queries (1-3 words, phrases, some with topic/actor/
  date filters) through `search.run(SearchRequest(...), SearchIndex(dir))`, which counts the
  facets and makes 10 highlighted snippets: warm (one process, after a warm-up) and "first
  query after open" (a new process opens the index and answers one query);
* with `--http`: `bestuurszoeker serve` on 127.0.0.1 under 1, 4 and 16 concurrent clients
  (keep-alive connections, every request a search not asked before), and the memory of the
  server's processes after each level;

and the same for a stock-Whoosh baseline built from the same corpus (stock schema with
`LanguageAnalyzer('nl')`, default writer, `groupedby` facets, `hit.highlights()`). It prints
one Markdown table per size with the targets of issue 5 beside the figures. Nothing leaves
the machine: the only network traffic is to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Run as a script: make `benchmarks.corpus` importable. Appended, not prepended, so that
    # the product code still comes from PYTHONPATH when it points at a snapshot of another
    # commit (see benchmarks/README.md).
    sys.path.append(str(ROOT))

from benchmarks import corpus  # noqa: E402  (stdlib only: children start fast)

# The product and Whoosh are imported inside the functions that use them, so that the
# "first query after open" child process measures their import and nothing else.

SEED = 7
FULL_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
HTTP_LEVELS = (1, 4, 16)

# Targets of issue 5 (stated for 100,000 agenda items on 2 cores).
TARGET_INDEX_RATE = 1_000  # agenda items per second, full indexing
TARGET_INCREMENTAL_S = 1.5
TARGET_MEDIAN_MS = 15
TARGET_P95_MS = 50
TARGET_FIRST_MS = 500
TARGET_SPEEDUP = 5
TARGET_HTTP_RPS = 100
TARGET_HTTP_P95_MS = 150
TARGET_RSS_MB = 400
TARGET_INDEX_RATIO = 3

# The query mix: how many words, and how often a filter narrows the search.
QUERY_KINDS = (("1 word", 0.42), ("2 words", 0.25), ("3 words", 0.13), ("phrase", 0.20))
FILTER_SHARES = (("topic", 0.12), ("actor", 0.08), ("date", 0.12))  # the rest: no filter
# Query words are the corpus's topical words (nouns, heading words, and sometimes one of its
# long-tail compounds), drawn with weight count**WORD_EXPONENT. Tuned so that a one-word
# query matches a median of a few per cent of the items, like the reference query of
# issue 5 (~2,300 of 50,000 sections).
WORD_EXPONENT = 0.8
COMPOUND_QUERY_SHARE = 0.15
WARMUP_QUERIES = 30
STATS_EVERY = 5  # every 5th agenda item feeds the query vocabulary

_WORD = re.compile(r"[a-zà-ÿ][a-zà-ÿ'-]*[a-zà-ÿ]")


# ------------------------------------------------------------------------------------------
# measuring subprocesses


def _child_env() -> dict[str, str]:
    """The environment without BESTUURSZOEKER_* settings of whoever runs the benchmark, and
    with Python's bytecode cache on: pip compiles an installed program's modules when it
    installs them, but a checkout measured with PYTHONDONTWRITEBYTECODE set (as on our
    machines) compiled the project's sources at every process start (~70 ms)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BESTUURSZOEKER_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "bestuurszoeker"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys, cli; sys.exit(cli.main())"]


def _tree(pid: int) -> set[int]:
    """A process and its descendants."""
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue  # the process ended meanwhile
    return found


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, now."""
    total = 0
    for current in _tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) * 1024
        except (OSError, AttributeError):
            continue
    return total


def run_measured(command: list[str]) -> dict:
    """Run a command; wall seconds, exit code, stdout, stderr and peak memory.

    Peak memory is the larger of the kernel's maximum RSS of the process (and of any waited-for
    child, via wait4) and the summed RSS of the process tree sampled every 50 ms, which also
    sees parallel workers that run at the same time.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=_child_env())
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], _tree_rss(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, not Popen
        out.seek(0)
        err.seek(0)
        return {
            "seconds": seconds,
            "code": process.returncode,
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
            "peak_rss": max(usage.ru_maxrss * 1024, peak[0]),
        }


def _checked(result: dict, what: str) -> dict:
    if result["code"] != 0:
        raise SystemExit(f"{what} failed with exit code {result['code']}:\n{result['stderr']}")
    return result


def disk_bytes(folder: Path) -> int:
    """Bytes on disk of the files under a folder; hard-linked files count once."""
    seen, total = set(), 0
    for path in folder.rglob("*"):
        if path.is_file():
            stat = path.stat()
            if (stat.st_dev, stat.st_ino) not in seen:
                seen.add((stat.st_dev, stat.st_ino))
                total += stat.st_size
    return total


# ------------------------------------------------------------------------------------------
# corpus and queries


def write_corpus(folder: Path, sections: int, seed: int) -> tuple[dict, dict]:
    """Write the corpus and gather, from every STATS_EVERY-th item, what queries are drawn
    from: word counts, the words of each item, and adjacent word pairs (for phrases)."""
    totals = {"meetings": 0, "sections": 0, "bytes": 0, "text_bytes": 0}
    counts: Counter = Counter()
    items: list[list[str]] = []
    pairs: Counter = Counter()
    made: set = set()
    for meeting in corpus.generate(sections, seed):
        totals["bytes"] += corpus.write_meeting(folder, meeting, seed, made)
        totals["meetings"] += 1
        for item in meeting["items"]:
            totals["sections"] += 1
            totals["text_bytes"] += len(item["heading"].encode()) + len(item["text"].encode())
            if totals["sections"] % STATS_EVERY:
                continue
            words = _WORD.findall(item["text"].lower())
            content = [w for w in words if len(w) >= 4 and w not in corpus.STOP_WORDS]
            counts.update(content)
            items.append(sorted(set(content)))
            pairs.update(
                f"{a} {b}" for a, b in zip(words, words[1:], strict=False)
                if len(a) >= 4 and len(b) >= 4
                and a not in corpus.STOP_WORDS and b not in corpus.STOP_WORDS
            )
    return totals, {"counts": counts, "items": items, "pairs": pairs}


class _Weighted:
    """Drawing from a Counter with weights count**exponent."""

    def __init__(self, counter: Counter, exponent: float):
        self.values = sorted(counter)
        self.cum = []
        total = 0.0
        for value in self.values:
            total += counter[value] ** exponent
            self.cum.append(total)

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cum)[0]


def make_queries(stats: dict, count: int, product_values: dict, stock_values: dict,
                 rng: random.Random, seed: int) -> list[dict]:
    """`count` distinct query specs (fewer if the corpus is too small to give that many).
    Words come from the corpus with a realistic frequency; the 2nd and
    3rd word come from an item that holds the 1st (people combine words that occur together).
    Topic and actor filters use a value of the product's facets, weighted by how often it
    occurs; the stock baseline, whose values come from the generator rather than the product's
    vocabularies, gets its value with the nearest number of agenda items, so that the filter
    narrows both about as much.
    """
    nouns, compounds = corpus.topical_words(seed)
    counts = stats["counts"]
    words = _Weighted(Counter({w: c for w, c in counts.items() if w in nouns}), WORD_EXPONENT)
    rare = _Weighted(Counter({w: c for w, c in counts.items() if w in compounds}), 1.0)
    pairs = _Weighted(Counter({
        p: c for p, c in stats["pairs"].items() if c >= 2 and p.split()[1] in nouns
    }), WORD_EXPONENT)
    holding: dict[str, list[int]] = defaultdict(list)
    for number, item_words in enumerate(stats["items"]):
        for word in item_words:
            holding[word].append(number)
    kinds, kind_weights = zip(*QUERY_KINDS, strict=True)
    filters = [name for name, _ in FILTER_SHARES] + [None]
    filter_weights = [share for _, share in FILTER_SHARES]
    filter_weights.append(1 - sum(filter_weights))
    queries: list[dict] = []
    seen: set[tuple] = set()
    attempts = 0
    while len(queries) < count and attempts < count * 50:
        attempts += 1
        kind = rng.choices(kinds, kind_weights)[0]
        if kind == "phrase":
            text = f'"{pairs.draw(rng)}"'
        else:
            first = (rare if rng.random() < COMPOUND_QUERY_SHARE else words).draw(rng)
            chosen = [first]
            neighbours = stats["items"][rng.choice(holding[first])]
            others = [w for w in neighbours if w != first and (w in nouns or w in compounds)]
            wanted = int(kind[0]) - 1
            if len(others) < wanted:
                continue
            weights = [counts[w] ** WORD_EXPONENT for w in others]
            while len(chosen) < wanted + 1:
                word = rng.choices(others, weights)[0]
                if word not in chosen:
                    chosen.append(word)
            text = " ".join(chosen)
        spec = {"q": text, "kind": kind, "filter": rng.choices(filters, filter_weights)[0]}
        if spec["filter"] in ("topic", "actor"):
            name = spec["filter"]
            values, weights = zip(*product_values[name], strict=True)
            rank = rng.choices(range(len(values)), weights)[0]
            spec[name] = values[rank]
            spec[f"stock_{name}"] = min(
                stock_values[name], key=lambda pair: (abs(pair[1] - weights[rank]), pair[0])
            )[0]
        elif spec["filter"] == "date":
            first_year = rng.randint(corpus.FIRST_DAY.year, corpus.LAST_DAY.year)
            last_year = first_year if rng.random() < 0.6 else min(
                corpus.LAST_DAY.year, first_year + rng.randint(1, 4)
            )
            spec["from"] = f"{first_year}-01-01"
            spec["to"] = f"{last_year}-12-31"
        # Every query once: the product caches results per index generation, and a repeated
        # query would measure that cache instead of the search.
        key = tuple(spec.get(name) for name in ("q", "topic", "actor", "from", "to"))
        if key not in seen:
            seen.add(key)
            queries.append(spec)
    return queries


# ------------------------------------------------------------------------------------------
# the product


def product_request(spec: dict):
    from search import SearchRequest

    return SearchRequest(
        query=spec["q"],
        topics=(spec["topic"],) if spec.get("topic") else (),
        actors=(spec["actor"],) if spec.get("actor") else (),
        date_from=dt.date.fromisoformat(spec["from"]) if spec.get("from") else None,
        date_to=dt.date.fromisoformat(spec["to"]) if spec.get("to") else None,
    )


def product_facet_values(index_dir: Path) -> dict:
    """(value, count) of the topic and actor facets over the whole index, most frequent first
    (what a search without words shows)."""
    from search import SearchIndex, SearchRequest, run

    results = run(SearchRequest(""), SearchIndex(index_dir))
    return {
        name: [(v.value, v.count) for v in results.facets[name] if v.value]
        for name in ("topic", "actor")
    }


def time_product(index_dir: Path, queries: list[dict], warmup: list[dict]) -> list[dict]:
    """Warm latency of every query: one open index, warmed up with other queries first."""
    from search import SearchIndex
    from search import run as search

    index = SearchIndex(index_dir)
    for spec in warmup:
        search(product_request(spec), index)
    timings = []
    for spec in queries:
        request = product_request(spec)
        started = time.perf_counter()
        results = search(request, index)
        elapsed = time.perf_counter() - started
        timings.append({"ms": elapsed * 1000, "matches": results.total,
                        "notice": results.notice is not None})
    return timings


def profile_product(index_dir: Path, queries: list[dict], warmup: list[dict],
                    top: int = 25) -> str:
    """cProfile of the warm query path, sorted by cumulative time."""
    import cProfile
    import io
    import pstats

    from search import SearchIndex
    from search import run as search

    index = SearchIndex(index_dir)
    for spec in warmup:  # not the profiled queries: their results would come from the cache
        search(product_request(spec), index)
    requests = [product_request(spec) for spec in queries]
    profiler = cProfile.Profile()
    profiler.enable()
    for request in requests:
        search(request, index)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def child_first_query(index_dir: str, spec_json: str) -> None:
    """In a new process: import the product, open the index, answer one query."""
    started = time.perf_counter()
    from search import SearchIndex
    from search import run as search

    imported = time.perf_counter()
    results = search(product_request(json.loads(spec_json)), SearchIndex(index_dir))
    answered = time.perf_counter()
    print(json.dumps({"import_ms": (imported - started) * 1000,
                      "first_ms": (answered - imported) * 1000, "matches": results.total}))


# ------------------------------------------------------------------------------------------
# stock Whoosh


def stock_schema():
    from whoosh import fields
    from whoosh.analysis import LanguageAnalyzer

    analyzer = LanguageAnalyzer("nl")
    return fields.Schema(
        section_id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=analyzer, stored=True),
        heading=fields.TEXT(analyzer=analyzer, stored=True),
        text=fields.TEXT(analyzer=analyzer, stored=True),
        date=fields.ID(stored=True),
        year=fields.ID(stored=True),
        topic=fields.KEYWORD(stored=True, commas=True),
        actor=fields.KEYWORD(stored=True, commas=True),
    )


def child_stock_build(index_dir: str, sections: str, seed: str) -> None:
    """In a new process: build the stock index from the same corpus (generated again, the
    generator is deterministic). Topics and actors are the generator's own annotation: the
    themes of an item's sentences and the roles and people it names (the product extracts its
    own with its vocabularies). Prints timings and facet value counts."""
    from whoosh import index

    folder = Path(index_dir)
    folder.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(folder, stock_schema())
    writer = ix.writer()  # the default writer: one process, limitmb=128
    writing = 0.0
    counts: dict[str, Counter] = {"topic": Counter(), "actor": Counter()}
    for meeting in corpus.generate(int(sections), int(seed)):
        for number, item in enumerate(meeting["items"]):
            topics = list(dict.fromkeys([*item["themes"], *meeting["topics"]]))
            actors = list(dict.fromkeys([*meeting["actors"], *item["actors"]]))
            counts["topic"].update(topics)
            counts["actor"].update(actors)
            started = time.perf_counter()
            writer.add_document(
                section_id=f"{meeting['path']}#{number}", title=meeting["title"],
                heading=item["heading"], text=item["text"], date=meeting["date"].isoformat(),
                year=str(meeting["date"].year), topic=",".join(topics), actor=",".join(actors),
            )
            writing += time.perf_counter() - started
    started = time.perf_counter()
    writer.commit()
    writing += time.perf_counter() - started
    print(json.dumps({
        "seconds": writing,
        "values": {name: counter.most_common() for name, counter in counts.items()},
    }))


class Stock:
    """Stock Whoosh searching: AND of the words over title, heading and text; year, topic and
    actor facets through `groupedby`; `highlights()` of the text for the 10 hits shown."""

    def __init__(self, index_dir):
        from whoosh import index, qparser, sorting

        self.ix = index.open_dir(str(index_dir))
        self.searcher = self.ix.searcher()
        self.parser = qparser.MultifieldParser(["title", "heading", "text"], self.ix.schema)
        # Count maps return counts (what a facet shows), cheaper than Whoosh's default lists.
        self.facets = {
            "year": sorting.FieldFacet("year", maptype=sorting.Count),
            "topic": sorting.FieldFacet("topic", allow_overlap=True, maptype=sorting.Count),
            "actor": sorting.FieldFacet("actor", allow_overlap=True, maptype=sorting.Count),
        }

    def search(self, spec: dict) -> int:
        from whoosh import query

        parsed = self.parser.parse(spec["q"])
        narrowing = []
        if spec.get("stock_topic"):
            narrowing.append(query.Term("topic", spec["stock_topic"]))
        if spec.get("stock_actor"):
            narrowing.append(query.Term("actor", spec["stock_actor"]))
        if spec.get("from"):
            narrowing.append(query.TermRange("date", spec["from"], spec["to"]))
        results = self.searcher.search(
            parsed, limit=10, groupedby=self.facets,
            filter=query.And(narrowing) if narrowing else None,
        )
        for name in self.facets:
            results.groups(name)
        for hit in results:
            hit.highlights("text")
        return len(results)


def time_stock(index_dir: Path, queries: list[dict], warmup: list[dict]) -> list[dict]:
    stock = Stock(index_dir)
    for spec in warmup:
        stock.search(spec)
    timings = []
    for spec in queries:
        started = time.perf_counter()
        matches = stock.search(spec)
        timings.append({"ms": (time.perf_counter() - started) * 1000, "matches": matches})
    return timings


def child_stock_first_query(index_dir: str, spec_json: str) -> None:
    started = time.perf_counter()
    import whoosh.index  # noqa: F401 - the import is what is measured here
    import whoosh.qparser  # noqa: F401

    imported = time.perf_counter()
    matches = Stock(index_dir).search(json.loads(spec_json))
    answered = time.perf_counter()
    print(json.dumps({"import_ms": (imported - started) * 1000,
                      "first_ms": (answered - imported) * 1000, "matches": matches}))


def first_queries(child: str, index_dir: Path, queries: list[dict], repeats: int) -> dict:
    """Median over `repeats` new processes of import time and open + first query time."""
    runs = []
    for spec in queries[:repeats]:
        result = _checked(run_measured(
            [sys.executable, str(Path(__file__).resolve()), "--child", child, str(index_dir),
             json.dumps(spec)]
        ), child)
        runs.append(json.loads(result["stdout"]))
    return {
        "import_ms": statistics.median(r["import_ms"] for r in runs),
        "first_ms": statistics.median(r["first_ms"] for r in runs),
        "first_max_ms": max(r["first_ms"] for r in runs),
        "repeats": repeats,
    }


# ------------------------------------------------------------------------------------------
# HTTP


def _memory(pid: int) -> dict[str, int]:
    """RSS and PSS (bytes), summed over a process and its descendants. With forked workers
    the RSS sum counts shared pages once per worker; PSS shares them out fairly."""
    total = {"rss": 0, "pss": 0}
    for current in _tree(pid):
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
        except OSError:
            continue
        for name, key in (("rss", "Rss"), ("pss", "Pss")):
            found = re.search(rf"^{key}:\s+(\d+) kB", rollup, re.MULTILINE)
            total[name] += int(found.group(1)) * 1024 if found else 0
    return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def search_path(spec: dict) -> str:
    """`/search?…` with the parameters in the site's canonical order (q, topic, actor, from,
    to), so that no request is answered with a redirect."""
    pairs = [("q", spec["q"])]
    pairs += [(name, spec[name]) for name in ("topic", "actor", "from", "to") if spec.get(name)]
    return "/search?" + urlencode(pairs)


def _get(port: int, path: str, timeout: float = 30) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def load(port: int, paths: list[str], cursor: list[int], clients: int, max_requests: int,
         seconds: float) -> dict:
    """`clients` threads, each with a keep-alive connection, send GET requests until
    `max_requests` are done or `seconds` have passed. They take the next path from `paths` at
    `cursor`, which moves on across calls, so no level repeats another's (cached) searches."""
    lock = threading.Lock()
    issued = [0]
    latencies: list[float] = []
    statuses: Counter = Counter()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < deadline:
            with lock:
                if issued[0] >= max_requests:
                    break
                path = paths[cursor[0] % len(paths)]
                cursor[0] += 1
                issued[0] += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = "error"
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed * 1000)
                statuses[status] += 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"clients": clients, "requests": len(latencies), "seconds": elapsed,
            "rps": len(latencies) / elapsed, "median_ms": percentile(latencies, 50),
            "p95_ms": percentile(latencies, 95), "statuses": dict(statuses)}


class HttpFailed(Exception):
    """The server did not start or did not become healthy."""


def http_bench(index_dir: Path, warmup: list[dict], queries: list[dict], max_requests: int,
               seconds: float, workers: int) -> dict:
    """`bestuurszoeker serve` on a free port of 127.0.0.1, warmed up, then loaded with
    HTTP_LEVELS concurrent clients in turn; memory of its processes after each level."""
    port = free_port()
    log = tempfile.TemporaryFile()
    command = [*_cli(), "serve", "--index", str(index_dir), "--host", "127.0.0.1",
               "--port", str(port), "--threads", "8"]
    if workers > 1:  # only then: the option does not exist in older versions
        command += ["--workers", str(workers)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, env=_child_env())
    processes: set[int] = {server.pid}
    try:
        started = time.perf_counter()
        status = None
        while status != 200:
            if server.poll() is not None:
                log.seek(0)
                raise HttpFailed(f"the server stopped:\n{log.read().decode()[-2000:]}")
            try:
                status = _get(port, "/health", timeout=5)
            except OSError:
                pass
            if status != 200 and time.perf_counter() - started > 60:
                log.seek(0)
                raise HttpFailed(f"/health answered {status} for 60 s:\n"
                                 f"{log.read().decode()[-2000:]}")
            time.sleep(0.1)
        ready = time.perf_counter() - started
        processes |= _tree(server.pid)
        memory_started = _memory(server.pid)
        for spec in warmup:
            _get(port, search_path(spec))
        paths = [search_path(spec) for spec in queries]
        cursor = [0]
        levels = []
        for clients in HTTP_LEVELS:
            levels.append(load(port, paths, cursor, clients, max_requests, seconds))
            # Memory after each level shows what more concurrent clients cost.
            levels[-1]["memory"] = _memory(server.pid)
        return {"levels": levels, "memory": levels[-1]["memory"],
                "memory_started": memory_started, "ready_s": ready, "workers": workers,
                "distinct_paths": len(paths)}
    finally:
        processes |= _tree(server.pid)
        server.terminate()  # the server stops its own workers on SIGTERM
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        for pid in processes - {server.pid}:  # a worker that outlived it: ours, so stop it
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        log.close()


# ------------------------------------------------------------------------------------------
# one size


def percentile(values, p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def bench_size(sections: int, args, workdir: Path) -> dict:
    say = _progress
    folder = workdir / f"corpus-{sections}"
    index_dir = workdir / f"index-{sections}"
    stock_dir = workdir / f"stock-{sections}"
    figures: dict = {"sections": sections}

    say(f"{sections:,} items: writing the corpus")
    started = time.perf_counter()
    totals, stats = write_corpus(folder, sections, args.seed)
    figures["corpus"] = totals | {"seconds": time.perf_counter() - started}

    say(f"{sections:,} items: full indexing (bestuurszoeker index)")
    full = _checked(run_measured(
        [*_cli(), "index", str(folder), "--index", str(index_dir), "--json", "--wait", "0"]
    ), "bestuurszoeker index")
    report = json.loads(full["stdout"])
    if report["totals"]["sections"] != sections:
        say(f"warning: the index holds {report['totals']['sections']} agenda items, "
            f"the corpus has {sections}")
    figures["index"] = {"seconds": full["seconds"], "peak_rss": full["peak_rss"],
                        "bytes": disk_bytes(index_dir), "run_seconds": report["seconds"],
                        "indexed_sections": report["totals"]["sections"]}

    say(f"{sections:,} items: incremental indexing, {args.incremental} x one new meeting")
    runs = []
    for number in range(1, args.incremental + 1):
        meeting = corpus.extra_meeting(args.seed, number)
        corpus.write_meeting(folder, meeting, args.seed)
        result = _checked(run_measured(
            [*_cli(), "index", str(folder), "--index", str(index_dir), "--json", "--wait", "0"]
        ), "incremental bestuurszoeker index")
        added = json.loads(result["stdout"])["totals"]["added"]
        if added != 1:
            say(f"warning: the incremental run added {added} files, not 1")
        runs.append(result["seconds"])
    figures["incremental"] = {"median_s": statistics.median(runs), "max_s": max(runs),
                              "runs": runs}

    say(f"{sections:,} items: stock Whoosh index (default writer)")
    stock_build = _checked(run_measured(
        [sys.executable, str(Path(__file__).resolve()), "--child", "stock-build",
         str(stock_dir), str(sections), str(args.seed)]
    ), "stock Whoosh build")
    stock_report = json.loads(stock_build["stdout"])
    figures["stock_index"] = {"seconds": stock_report["seconds"],
                              "peak_rss": stock_build["peak_rss"],
                              "bytes": disk_bytes(stock_dir)}

    rng = random.Random(f"queries-{args.seed}-{sections}")
    product_values = product_facet_values(index_dir)
    stock_values = {name: [tuple(v) for v in values]
                    for name, values in stock_report["values"].items()}
    http_count = len(HTTP_LEVELS) * args.http_requests + WARMUP_QUERIES if args.http else 0
    every = make_queries(stats, WARMUP_QUERIES + args.queries + http_count, product_values,
                         stock_values, rng, args.seed)
    warmup, queries = every[:WARMUP_QUERIES], every[WARMUP_QUERIES:][:args.queries]
    http_queries = every[WARMUP_QUERIES + len(queries):]
    figures["queries"] = queries

    say(f"{sections:,} items: {len(queries)} warm queries, Bestuurszoeker")
    figures["product_queries"] = time_product(index_dir, queries, warmup)
    say(f"{sections:,} items: {len(queries)} warm queries, stock Whoosh")
    figures["stock_queries"] = time_stock(stock_dir, queries, warmup)

    say(f"{sections:,} items: first query after open, {args.first_repeats} new processes each")
    figures["first"] = first_queries("first-query", index_dir, queries, args.first_repeats)
    figures["stock_first"] = first_queries("stock-first-query", stock_dir, queries,
                                           args.first_repeats)

    if args.profile:
        say(f"{sections:,} items: profiling the warm query path")
        figures["profile"] = profile_product(index_dir, queries, warmup)

    if args.http:
        say(f"{sections:,} items: HTTP load at {', '.join(map(str, HTTP_LEVELS))} clients")
        try:
            figures["http"] = http_bench(
                index_dir, http_queries[:WARMUP_QUERIES], http_queries[WARMUP_QUERIES:] or queries,
                args.http_requests, args.http_seconds, args.workers,
            )
        except HttpFailed as exc:  # the other figures are still worth printing
            say(f"HTTP measurement failed: {exc}")
            figures["http_error"] = str(exc)

    if not args.keep:
        for path in (folder, index_dir, stock_dir):
            shutil.rmtree(path, ignore_errors=True)
    return figures


# ------------------------------------------------------------------------------------------
# the table


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def _ms(n: float) -> str:
    return f"{n:,.1f} ms" if n < 100 else f"{n:,.0f} ms"


def _met(ok: bool | None) -> str:
    return "" if ok is None else ("yes" if ok else "**no**")


def _speedup(stock: float, ours: float) -> str:
    return f"{stock / ours:.1f}×" if ours > 0 else ""


def table(f: dict) -> str:
    """The Markdown table of one size."""
    text_bytes = f["corpus"]["text_bytes"]
    n = f["sections"]
    rate = n / f["index"]["seconds"]
    stock_rate = n / f["stock_index"]["seconds"]
    ours = [q["ms"] for q in f["product_queries"]]
    stock = [q["ms"] for q in f["stock_queries"]]
    o50, o95, omax = percentile(ours, 50), percentile(ours, 95), max(ours)
    s50, s95, smax = percentile(stock, 50), percentile(stock, 95), max(stock)
    ratio = f["index"]["bytes"] / text_bytes
    stock_ratio = f["stock_index"]["bytes"] / text_bytes
    inc = f["incremental"]
    first, stock_first = f["first"], f["stock_first"]
    rows = [
        ("full indexing: agenda items/s", f"{rate:,.0f}", f"{stock_rate:,.0f}",
         _speedup(1 / stock_rate, 1 / rate), f"≥ {TARGET_INDEX_RATE:,}",
         _met(rate >= TARGET_INDEX_RATE)),
        ("full indexing: MB of text/s", f"{text_bytes / 1e6 / f['index']['seconds']:.2f}",
         f"{text_bytes / 1e6 / f['stock_index']['seconds']:.2f}", "", "", ""),
        ("full indexing: seconds", f"{f['index']['seconds']:,.1f}",
         f"{f['stock_index']['seconds']:,.1f}", "", "", ""),
        ("full indexing: peak memory (RSS)", _mb(f["index"]["peak_rss"]),
         _mb(f["stock_index"]["peak_rss"]), "", "", ""),
        ("index on disk (× text)", f"{_mb(f['index']['bytes'])} ({ratio:.1f}×)",
         f"{_mb(f['stock_index']['bytes'])} ({stock_ratio:.1f}×)", "",
         f"≤ {TARGET_INDEX_RATIO}× text", _met(ratio <= TARGET_INDEX_RATIO)),
        (f"incremental: one meeting, end to end (median of {len(inc['runs'])})",
         f"{inc['median_s']:.2f} s", "", "", f"≤ {TARGET_INCREMENTAL_S} s",
         _met(inc["median_s"] <= TARGET_INCREMENTAL_S)),
        (f"query, warm: median ({len(ours)} queries)", _ms(o50), _ms(s50), _speedup(s50, o50),
         f"≤ {TARGET_MEDIAN_MS} ms; ≥ {TARGET_SPEEDUP}× stock",
         _met(o50 <= TARGET_MEDIAN_MS and s50 / o50 >= TARGET_SPEEDUP)),
        ("query, warm: p95", _ms(o95), _ms(s95), _speedup(s95, o95), f"≤ {TARGET_P95_MS} ms",
         _met(o95 <= TARGET_P95_MS)),
        ("query, warm: max", _ms(omax), _ms(smax), _speedup(smax, omax), "", ""),
        (f"first query after open: open + query (median of {first['repeats']} processes)",
         _ms(first["first_ms"]), _ms(stock_first["first_ms"]),
         _speedup(stock_first["first_ms"], first["first_ms"]), f"≤ {TARGET_FIRST_MS} ms",
         _met(first["first_ms"] <= TARGET_FIRST_MS)),
        ("first query after open: imports before it", _ms(first["import_ms"]),
         _ms(stock_first["import_ms"]), "", "", ""),
    ]
    if "http_error" in f:
        rows.append(("HTTP `/search`", "failed: " + f["http_error"].splitlines()[0], "", "",
                     "", ""))
    if "http" in f:
        workers = f" ({f['http']['workers']} workers)" if f["http"]["workers"] > 1 else ""
        for level in f["http"]["levels"]:
            errors = sum(c for s, c in level["statuses"].items() if s != 200)
            target, met = "", None
            if level["clients"] == max(HTTP_LEVELS):
                target = f"≥ {TARGET_HTTP_RPS} req/s, p95 ≤ {TARGET_HTTP_P95_MS} ms"
                met = level["rps"] >= TARGET_HTTP_RPS and level["p95_ms"] <= TARGET_HTTP_P95_MS
            rows.append((
                f"HTTP `/search`{workers}, {level['clients']} "
                f"client{'s' * (level['clients'] > 1)}: "
                "req/s · median / p95",
                f"{level['rps']:,.1f} · {_ms(level['median_ms'])} / {_ms(level['p95_ms'])}"
                + (f" ({errors} not 200)" if errors else ""), "", "", target, _met(met),
            ))
        after = " → ".join(_mb(level["memory"]["rss"]) for level in f["http"]["levels"])
        levels = ", ".join(str(level["clients"]) for level in f["http"]["levels"])
        memory = f["http"]["memory"]
        shown = f"{_mb(f['http']['memory_started']['rss'])} → {after}"
        if f["http"]["workers"] > 1:
            shown += f" (PSS {_mb(memory['pss'])})"
        rows.append((f"server memory (RSS): started → after {levels} clients",
                     shown, "", "", f"≤ {TARGET_RSS_MB} MB",
                     _met(min(memory["rss"], memory["pss"] or memory["rss"])
                          <= TARGET_RSS_MB * 1e6)))
    lines = [
        f"#### {n:,} agenda items: {f['corpus']['meetings']:,} meetings, "
        f"{text_bytes / 1e6:,.1f} MB of text",
        "",
        "| measure | Bestuurszoeker | stock Whoosh | speed-up (stock ÷ ours) | target | met |",
        "|---|--:|--:|--:|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def kinds_table(f: dict) -> str:
    """Warm latency per kind of query, with the number of matches."""
    groups: dict[str, list[int]] = defaultdict(list)
    for number, spec in enumerate(f["queries"]):
        groups[spec["kind"]].append(number)
        groups["with a filter" if spec["filter"] else "without a filter"].append(number)
        groups["all"].append(number)
    notices = sum(q["notice"] for q in f["product_queries"])
    lines = [
        "| queries | n | matches, median (ours / stock) | ours median / p95 | "
        "stock median / p95 | speed-up (median) |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    order = [k for k, _ in QUERY_KINDS] + ["with a filter", "without a filter", "all"]
    for name in order:
        chosen = groups.get(name, [])
        if not chosen:
            continue
        ours = [f["product_queries"][i] for i in chosen]
        stock = [f["stock_queries"][i] for i in chosen]
        o = [q["ms"] for q in ours]
        s = [q["ms"] for q in stock]
        lines.append(
            f"| {name} | {len(chosen)} | "
            f"{statistics.median(q['matches'] for q in ours):,.0f} / "
            f"{statistics.median(q['matches'] for q in stock):,.0f} | "
            f"{_ms(percentile(o, 50))} / {_ms(percentile(o, 95))} | "
            f"{_ms(percentile(s, 50))} / {_ms(percentile(s, 95))} | "
            f"{_speedup(percentile(s, 50), percentile(o, 50))} |"
        )
    lines.append("")
    lines.append(f"{len(f['queries'])} distinct queries; {notices} got a notice from the product "
                 "(most often: no item has all words, searched again with any of them).")
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = found.group(1).strip() if found else cpu
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=False).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "index", "search", "web",
             "cli.py"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit, dirty = "", ""
    code = f"commit {commit}" + (" with uncommitted changes in index/search/web" if dirty else "")
    import search  # where the measured product code came from (PYTHONPATH may override)

    location = Path(search.__file__).resolve().parent.parent
    if location != ROOT:
        code = f"product code from {location}; this checkout at {code}"
    return (f"{dt.date.today().isoformat()}, {os.cpu_count()} CPUs ({cpu}), Python "
            f"{platform.python_version()}, {code}")


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------


CHILDREN = {
    "stock-build": child_stock_build,
    "first-query": child_first_query,
    "stock-first-query": child_stock_first_query,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:  # the benchmark's own measuring subprocesses
        CHILDREN[argv[1]](*argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=None,
                        help="corpus sizes in agenda items, comma-separated "
                        "(default 1000,10000,100000; with --quick 1000,10000)")
    parser.add_argument("--queries", type=int, default=None,
                        help="queries per size (default 300; with --quick 100)")
    parser.add_argument("--http", action="store_true",
                        help="also measure `bestuurszoeker serve` under load (127.0.0.1 only)")
    parser.add_argument("--workers", type=int, default=1,
                        help="with --http: `serve --workers N` (default 1: one process)")
    parser.add_argument("--quick", action="store_true",
                        help="1k and 10k only, fewer queries and shorter HTTP levels")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of the warm query path (cumulative) per size")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where corpus and indexes are written (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep corpus and indexes")
    parser.add_argument("--json", type=Path, default=None, help="also write all figures here")
    args = parser.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(
        QUICK_SIZES if args.quick else FULL_SIZES
    )
    args.queries = args.queries or (100 if args.quick else 300)
    args.first_repeats = 3 if args.quick else 5
    args.incremental = 2 if args.quick else 3
    args.http_requests = 1000 if args.quick else 3000
    args.http_seconds = 4.0 if args.quick else 10.0

    own_workdir = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="bestuurszoeker-speed-")) if own_workdir \
        else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for sections in sizes:
            results.append(bench_size(sections, args, workdir))
            print(table(results[-1]), end="\n\n")
            print(kinds_table(results[-1]), end="\n\n", flush=True)
            if args.profile:
                print("```\n" + results[-1]["profile"].strip() + "\n```\n", flush=True)
    finally:
        if own_workdir and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"Measured {machine()}.")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
