"""Indexing runs: mirroring, stable ids, failures, locks and killed runs."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import MINUTES, write_jsonl, write_minutes

from index.errors import BestuurszoekerError, IndexLocked
from index.pipeline import Vocabularies, run
from index.store import IndexStore
from search import SearchIndex, SearchRequest
from search import run as search_run

ROOT = Path(__file__).resolve().parent.parent


def found(index_dir, query):
    results = search_run(SearchRequest(query, per_page=100), SearchIndex(index_dir))
    return sorted(hit.section for hit in results.hits)


def section_ids(index_dir):
    results = search_run(SearchRequest(per_page=100), SearchIndex(index_dir))
    return sorted(hit.section_id for hit in results.hits)


def test_first_run_adds_every_file(minutes, index_dir):
    report = run([minutes], IndexStore(index_dir))
    assert len(report.added) == 4 and report.exit_code == 0
    assert (report.documents, report.sections) == (4, 7)
    assert found(index_dir, "knalvuurwerk") == ["Jaarwisseling"]


def test_a_run_leaves_the_garbage_collector_of_its_process_as_it_was(
        minutes, index_dir, monkeypatch):
    # The indexer collects garbage less often while it runs; a process that indexes (the
    # web process in tests, a tool) must get its own settings back, also after a failure.
    import gc

    from index.writer import FastSegmentWriter

    gc.set_threshold(900, 11, 12)
    try:
        run([minutes], IndexStore(index_dir))
        assert gc.get_threshold() == (900, 11, 12) and gc.get_freeze_count() == 0

        def full_disk(*args, **kwargs):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(FastSegmentWriter, "add_document", full_disk)
        with pytest.raises(BestuurszoekerError):
            run([minutes], IndexStore(index_dir), rebuild=True)
        assert gc.get_threshold() == (900, 11, 12) and gc.get_freeze_count() == 0
    finally:
        gc.set_threshold(700, 10, 10)


def test_second_run_skips_unchanged_files_and_keeps_the_generation(minutes, index_dir):
    store = IndexStore(index_dir)
    first = run([minutes], store)
    second = run([minutes], store)
    assert len(second.unchanged) == 4 and not (second.added or second.updated)
    assert second.generation == first.generation


def test_edited_vocabularies_re_extract_every_file_and_a_moved_copy_does_not(
        minutes, index_dir, tmp_path):
    run([minutes], IndexStore(index_dir))
    # The same vocabularies read from elsewhere (another install of the program): nothing
    # to do.
    copies = tmp_path / "vocabularies"
    copies.mkdir()
    for name in ("actors.toml", "topics.toml"):
        (copies / name).write_bytes((ROOT / "index" / "data" / name).read_bytes())
    moved = Vocabularies.load(copies / "actors.toml", copies / "topics.toml")
    report = run([minutes], IndexStore(index_dir), moved)
    assert len(report.unchanged) == 4 and not report.updated
    # A new topic rule: every file is extracted again and the topic is there.
    with open(copies / "topics.toml", "a", encoding="utf-8") as rules:
        rules.write('\n[[topic]]\nname = "Knallers"\nterms = ["knalvuurwerk"]\n')
    edited = Vocabularies.load(copies / "actors.toml", copies / "topics.toml")
    report = run([minutes], IndexStore(index_dir), edited)
    assert len(report.updated) == 4 and not report.unchanged
    results = search_run(SearchRequest("", topics=("Knallers",), per_page=100),
                         SearchIndex(index_dir))
    assert [hit.section for hit in results.hits] == ["Jaarwisseling"]


def test_changed_new_and_deleted_files_are_mirrored(minutes, index_dir):
    store = IndexStore(index_dir)
    run([minutes], store)
    (minutes / "losse-notitie.txt").unlink()
    write_minutes(minutes, {
        "2019/terugkoppeling-2019-03-11.txt": MINUTES["2019/terugkoppeling-2019-03-11.txt"]
        .replace("knalvuurwerk", "carbidschieten"),
        "nieuw/verslag-2022-01-17.txt": """
            Verslag overleg 17 januari 2022

            Cybercrime

            De korpschef meldt een toename van phishing bij gemeenten.
            """,
    })
    report = run([minutes], store)
    assert [Path(p).name for p in report.removed] == ["losse-notitie.txt"]
    assert [Path(p).name for p in report.updated] == ["terugkoppeling-2019-03-11.txt"]
    assert [Path(p).name for p in report.added] == ["verslag-2022-01-17.txt"]
    assert found(index_dir, "knalvuurwerk") == []
    assert found(index_dir, "carbidschieten") == ["Jaarwisseling"]
    assert found(index_dir, "phishing") == ["Cybercrime"]
    assert found(index_dir, "zomerfestival") == []


def test_incremental_runs_keep_a_small_index_in_one_segment(minutes, index_dir):
    # Every run writes a segment; small ones are merged into it, so an archive that grows a
    # meeting at a time does not split into one segment per run (each slows every search).
    store = IndexStore(index_dir)
    run([minutes], store)
    for number in range(1, 6):
        write_minutes(minutes, {f"extra-2024-03-0{number}.txt":
                                f"Verslag {number} maart 2024\n\nSchietincident\n\n"
                                f"Melding {number} over een schietincident.\n"})
        if number == 3:
            (minutes / "extra-2024-03-01.txt").unlink()
        assert run([minutes], store).exit_code == 0
        ix, _ = store.open()
        assert len(ix._segments()) == 1  # (Whoosh's policy alone: 2, 3, 4, 5, then 1)
        with ix.reader() as reader:
            assert not reader.has_deletions()
    assert len(found(index_dir, "schietincident")) == 4
    assert found(index_dir, "knalvuurwerk") == ["Jaarwisseling"]


def test_symlinked_files_pointing_out_of_the_folder_or_nowhere(minutes, tmp_path, index_dir):
    # A link to a file elsewhere is indexed under its place in the folder; a broken link is
    # reported as failed. Neither stops the run (it used to crash on both).
    elders = write_minutes(tmp_path / "elders", {"buiten.txt": "Cybercrime\n\nPhishing neemt toe."})
    (minutes / "gekoppeld.txt").symlink_to(elders / "buiten.txt")
    (minutes / "kapot.txt").symlink_to(tmp_path / "bestaat-niet.txt")
    report = run([minutes], IndexStore(index_dir))
    assert report.exit_code == 1
    assert [Path(f.path).name for f in report.failed] == ["kapot.txt"]
    assert "cannot read file" in report.failed[0].error
    assert found(index_dir, "phishing") == ["Cybercrime"]
    assert found(index_dir, "knalvuurwerk") == ["Jaarwisseling"]


def test_a_folder_named_like_a_sidecar_is_not_read_as_one(minutes, index_dir):
    (minutes / "verslag-2024-01-01.txt").write_text(
        "Verslag 1 januari 2024\n\nVuurwerk\n\nDe korpschef over knalvuurwerk.\n",
        encoding="utf-8")
    (minutes / "verslag-2024-01-01.txt.meta.toml").mkdir()
    report = run([minutes], IndexStore(index_dir))
    assert report.exit_code == 0 and not report.failed
    assert len(found(index_dir, "knalvuurwerk")) == 2


def test_other_sources_are_left_alone(minutes, tmp_path, index_dir):
    other = write_minutes(tmp_path / "elders", {"a.txt": "Cybercrime\n\nPhishing neemt toe."})
    store = IndexStore(index_dir)
    run([minutes], store)
    run([other], store)
    assert found(index_dir, "knalvuurwerk") == ["Jaarwisseling"]
    assert found(index_dir, "phishing") == ["Cybercrime"]


def test_ids_are_stable_across_reindexing_and_rebuilds(minutes, index_dir, tmp_path):
    store = IndexStore(index_dir)
    run([minutes], store)
    before = section_ids(index_dir)
    (minutes / "losse-notitie.txt").write_text("Evenementen\n\nHet festival is verplaatst.\n")
    run([minutes], store)
    run([minutes], store, rebuild=True)
    assert section_ids(index_dir) == before
    assert any(sid.endswith("-jaarwisseling") for sid in before)


def test_bad_files_are_reported_and_good_files_indexed(minutes, index_dir):
    (minutes / "kapot.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    (minutes / "leeg.txt").write_text("  \n\n")
    write_jsonl(minutes / "besluiten.jsonl", [
        {"id": "b1", "title": "Besluitenlijst 14 februari 2023", "date": "2023-02-14",
         "text": "Het overleg besluit tot een pilot met drones."},
        "{kapotte regel",
        {"id": "b3"},
    ])
    report = run([minutes], IndexStore(index_dir))
    reasons = {(Path(f.path).name, f.error) for f in report.failed}
    assert report.exit_code == 1
    assert any(name == "kapot.txt" and "binary" in why for name, why in reasons)
    assert any(name == "leeg.txt" and "empty" in why for name, why in reasons)
    assert any(name == "besluiten.jsonl" and "line 2" in why for name, why in reasons)
    assert any(name == "besluiten.jsonl" and "line 3" in why for name, why in reasons)
    assert found(index_dir, "drones") == [""]
    assert found(index_dir, "knalvuurwerk") == ["Jaarwisseling"]


def test_a_file_that_breaks_keeps_its_previous_version_searchable(minutes, index_dir):
    store = IndexStore(index_dir)
    run([minutes], store)
    (minutes / "losse-notitie.txt").write_bytes(b"\x00" * 100)
    report = run([minutes], store)
    assert [Path(f.path).name for f in report.failed] == ["losse-notitie.txt"]
    assert found(index_dir, "zomerfestival") == ["Evenementen"]


def test_missing_source_is_a_usage_error_naming_it(tmp_path, index_dir):
    from index.pipeline import SourceMissing

    with pytest.raises(SourceMissing, match="bestaat-niet"):
        run([tmp_path / "bestaat-niet"], IndexStore(index_dir))


def test_second_indexer_waits_then_gives_up_clearly(minutes, index_dir):
    store = IndexStore(index_dir)
    held, release = threading.Event(), threading.Event()

    def hold():
        with store.lock(timeout=1):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    started = time.monotonic()
    try:
        with pytest.raises(IndexLocked, match="being updated by pid"):
            run([minutes], IndexStore(index_dir), lock_wait=0.5)
        assert 0.4 < time.monotonic() - started < 5
    finally:
        release.set()
        holder.join()
    assert run([minutes], store, lock_wait=1).exit_code == 0


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {root!r})
    import index.pipeline as pipeline
    import index.store as store_module
    point = sys.argv[3]

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "reading":
        pipeline.readers.read = die
    elif point == "writing":
        pipeline._fields = die
    elif point == "committing":
        import whoosh.index
        whoosh.index.TOC.write = die  # segments are on disk, the table of contents is not
    elif point == "publishing":
        original_write = store_module._write_atomic
        def write_atomic(path, text):
            if path.name == "CURRENT":
                die()
            return original_write(path, text)
        store_module._write_atomic = write_atomic
    pipeline.run([sys.argv[1]], store_module.IndexStore(sys.argv[2]))
    """
)


