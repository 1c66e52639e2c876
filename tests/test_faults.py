"""Injected faults: a damaged index, a full or read-only disk, stale locks, two indexers.

Each test breaks something on purpose and asserts what a user then sees: a clear message
naming the index folder and what to do, a distinct exit code, no traceback, and the previous
index intact and searchable.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import write_minutes

import cli
from index.pipeline import run
from index.store import IndexStore
from web import create_app

ROOT = Path(__file__).resolve().parent.parent
EXIT_LOCKED, EXIT_INDEX, EXIT_UNWRITABLE = 3, 4, 5


def bz(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def bz_process(*args, preexec_fn=None, prefix=(), timeout=120):
    """The CLI in its own process (for resource limits, mounts and kills)."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "cli", *map(str, args)], cwd=ROOT, capture_output=True,
        text=True, timeout=timeout, preexec_fn=preexec_fn,
    )


def headings(index_dir, query):
    from search import SearchIndex, SearchRequest
    from search import run as search_run

    results = search_run(SearchRequest(query, per_page=100), SearchIndex(index_dir))
    return sorted(hit.section for hit in results.hits)


def live_folder(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text().strip()


def folders(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.is_dir())


# -- damaged index -------------------------------------------------------------------------


def _segment(index_dir: Path, kind: str = "trm") -> Path:
    """A file of the live generation's segment: its term index (`trm`), postings (`pst`), …"""
    return next(live_folder(index_dir).glob(f"MAIN_*.{kind}"))


def _garble_stored_fields(index_dir: Path) -> None:
    """Overwrite the middle of the segment's stored fields, keeping its size: only a search
    that shows hits reads them, so the damage surfaces in the middle of a search."""
    stored = next(live_folder(index_dir).glob("MAIN_*._stored.col"))
    data = bytearray(stored.read_bytes())
    length = len(data)
    data[length // 4 : 3 * length // 4] = b"\xff" * (length // 2)
    stored.write_bytes(bytes(data))


DAMAGE = {
    "truncated segment": lambda d: os.truncate(_segment(d), _segment(d).stat().st_size // 2),
    "missing segment": lambda d: _segment(d, "pst").unlink(),
    "truncated flat postings": lambda d: os.truncate(_segment(d, "flat"), 100),
    "garbled segment": _garble_stored_fields,
    "garbage in CURRENT": lambda d: (d / "CURRENT").write_bytes(b"\x00\xff\xfe kapot"),
    "missing manifest": lambda d: (live_folder(d) / "manifest.json").unlink(),
    "missing list of files": lambda d: (live_folder(d) / "files.json").unlink(),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_index_says_so_and_a_rebuild_recovers(capsys, minutes, index_dir, damage):
    run([minutes], IndexStore(index_dir))
    # The site runs from before the damage (it opens the index at the first request: a
    # segment truncated under an open index is another matter, see the README).
    client = create_app({"INDEX": index_dir, "TESTING": True}).test_client()
    DAMAGE[damage](index_dir)

    for command in (["search", "burgemeester"], ["info"]):
        code, _, err = bz(capsys, *command, "--index", index_dir)
        assert code == EXIT_INDEX, (command, err)
        assert f"the index in {index_dir} is damaged" in err
        assert "re-index with `bestuurszoeker index --rebuild" in err
        assert "Traceback" not in err

    page = client.get("/search?q=burgemeester")
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "beschadigd" in text and "bestuurszoeker index --rebuild" in text
    assert "Traceback" not in text
    answer = client.get("/api/search?q=burgemeester")
    assert answer.status_code == 503 and answer.json["error"]["index"] == "damaged"
    assert client.get("/health").json == {"status": "unavailable", "index": "damaged"}

    # A run that changes something refuses to build on the damage; a rebuild recovers, and
    # the running site follows without a restart.
    write_minutes(minutes, {"nieuw.txt": "Cybercrime\n\nPhishing bij gemeenten neemt toe.\n"})
    code, _, err = bz(capsys, "index", minutes, "--index", index_dir)
    assert code == EXIT_INDEX and "--rebuild" in err
    code, _, err = bz(capsys, "index", minutes, "--index", index_dir, "--rebuild")
    assert code == 0, err
    assert headings(index_dir, "knalvuurwerk") == ["Jaarwisseling"]
    assert client.get("/search?q=knalvuurwerk").status_code == 200
    assert client.get("/api/search?q=knalvuurwerk").json["total"] == 1
    assert client.get("/health").json["status"] == "ok"
    assert bz(capsys, "info", "--index", index_dir)[0] == 0
    assert len(folders(index_dir)) <= 2


def test_a_search_that_fails_on_intact_files_is_not_called_damage(minutes, index_dir,
                                                                   monkeypatch):
    """Only files that differ from their checksums make an index 'damaged': a bug stays a
    bug (a 500 for the web, a traceback in the log) instead of sending people to rebuild."""
    import search.engine

    run([minutes], IndexStore(index_dir))
    monkeypatch.setattr(search.engine, "_hit", lambda *a: 1 / 0)
    client = create_app({"INDEX": index_dir}).test_client()
    assert client.get("/api/search?q=burgemeester").status_code == 500
    assert client.get("/health").json["status"] == "ok"


# -- disk full and read-only ---------------------------------------------------------------


def _limit_file_size(limit: int):
    def apply():
        # Without SIGXFSZ ignored, exceeding the limit kills the process instead of failing
        # the write with EFBIG, which is what a full disk (ENOSPC) looks like to the program.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def _assert_unwritable_run_kept_the_index(proc, index_dir, before, reason):
    assert proc.returncode == EXIT_UNWRITABLE, proc.stderr
    assert f"cannot write the index in {index_dir}: {reason}" in proc.stderr
    assert "previous index is unchanged" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (index_dir / "CURRENT").read_text().strip() == before
    assert headings(index_dir, "knalvuurwerk") == ["Jaarwisseling"]
    assert headings(index_dir, "phishing") == []
    IndexStore(index_dir).check()


@pytest.mark.parametrize("limit", [0, 16_000], ids=["nothing fits", "segment does not fit"])
def test_a_full_disk_fails_clearly_and_keeps_the_previous_index(minutes, index_dir, limit):
    run([minutes], IndexStore(index_dir))
    before = (index_dir / "CURRENT").read_text().strip()
    write_minutes(minutes, {"nieuw.txt": "Cybercrime\n\nPhishing bij gemeenten neemt toe.\n"})
    proc = bz_process("index", minutes, "--index", index_dir, "--rebuild",
                      preexec_fn=_limit_file_size(limit))
    _assert_unwritable_run_kept_the_index(proc, index_dir, before, "File too large")
    assert "disk or quota full?" in proc.stderr
    assert folders(index_dir) == [before]  # the partial generation is gone already
    report = run([minutes], IndexStore(index_dir))
    assert [Path(p).name for p in report.added] == ["nieuw.txt"]
    assert headings(index_dir, "phishing") == ["Cybercrime"]


def _can_mount_read_only(folder: Path) -> bool:
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"mount --bind {folder} {folder} && "
         f"mount -o remount,ro,bind {folder} {folder} && ! touch {folder}/probe"],
        capture_output=True, timeout=30,
    ) if shutil.which("unshare") else None
    return probe is not None and probe.returncode == 0


@pytest.mark.parametrize("how", ["no write permission", "read-only mount"])
def test_a_read_only_index_folder_fails_clearly_and_keeps_the_index(minutes, index_dir, how):
    run([minutes], IndexStore(index_dir))
    before = (index_dir / "CURRENT").read_text().strip()
    write_minutes(minutes, {"nieuw.txt": "Cybercrime\n\nPhishing bij gemeenten neemt toe.\n"})
    prefix = ()
    if how == "no write permission":
        if os.geteuid() == 0:
            pytest.skip("root may write anywhere; the read-only mount covers root")
        index_dir.chmod(0o555)
        reason = "Permission denied"
    else:
        if not _can_mount_read_only(index_dir):
            pytest.skip("no user namespaces here (unshare -rm) to mount the folder read-only")
        # A private mount namespace: the folder is read-only for this one process only.
        prefix = ("unshare", "-rm", "sh", "-c", f'mount --bind "{index_dir}" "{index_dir}" && '
                  f'mount -o remount,ro,bind "{index_dir}" "{index_dir}" && exec "$@"', "sh")
        reason = "Read-only file system"
    try:
        proc = bz_process("index", minutes, "--index", index_dir, prefix=prefix)
    finally:
        index_dir.chmod(0o755)
    _assert_unwritable_run_kept_the_index(proc, index_dir, before, reason)
    assert folders(index_dir) == [before]
    assert [Path(p).name for p in run([minutes], IndexStore(index_dir)).added] == ["nieuw.txt"]


def test_an_index_folder_that_cannot_be_created_is_named(capsys, minutes, tmp_path):
    (tmp_path / "bestand").write_text("geen map")
    code, _, err = bz(capsys, "index", minutes, "--index", tmp_path / "bestand" / "index")
    assert code == EXIT_UNWRITABLE
    assert f"cannot write the index in {tmp_path / 'bestand' / 'index'}: Not a directory" in err


# -- locks: stale, live, two indexers ------------------------------------------------------

HOLDER = textwrap.dedent(
    """
    import os, signal, sys, time
    sys.path.insert(0, {root!r})
    from index.store import IndexStore
    with IndexStore(sys.argv[1]).lock(timeout=5):
        print("holding", flush=True)
        if sys.argv[2] == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        sys.stdin.read()  # hold until the test closes stdin
    """
)


def _holder(tmp_path, index_dir, mode):
    script = tmp_path / "holder.py"
    script.write_text(HOLDER.format(root=str(ROOT)))
    proc = subprocess.Popen([sys.executable, str(script), str(index_dir), mode],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_a_stale_lock_of_a_killed_run_is_detected_and_cleared(capsys, minutes, index_dir,
                                                               tmp_path):
    run([minutes], IndexStore(index_dir))
    killed = _holder(tmp_path, index_dir, "die")
    assert killed.wait(timeout=30) == -signal.SIGKILL
    assert f"pid {killed.pid} " in (index_dir / "lock").read_text()

    code, out, err = bz(capsys, "index", minutes, "--index", index_dir, "--wait", "0", "--json")
    assert code == 0, err
    assert f"an interrupted run left the lock (pid {killed.pid} " in err
    assert json.loads(out)["interrupted_run"].startswith(f"pid {killed.pid} ")
    assert (index_dir / "lock").read_text() == ""
    code, out, err = bz(capsys, "index", minutes, "--index", index_dir, "--json")
    assert json.loads(out)["interrupted_run"] is None and "interrupted" not in err


def test_a_live_lock_holder_is_never_overridden(capsys, minutes, index_dir, tmp_path):
    run([minutes], IndexStore(index_dir))
    holder = _holder(tmp_path, index_dir, "hold")
    try:
        held = (index_dir / "lock").read_text()
        assert f"pid {holder.pid} " in held
        code, _, err = bz(capsys, "index", minutes, "--index", index_dir, "--wait", "0.3")
        assert code == EXIT_LOCKED
        assert f"the index {index_dir} is being updated by pid {holder.pid} " in err
        assert "gave up after waiting 0.3 s" in err
        assert (index_dir / "lock").read_text() == held
        assert holder.poll() is None
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert (index_dir / "lock").read_text() == ""
    assert bz(capsys, "index", minutes, "--index", index_dir, "--wait", "0")[0] == 0


SLOW_INDEXER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    import cli, index.readers as readers
    original = readers.read
    def slow_read(path):
        time.sleep(0.3)  # a big archive: the run holds the lock for a while
        return original(path)
    readers.read = slow_read
    sys.exit(cli.main(sys.argv[1:]))
    """
)


def test_two_indexers_at_once_one_waits_the_other_gives_up_clearly(minutes, index_dir,
                                                                     tmp_path):
    run([minutes], IndexStore(index_dir))
    batch = write_minutes(tmp_path / "partij", {
        f"verslag-2022-0{n}-10.txt": f"Cybercrime\n\nPhishing bij gemeente {n} neemt toe.\n"
        for n in range(1, 9)
    })
    other = write_minutes(tmp_path / "regio", {"v.txt": "Drugs\n\nHet drugsbeleid.\n"})
    script = tmp_path / "slow.py"
    script.write_text(SLOW_INDEXER.format(root=str(ROOT)))
    first = subprocess.Popen(
        [sys.executable, str(script), "index", str(batch), "--index", str(index_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while f"pid {first.pid} " not in (index_dir / "lock").read_text():
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.02)
        second = [subprocess.Popen(
            [sys.executable, "-m", "cli", "index", str(other), "--index", str(index_dir),
             "--wait", wait], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True) for wait in ("0.2", "60")]
        impatient, patient = (subprocess.CompletedProcess(p.args, p.wait(timeout=90),
                                                          *p.communicate()) for p in second)
    finally:
        out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert impatient.returncode == EXIT_LOCKED
    assert f"being updated by pid {first.pid} " in impatient.stderr
    assert "raise --wait" in impatient.stderr and "Traceback" not in impatient.stderr
    assert patient.returncode == 0, patient.stderr
    assert "1 added" in patient.stdout

    IndexStore(index_dir).check()
    assert len(headings(index_dir, "phishing")) == 8
    assert headings(index_dir, "drugsbeleid") == ["Drugs"]
    assert headings(index_dir, "knalvuurwerk") == ["Jaarwisseling"]
    again = run([minutes, batch, other], IndexStore(index_dir))
    assert len(again.unchanged) == 4 + 8 + 1 and not (again.added or again.removed)


def test_a_garbled_list_of_files_is_damage_where_it_is_read(capsys, minutes, index_dir):
    # files.json is read only by the indexer and `info`. Garbled with its size kept, it is
    # caught there: `info` and an indexing run exit 4, a rebuild recovers. The site does not
    # need it: searching, document pages (their agenda items' stored fields), the health check
    # and the start page (the manifest keeps the numbers) go on working.
    report = run([minutes], IndexStore(index_dir))
    assert report.documents > 1
    client = create_app({"INDEX": index_dir, "TESTING": True}).test_client()
    document = client.get("/search?q=knalvuurwerk").get_data(as_text=True)
    link = document.split('href="/doc/', 1)[1].split('"', 1)[0].split("#", 1)[0]
    files = live_folder(index_dir) / "files.json"
    files.write_bytes(b"\xff" * files.stat().st_size)

    page = client.get(f"/doc/{link}")
    assert page.status_code == 200
    assert "knalvuurwerk" in page.get_data(as_text=True)
    assert client.get("/search?q=knalvuurwerk").status_code == 200
    health = client.get("/health")
    assert health.status_code == 200 and health.json["documents"] == report.documents
    home = client.get("/")  # it says what the index holds, from the manifest too
    assert home.status_code == 200
    assert f"{report.sections} agendapunten" in " ".join(home.get_data(as_text=True).split())
    for command in (["info"], ["index", minutes]):
        code, _, err = bz(capsys, *command, "--index", index_dir)
        assert code == EXIT_INDEX, (command, err)
        assert f"the index in {index_dir} is damaged" in err and "files.json" in err
    code, _, err = bz(capsys, "index", minutes, "--index", index_dir, "--rebuild")
    assert code == 0, err
    assert client.get(f"/doc/{link}").status_code == 200
