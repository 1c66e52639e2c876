"""The `bestuurszoeker` command as scripts and people use it: output, JSON, exit codes."""

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import cli
from index.store import IndexStore

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "minutes"


def bz(capsys, *args):
    try:
        code = cli.main([str(a) for a in args])
    except SystemExit as exit_info:  # argparse rejects some usage errors itself
        code = exit_info.code
    out, err = capsys.readouterr()
    return code, out, err


def test_index_json_summary_and_search(capsys, minutes, index_dir):
    code, out, _ = bz(capsys, "index", minutes, "--index", index_dir, "--json")
    report = json.loads(out)
    assert code == 0
    assert report["totals"]["added"] == 4 and report["failed"] == []
    assert set(report) >= {"added", "updated", "unchanged", "removed", "failed", "totals"}

    code, out, _ = bz(capsys, "search", "knalvuurwerk", "--index", index_dir)
    assert code == 0
    assert "Jaarwisseling" in out and "**knalvuurwerk**" in out

    code, out, _ = bz(capsys, "search", "korpschef", "--index", index_dir, "--from",
                      "2019-01-01", "--to", "2019-12-31", "--actor",
                      "Staatssecretaris Verhoeven", "--json")
    data = json.loads(out)
    assert {h["section"] for h in data["hits"]} == {"Stroomstootwapen", "Ondermijning"}
    assert all(h["date"].startswith("2019") for h in data["hits"])


def test_failed_files_exit_1_and_are_named_on_stderr(capsys, minutes, index_dir):
    (minutes / "kapot.pdf").write_bytes(b"%PDF-1.4 niet echt")
    code, out, err = bz(capsys, "index", minutes, "--index", index_dir)
    assert code == 1
    assert "kapot.pdf" in err
    assert "4 added" in out and "1 failed" in out


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["index", "/bestaat/niet"], "/bestaat/niet"),
        (["search", "x", "--from", "2019-13-45"], "2019-13-45"),
        (["search", "x", "--to", "gisteren"], "gisteren"),
        (["search", "x", "--sort", "willekeurig"], "willekeurig"),
        (["search", "x", "--page", "0"], "--page"),
        (["search", "x", "--page", "een"], "een"),
        (["zoek", "x"], "zoek"),
    ],
)
def test_usage_errors_exit_2_and_name_the_value(capsys, index_dir, args, named):
    code, _, err = bz(capsys, *args, "--index", index_dir)
    assert code == 2
    assert named in err


def test_bad_vocabulary_file_is_a_usage_error(capsys, minutes, index_dir, tmp_path):
    broken = tmp_path / "actors.toml"
    broken.write_text("[[role]\nname = 'x'\n")
    code, _, err = bz(capsys, "index", minutes, "--index", index_dir, "--actors", broken)
    assert code == 2 and "actors.toml" in err
    assert not (index_dir / "CURRENT").exists()


def test_missing_index_exits_4_with_advice(capsys, tmp_path):
    code, _, err = bz(capsys, "search", "x", "--index", tmp_path / "leeg")
    assert code == 4 and "bestuurszoeker index" in err
    code, _, err = bz(capsys, "info", "--index", tmp_path / "leeg")
    assert code == 4


def test_damaged_index_exits_4_and_rebuild_recovers(capsys, minutes, index_dir):
    bz(capsys, "index", minutes, "--index", index_dir)
    live = IndexStore(index_dir).current()
    segments = list(live.glob("MAIN_*"))
    assert segments
    for segment in segments:
        segment.write_bytes(b"kapot")
    code, _, err = bz(capsys, "search", "knalvuurwerk", "--index", index_dir)
    assert code == 4 and "--rebuild" in err
    code, _, _ = bz(capsys, "index", minutes, "--index", index_dir, "--rebuild")
    assert code == 0
    code, out, _ = bz(capsys, "search", "knalvuurwerk", "--index", index_dir)
    assert code == 0 and "Jaarwisseling" in out


def test_locked_index_exits_3(capsys, minutes, index_dir):
    held, release = threading.Event(), threading.Event()

    def hold():
        with IndexStore(index_dir).lock(timeout=1):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        code, _, err = bz(capsys, "index", minutes, "--index", index_dir, "--wait", "0.3")
    finally:
        release.set()
        holder.join()
    assert code == 3 and "being updated" in err


def test_info_reports_what_the_index_holds(capsys, minutes, index_dir):
    bz(capsys, "index", minutes, "--index", index_dir)
    code, out, _ = bz(capsys, "info", "--index", index_dir, "--json")
    info = json.loads(out)
    assert code == 0
    assert (info["documents"], info["sections"], info["undated_documents"]) == (4, 7, 1)
    assert (info["first_meeting"], info["last_meeting"]) == ("2019-03-11", "2021-05-11")


def test_index_defaults_to_the_environment_variable(capsys, minutes, index_dir, monkeypatch):
    monkeypatch.setenv("BESTUURSZOEKER_INDEX", str(index_dir))
    code, _, _ = bz(capsys, "index", minutes)
    assert code == 0 and (index_dir / "CURRENT").exists()


def test_analyze_prints_the_terms(capsys):
    code, out, _ = bz(capsys, "analyze", "De burgemeesters en informatie-uitwisseling")
    assert code == 0
    assert {"burgemeester", "informatie", "uitwissel", "informatieuitwissel"} <= set(out.split())
    assert "de" not in out.split()


def test_sample_minutes_all_index_with_their_dates(tmp_path):
    """The bundled samples cover every format; each is read, split and dated."""
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "index", str(SAMPLES), "--index", str(tmp_path / "i"),
         "--json"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["failed"] == []
    docs = {Path(d["source"].split("#")[0]).name: d
            for d in IndexStore(tmp_path / "i").manifest().documents()}
    formats = {d["format"] for d in docs.values()}
    assert formats == {"txt", "md", "html", "xml", "docx", "jsonl"}
    assert docs["werkbezoek-cameratoezicht-zuidwaard.txt"]["date"] is None
    assert docs["notulen-12-10-2020.md"]["date"] == "2020-10-12"
    assert docs["verslag-rvz-2018-04-16.xml"]["date"] == "2018-04-16"
    assert docs["terugkoppeling-rvz-2017-10-09.txt"]["date"] == "2017-10-09"
    for name, doc in docs.items():
        if name.startswith(("terugkoppeling-", "verslag-")) and not name.endswith(".jsonl"):
            assert doc["date"] and doc["date"].replace("-", "") in name.replace("-", ""), name
            assert doc["sections"] >= 3, name


def test_serve_takes_the_index_from_the_web_config_file_unless_named(monkeypatch, tmp_path):
    import web.server
    from web import create_app

    served = []
    monkeypatch.setattr(web.server, "serve", lambda index_dir, **_: served.append(
        create_app({"INDEX": index_dir}).config["INDEX"]))
    config = tmp_path / "web.toml"
    config.write_text(f'index = "{tmp_path / "uit-bestand"}"\n', encoding="utf-8")
    monkeypatch.setenv("BESTUURSZOEKER_CONFIG", str(config))
    assert cli.main(["serve"]) == 0
    assert cli.main(["serve", "--index", str(tmp_path / "genoemd")]) == 0
    assert served == [tmp_path / "uit-bestand", tmp_path / "genoemd"]
