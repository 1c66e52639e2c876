"""The web's small parts: URL parameters ⇄ search, Dutch dates, settings, and `serve`."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

import cli
from index.pipeline import run as index_run
from index.store import IndexStore
from search import SearchRequest
from web import config, create_app, dates, params, result_list


def args(query: str) -> MultiDict:
    return MultiDict([tuple(pair.split("=", 1)) for pair in query.split("&") if pair])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", SearchRequest()),
        ("q=knalvuurwerk", SearchRequest("knalvuurwerk")),
        ("actor=B&topic=A&actor=C&topic=A", SearchRequest(topics=("A",), actors=("B", "C"))),
        ("from=2019-01-01&to=2019-12-31",
         SearchRequest(date_from=dt.date(2019, 1, 1), date_to=dt.date(2019, 12, 31))),
        ("sort=oldest&page=3&per_page=20", SearchRequest(sort="oldest", page=3, per_page=20)),
        ("q=&from=&to=&sort=&page=&topic=", SearchRequest()),
        ("q=a\x00b", SearchRequest("a b")),
    ],
)
def test_parameters_make_a_search(query, expected):
    assert params.from_args(args(query)) == expected


def test_canonical_order_leaves_out_defaults():
    search = SearchRequest("x", topics=("T",), actors=("A",), date_from=dt.date(2020, 1, 1),
                           date_to=dt.date(2020, 2, 1), sort="newest", page=2, per_page=5)
    assert [name for name, _ in params.canonical_pairs(search)] == [
        "q", "topic", "actor", "from", "to", "sort", "per_page", "page"]
    assert params.canonical_pairs(SearchRequest()) == []
    assert params.query_string(search, omit=("page", "per_page")) == (
        "q=x&topic=T&actor=A&from=2020-01-01&to=2020-02-01&sort=newest")


def test_canonical_pairs_read_back_to_the_same_search():
    search = SearchRequest("a “b” OF c*", topics=("Jaarwisseling en vuurwerk",), page=4)
    assert params.from_args(MultiDict(params.canonical_pairs(search))) == search


def test_a_change_that_would_be_invalid_gives_no_link():
    full = SearchRequest(topics=tuple(f"t{i}" for i in range(20)))
    assert params.changed(full, topics=(*full.topics, "één te veel")) is None
    assert params.changed(full, page=2).page == 2


@pytest.mark.parametrize(
    ("query", "parameter", "words"),
    [
        ("sort=random", "sort", "kies relevance, newest of oldest"),
        ("page=-1", "page", "van 1 tot en met 1000"),
        ("page=twee", "page", "Ongeldig paginanummer ‘twee’"),
        ("per_page=0", "per_page", "van 1 tot en met 100"),
        ("from=2019-13-45", "from", "JJJJ-MM-DD"),
        ("from=2020-01-01&to=2019-01-01", "from", "ligt na de einddatum"),
        ("actor=" + "&actor=".join(str(i) for i in range(21)), "actor", "ten hoogste 20"),
    ],
)
def test_invalid_values_get_a_dutch_message_naming_the_parameter(query, parameter, words):
    with pytest.raises(params.InvalidParameter) as error:
        params.from_args(args(query))
    assert error.value.parameter == parameter
    assert words in error.value.message and f"parameter {parameter}" in error.value.message


def test_a_huge_value_is_shortened_in_the_message():
    with pytest.raises(params.InvalidParameter) as error:
        params.from_args(args("sort=" + "x" * 5000))
    assert len(error.value.message) < 200


@pytest.mark.parametrize(
    ("function", "value", "expected"),
    [
        (dates.long_date, "2022-03-14", "14 maart 2022"),
        (dates.long_date, None, "Datum onbekend"),
        (dates.long_time, "2026-11-22T09:05:17+01:00", "22 november 2026 om 09:05"),
        (dates.period_label, "2019", "2019"),
        (dates.period_label, "2019-10", "oktober 2019"),
        (dates.period_label, None, "Datum onbekend"),
        (dates.period_range, "2024-02", (dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
        (dates.period_range, "2023", (dt.date(2023, 1, 1), dt.date(2023, 12, 31))),
    ],
)
def test_dutch_dates_and_periods(function, value, expected):
    assert function(value) == expected


@pytest.mark.parametrize(
    ("first", "last", "period"),
    [("2019-01-01", "2019-12-31", "2019"), ("2019-10-01", "2019-10-31", "2019-10"),
     ("2019-10-01", "2019-10-30", None), ("2019-01-01", "2020-12-31", None)],
)
def test_a_date_range_that_is_exactly_a_year_or_month(first, last, period):
    assert dates.period_of(dt.date.fromisoformat(first), dt.date.fromisoformat(last)) == period


@pytest.mark.parametrize(
    ("query", "either"),
    [
        ("knalvuurwerk zomerfestival", "knalvuurwerk OF zomerfestival"),
        ('"extra capaciteit" korpschef', "extra OF capaciteit OF korpschef"),
        ("korpschef NIET taser bodycams -carbid", "korpschef OF bodycams"),
        ("knalvuurwerk OF zomerfestival", None),
        ("knalvuurwerk", None),
        ("korpschef -taser", None),
    ],
)
def test_the_search_with_of_offered_for_an_empty_result(query, either):
    assert result_list.with_of(query) == either


# -- settings -----------------------------------------------------------------------------------


@pytest.fixture
def clean_environment(monkeypatch):
    for variable in ("BESTUURSZOEKER_BASE_URL", "BESTUURSZOEKER_CONFIG", "BESTUURSZOEKER_INDEX"):
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_settings_come_from_the_environment(clean_environment, tmp_path):
    clean_environment.setenv("BESTUURSZOEKER_INDEX", str(tmp_path / "ix"))
    clean_environment.setenv("BESTUURSZOEKER_BASE_URL", "https://zoek.example.nl/")
    app = create_app()
    assert app.config["INDEX"] == tmp_path / "ix"
    assert app.config["BASE_URL"] == "https://zoek.example.nl"


def test_a_config_file_is_read_and_the_environment_wins(clean_environment, tmp_path):
    (tmp_path / "web.toml").write_text(
        'index = "ix"\nbase_url = "https://file.example.nl"\n', encoding="utf-8")
    clean_environment.setenv("BESTUURSZOEKER_CONFIG", str(tmp_path / "web.toml"))
    settings = config.load()
    assert settings["INDEX"] == tmp_path / "ix"  # relative to the config file
    assert settings["BASE_URL"] == "https://file.example.nl"
    clean_environment.setenv("BESTUURSZOEKER_BASE_URL", "https://env.example.nl")
    assert config.load()["BASE_URL"] == "https://env.example.nl"
    assert config.load({"BASE_URL": "https://arg.example.nl"})["BASE_URL"] == (
        "https://arg.example.nl")


def test_without_settings_the_index_is_the_clis_default(clean_environment, tmp_path):
    clean_environment.setenv("XDG_DATA_HOME", str(tmp_path))
    assert config.load()["INDEX"] == tmp_path / "bestuurszoeker" / "index"


@pytest.mark.parametrize(
    ("content", "words"),
    [('index = "x"\nport = 80\n', "unknown key 'port'"), ("index = 3\n", "must be a string"),
     ("index = [\n", "not valid TOML"), ('base_url = "intranet/zoek"\n', "not an absolute")],
)
def test_config_mistakes_are_named(clean_environment, tmp_path, content, words):
    (tmp_path / "web.toml").write_text(content, encoding="utf-8")
    with pytest.raises(config.ConfigError, match=words):
        config.load({"CONFIG_FILE": tmp_path / "web.toml"})


# -- serve --------------------------------------------------------------------------------------


def test_serve_runs_the_app_with_waitress_threads(clean_environment, tmp_path, monkeypatch):
    served = {}
    monkeypatch.setattr("waitress.serve", lambda app, **options: served.update(app=app, **options))
    code = cli.main(["serve", "--index", str(tmp_path / "ix"), "--port", "8123", "--threads", "3",
                     "--base-url", "https://zoek.example.nl"])
    assert code == 0
    assert (served["host"], served["port"], served["threads"]) == ("127.0.0.1", 8123, 3)
    assert served["app"].config["INDEX"] == tmp_path / "ix"
    assert served["app"].config["BASE_URL"] == "https://zoek.example.nl"


def test_serve_rejects_a_bad_base_url(clean_environment, tmp_path, capsys):
    assert cli.main(["serve", "--index", str(tmp_path), "--base-url", "zoek"]) == cli.EXIT_USAGE
    assert "not an absolute http(s) address" in capsys.readouterr().err


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_on_a_taken_port_says_which_and_stops(tmp_path, workers):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "cli", "serve", "--index", str(tmp_path / "ix"), "--port",
             str(port), "--workers", workers],
            cwd=Path(cli.__file__).parent, capture_output=True, text=True, timeout=60)
    assert done.returncode == cli.EXIT_USAGE
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


@contextlib.contextmanager
def _two_workers(minutes, tmp_path):
    """`serve --workers 2 --threads 2` over an index of the test minutes, once it answers a
    search: (port, the workers' process ids). Stopped with SIGTERM afterwards."""
    index_run([minutes], IndexStore(tmp_path / "ix"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--index", str(tmp_path / "ix"), "--port",
         str(port), "--workers", "2", "--threads", "2"],
        cwd=Path(cli.__file__).parent, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=knalvuurwerk",
                                            timeout=5) as response:
                    assert json.load(response)["total"] == 1
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        workers = [int(pid) for pid in subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()]
        yield port, workers
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


def test_serve_with_two_workers_answers_from_both_processes(minutes, tmp_path):
    """Two forked workers accept on one port; stopping the parent stops them all."""
    with _two_workers(minutes, tmp_path) as (_, workers):
        assert len(workers) == 2
    time.sleep(0.5)
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(
            f"/proc/{pid}/status").read_text().lower()


def _connections(pid: int) -> int:
    """Open TCP sockets of a process (its listening socket included)."""
    found = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            found += Path(fd).readlink().name.startswith("socket:")
        except OSError:
            continue
    return found


def test_two_workers_share_keep_alive_clients_evenly_and_survive_one_dying(minutes, tmp_path):
    """Keep-alive connections stay with the worker that accepted them: each worker takes
    one only while it holds no more than the other; a worker that dies holds nobody back."""
    import http.client

    clients = []

    def connect(port: int) -> None:
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        client.request("GET", "/api/search?q=knalvuurwerk")
        assert json.loads(client.getresponse().read())["total"] == 1
        clients.append(client)  # kept open: keep-alive

    with _two_workers(minutes, tmp_path) as (port, workers):
        try:
            time.sleep(0.3)  # the first search's connection is closed
            before = {pid: _connections(pid) for pid in workers}
            for _ in range(8):
                connect(port)
            held = sorted(_connections(pid) - before[pid] for pid in workers)
            assert held == [4, 4]

            # One worker killed: the other takes every new client, however many it holds.
            os.kill(workers[0], signal.SIGKILL)
            time.sleep(0.5)
            for _ in range(3):
                connect(port)
        finally:
            for client in clients:
                client.close()