@pytest.mark.parametrize("point", ["reading", "writing", "committing", "publishing"])
def test_a_killed_run_leaves_the_previous_index_intact(minutes, index_dir, tmp_path, point):
    store = IndexStore(index_dir)
    run([minutes], store)
    before = section_ids(index_dir)
    generation, files = store.generation(), store.manifest().files
    write_minutes(minutes, {"nieuw.txt": "Cybercrime\n\nPhishing bij gemeenten neemt toe.\n"})
    (minutes / "losse-notitie.txt").unlink()
    script = tmp_path / "killer.py"
    script.write_text(KILLER.format(root=str(ROOT)))
    proc = subprocess.Popen([sys.executable, str(script), str(minutes), str(index_dir), point])
    assert proc.wait(timeout=120) == -signal.SIGKILL
    # Exactly the previous state: the same generation, manifest, files and hits.
    assert (store.generation(), store.manifest().files) == (generation, files)
    store.check()
    assert section_ids(index_dir) == before
    assert found(index_dir, "phishing") == []
    assert found(index_dir, "zomerfestival") == ["Evenementen"]
    report = run([minutes], store)
    assert report.interrupted_run.startswith(f"pid {proc.pid} ")  # its stale lock, cleared
    assert [Path(p).name for p in report.added] == ["nieuw.txt"]
    assert [Path(p).name for p in report.removed] == ["losse-notitie.txt"]
    assert found(index_dir, "phishing") == ["Cybercrime"]
    assert found(index_dir, "zomerfestival") == []
    generations = [p.name for p in index_dir.iterdir() if p.is_dir()]
    assert len(generations) <= 2, generations


def test_seed_documents_when_available(tmp_path):
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.exists():
        pytest.skip("../shared/seeds not present")
    index_dir = tmp_path / "idx"
    report = run([seeds], IndexStore(index_dir))
    assert report.exit_code == 0
    docs = {Path(d["source"]).name[:3]: d for d in IndexStore(index_dir).manifest().documents()}
    assert docs["001"]["date"] == "2017-04-10"
    assert docs["003"]["date"] == "2019-09-16"
    assert docs["000"]["date"] is None
    results = search_run(SearchRequest("LOVP 16 september", per_page=50), SearchIndex(index_dir))
    assert {"AO Politie", "Prinsjesdag", "Stroomstootwapen", "Rondvraag"} <= {
        h.section for h in results.hits if h.doc_id == docs["003"]["doc_id"]}
    assert os.path.exists(index_dir / "CURRENT")


def test_two_sources_with_the_same_folder_name_keep_separate_documents(tmp_path, index_dir):
    first = write_minutes(tmp_path / "a" / "notulen", {"v.txt": "Drugs\n\nHet drugsbeleid."})
    second = write_minutes(tmp_path / "b" / "notulen", {"v.txt": "Cybercrime\n\nPhishing."})
    run([first, second], IndexStore(index_dir))
    assert found(index_dir, "drugsbeleid") == ["Drugs"]
    assert found(index_dir, "phishing") == ["Cybercrime"]


def test_metadata_actors_and_topics_use_the_vocabulary_spelling(tmp_path, index_dir):
    folder = write_minutes(tmp_path / "n", {"v.md": (
        "---\ntitle: Verslag 3 maart 2021\nactors: [de minister, korpschef]\n"
        "topics: [drugs, eigen thema]\n---\n\n## Drugs\n\nHet drugsbeleid.\n")})
    run([folder], IndexStore(index_dir))
    results = search_run(SearchRequest("drugsbeleid"), SearchIndex(index_dir))
    hit = results.hits[0]
    assert {"Minister", "Korpschef"} <= set(hit.actors)
    assert "Drugs" in hit.topics and "Eigen thema" in hit.topics
    assert "drugs" not in hit.topics and "de minister" not in hit.actors


def test_a_touched_file_with_the_same_content_stays_unchanged(minutes, index_dir):
    store = IndexStore(index_dir)
    run([minutes], store)
    note = minutes / "losse-notitie.txt"
    stat = note.stat()
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    report = run([minutes], store)
    assert len(report.unchanged) == 4 and not report.updated and not report.added


def test_a_change_that_keeps_size_and_time_is_not_seen_but_a_new_time_is(minutes, index_dir):
    """Size and modification time decide whether a file is read again (like git and rsync)."""
    store = IndexStore(index_dir)
    run([minutes], store)
    note = minutes / "losse-notitie.txt"
    stat = note.stat()
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace("zomerfestival", "lentefestival"), encoding="utf-8")
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert len(run([minutes], store).unchanged) == 4
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert [Path(p).name for p in run([minutes], store).updated] == ["losse-notitie.txt"]
    assert found(index_dir, "lentefestival") == ["Evenementen"]


def test_an_index_with_the_older_one_file_manifest_is_searched_and_updated(minutes, index_dir):
    # Indexes written before the list of files moved to files.json keep working: searched,
    # then updated incrementally (only the new file is read) into the two-file form.
    import json

    store = IndexStore(index_dir)
    run([minutes], store)
    live = store.current()
    manifest = json.loads((live / "manifest.json").read_text())
    manifest["files"] = json.loads((live / "files.json").read_text())
    del manifest["checksums"]["files.json"]
    (live / "files.json").unlink()
    (live / "manifest.json").write_text(json.dumps(manifest))
    assert found(index_dir, "zomerfestival") == ["Evenementen"]
    assert len(list(store.manifest().documents())) == len(manifest["files"])

    write_minutes(minutes, {"nieuw.txt": "Cybercrime\n\nPhishing bij gemeenten neemt toe.\n"})
    report = run([minutes], store)
    assert len(report.added) == 1 and not report.updated
    assert len(report.unchanged) == len(manifest["files"])
    assert (store.current() / "files.json").exists()
    assert found(index_dir, "phishing") == ["Cybercrime"]
    store.check()


def test_a_changed_file_that_now_fails_keeps_its_previous_version(minutes, index_dir):
    # Only a failing file changed: nothing is committed, the live generation stays, and the
    # file's previous text is still found; the failure is reported with its reason.
    store = IndexStore(index_dir)
    run([minutes], store)
    generation = store.generation()
    (minutes / "losse-notitie.txt").write_bytes(b"\x00\x01\x02" * 50)
    report = run([minutes], store)
    assert [f.path for f in report.failed] == [str(minutes / "losse-notitie.txt")]
    assert report.exit_code == 1 and not report.added and not report.updated
    assert store.generation() == generation
    assert found(index_dir, "zomerfestival") == ["Evenementen"]
    assert sorted(p.name for p in index_dir.iterdir()) == ["CURRENT", generation, "lock"]
