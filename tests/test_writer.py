"""The indexer's fast paths (analysis before the writer, worker processes, the in-memory
posting pool) write exactly the index that Whoosh's own writer writes from the same files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import write_minutes
from whoosh.writing import SegmentWriter

import index.pipeline as pipeline
import index.postings
import index.writer
from index.pipeline import run
from index.pool import MemoryPool
from index.store import IndexStore
from index.writer import FastSegmentWriter, merge_plan

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "minutes"


def _contents(index_dir: Path, folder: Path) -> dict:
    """Everything a search reads: per field every term's postings (document, weight, encoded
    value) in document order, every document's stored fields and field lengths."""
    store = IndexStore(index_dir)
    ix, _ = store.open()
    found: dict = {"postings": {}, "stored": [], "lengths": {}}
    with ix.reader() as reader:
        ids = sorted(reader.all_doc_ids())
        key = {d: reader.stored_fields(d)["section_id"] for d in ids}
        for fieldname in reader.indexed_field_names():
            for term in reader.lexicon(fieldname):
                matcher = reader.postings(fieldname, term)
                postings = []
                while matcher.is_active():
                    postings.append((key[matcher.id()], matcher.weight(), matcher.value()))
                    matcher.next()
                found["postings"][fieldname, term] = sorted(postings)
                info = reader.term_info(fieldname, term)
                found["postings"][fieldname, term, "stats"] = (
                    info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                    info.max_weight())
        for d in ids:
            fields = reader.stored_fields(d)
            fields["source"] = fields["source"].replace(str(folder), "…")
            found["stored"].append(fields)
            found["lengths"][key[d]] = {f: reader.doc_field_length(d, f)
                                        for f in ("title", "heading", "text", "actor_text",
                                                  "topic_text")}
    found["stored"].sort(key=lambda fields: fields["section_id"])
    return found


def _stock_writer(ix, **options):
    return ix.writer(**options)


def _plain_analysis(document, item, analysed_texts=None):
    # The fields as Whoosh's writer would analyse them itself: the analysed values replaced
    # by their text.
    values = original_fields(document, item, analysed_texts)
    for name in list(values):
        if name.startswith("_stored_"):
            values[name[len("_stored_"):]] = values.pop(name)
    return values


original_fields = pipeline._fields


@pytest.fixture
def archive(tmp_path) -> Path:
    """The bundled sample minutes, the tests' own and forty generated meetings: several
    formats, about 65 files."""
    folder = tmp_path / "one" / "archive"
    shutil.copytree(SAMPLES, folder / "samples")
    write_minutes(folder / "tests")
    # Forty small meetings of six items each: common words get more postings than one
    # block of Whoosh holds (128), so terms span several blocks.
    topics = ["Cameratoezicht", "Jaarwisseling", "Ondermijning", "Zorg en veiligheid",
              "Evenementen", "Handhaving"]
    for number in range(40):
        items = "\n\n".join(
            f"{topic}\n\nDe burgemeester en de korpschef bespreken {topic.lower()} "
            f"(punt {number}.{i}); de gemeente meldt {number * 7 + i} meldingen over "
            f"knalvuurwerk en informatie-uitwisseling." for i, topic in enumerate(topics))
        (folder / "gegenereerd").mkdir(exist_ok=True)
        (folder / "gegenereerd" / f"verslag-2021-{number % 12 + 1:02d}-{number % 28 + 1:02d}"
         f"-{number}.txt").write_text(f"Verslag overleg {number}\n\n{items}\n",
                                     encoding="utf-8")
    return folder


def _build(folder: Path, index_dir: Path, monkeypatch, stock: bool, pool: bool,
           merge: str | None = None) -> dict:
    """Index `folder`, then change a file and add one; the index's contents. `merge`: None
    keeps the segments as Whoosh's writer leaves them (it keeps deleted documents in the
    term statistics of a segment it does not merge); "fast" merges every segment into the
    next run's with our writer, "whoosh" with Whoosh's own merge code."""
    with monkeypatch.context() as patch:
        if stock:
            patch.setattr(pipeline, "FastSegmentWriter", _stock_writer)
            patch.setattr(pipeline, "_fields", _plain_analysis)
        patch.setattr(pipeline, "POOL_MIN_FILES", 0 if pool else 10**9)
        # With the pool, the commit's blocks are encoded by worker processes too, in many
        # small chunks.
        patch.setattr(index.postings, "PARALLEL_MIN_POSTINGS", 0 if pool else 10**12)
        patch.setattr(index.postings, "CHUNK_POSTINGS", 300)
        if merge is None:
            patch.setattr(index.writer, "MERGE_FLOOR", 0)
            patch.setattr(index.writer, "MERGE_FACTOR", 0)
        else:
            patch.setattr(index.writer, "MERGE_FLOOR", 10**6)  # every segment merged
        if merge == "whoosh":
            for name in ("write_per_doc", "add_postings_to_pool"):
                patch.setattr(FastSegmentWriter, name, getattr(SegmentWriter, name))
        first = run([folder], IndexStore(index_dir))
        # An incremental run: a changed and a new file (deletions, a second segment).
        changed = next(folder.rglob("*.txt"))
        changed.write_text(changed.read_text(encoding="utf-8") + "\n\nNagekomen\n\n"
                           "De burgemeester meldt extra cameratoezicht.\n", encoding="utf-8")
        write_minutes(folder, {"nieuw-2024-02-01.txt":
                               "Verslag 1 februari 2024\n\nVuurwerk\n\nDe korpschef over "
                               "knalvuurwerk en informatie-uitwisseling.\n"})
        second = run([folder], IndexStore(index_dir))
        if merge:  # a segment without deletions merged too
            write_minutes(folder, {"nieuw-2024-03-07.txt":
                                   "Verslag 7 maart 2024\n\nCameratoezicht\n\nDe "
                                   "burgemeester over cameratoezicht.\n"})
            assert len(run([folder], IndexStore(index_dir)).added) == 1
    assert not first.failed and not second.failed
    assert len(second.added) == 1 and len(second.updated) == 1
    ix, _ = IndexStore(index_dir).open()
    assert len(ix._segments()) == (1 if merge else 2)
    return _contents(index_dir, folder)


def test_the_fast_indexer_writes_what_whooshs_writer_writes(archive, tmp_path, monkeypatch):
    copy = tmp_path / "two" / "archive"  # the same folder name: the same document ids
    shutil.copytree(archive, copy)
    fast = _build(archive, tmp_path / "fast", monkeypatch, stock=False, pool=True)
    stock = _build(copy, tmp_path / "stock", monkeypatch, stock=True, pool=False)
    assert len(fast["stored"]) > 50
    assert fast["postings"].keys() == stock["postings"].keys()
    assert fast["postings"] == stock["postings"]
    for ours, theirs in zip(fast["stored"], stock["stored"], strict=True):
        assert ours == theirs
    assert fast["lengths"] == stock["lengths"]


def test_merging_segments_writes_what_whooshs_merge_writes(archive, tmp_path, monkeypatch):
    # Incremental runs merge small segments into the one they write; the writer copies a
    # merged segment's postings a block at a time, leaving out its deleted documents (the
    # changed file), and reads each field's lengths once.
    copy = tmp_path / "two" / "archive"
    shutil.copytree(archive, copy)
    fast = _build(archive, tmp_path / "fast", monkeypatch, stock=False, pool=True,
                  merge="fast")
    whoosh = _build(copy, tmp_path / "whoosh", monkeypatch, stock=False, pool=True,
                    merge="whoosh")
    assert len(fast["stored"]) > 50
    assert fast == whoosh


def test_worker_processes_write_what_one_process_writes(archive, tmp_path, monkeypatch):
    copy = tmp_path / "two" / "archive"
    shutil.copytree(archive, copy)
    pooled = _build(archive, tmp_path / "pooled", monkeypatch, stock=False, pool=True)
    single = _build(copy, tmp_path / "single", monkeypatch, stock=False, pool=False)
    assert pooled == single


def _segment_files(index_dir: Path) -> dict[str, bytes]:
    """The bytes of each file of the index's only segment, by its kind (the part of the
    name after the segment's random id)."""
    ix, _ = IndexStore(index_dir).open()
    (segment,) = ix._segments()
    folder = Path(ix.storage.folder)
    prefix = segment.segment_id()
    return {p.name[len(prefix):]: p.read_bytes() for p in folder.iterdir()
            if p.name.startswith(prefix)}


def test_blocks_encoded_by_worker_processes_are_the_bytes_one_process_writes(
        archive, tmp_path, monkeypatch):
    files = {}
    for parallel in (True, False):
        monkeypatch.setattr(index.postings, "PARALLEL_MIN_POSTINGS", 0 if parallel else 10**12)
        monkeypatch.setattr(index.postings, "CHUNK_POSTINGS", 300)
        run([archive], IndexStore(tmp_path / str(parallel)))
        files[parallel] = _segment_files(tmp_path / str(parallel))
    assert any(kind.endswith(".pst") for kind in files[True])
    assert files[True] == files[False]


def test_a_commit_whose_encoding_process_dies_is_finished_by_the_indexer(
        archive, index_dir, monkeypatch):
    # A worker encoding blocks at commit dies (killed for its memory, say): the indexer
    # encodes the rest itself, and the run commits a complete, searchable index.
    import os

    encode = index.postings._encode
    indexer = os.getpid()

    def deadly(fields, specs, number, begin, end):
        # A worker, past the first chunk.
        if os.getpid() != indexer and (number, begin) > (0, 0):
            os._exit(9)
        return encode(fields, specs, number, begin, end)

    monkeypatch.setattr(index.postings, "_encode", deadly)
    monkeypatch.setattr(index.postings, "PARALLEL_MIN_POSTINGS", 0)
    monkeypatch.setattr(index.postings, "CHUNK_POSTINGS", 300)
    report = run([archive], IndexStore(index_dir))
    assert not report.failed
    copy = index_dir.parent / "serial"
    monkeypatch.setattr(index.postings, "PARALLEL_MIN_POSTINGS", 10**12)
    run([archive], IndexStore(copy))
    assert _segment_files(index_dir) == _segment_files(copy)


def test_a_commit_whose_flat_postings_process_dies_saves_them_itself(
        archive, index_dir, monkeypatch):
    # The flat postings of a large segment are saved by a process of their own while the
    # blocks are encoded; when it dies, the indexer saves them itself: the same file, and
    # searches read it.
    import os

    import index.flat

    save = index.flat.write_fields
    indexer = os.getpid()

    def deadly(*args):
        if os.getpid() != indexer:
            os._exit(9)
        return save(*args)

    monkeypatch.setattr(index.flat, "write_fields", deadly)
    monkeypatch.setattr(index.postings, "PARALLEL_MIN_POSTINGS", 0)
    report = run([archive], IndexStore(index_dir))
    assert not report.failed
    monkeypatch.setattr(index.postings, "PARALLEL_MIN_POSTINGS", 10**12)
    copy = index_dir.parent / "serial"
    run([archive], IndexStore(copy))
    files = _segment_files(index_dir)
    assert ".flat" in files and files == _segment_files(copy)
    from search import SearchIndex, SearchRequest
    from search import run as search_run
    assert search_run(SearchRequest("knalvuurwerk"), SearchIndex(index_dir)).total > 0


def test_an_unreadable_file_among_many_is_reported_and_the_rest_indexed(archive, index_dir,
                                                                         monkeypatch):
    # In worker processes too: a bad file is named with its reason; the others are written.
    (archive / "kapot.pdf").write_bytes(b"%PDF-1.4 dit is geen pdf")
    monkeypatch.setattr(pipeline, "POOL_MIN_FILES", 0)
    report = run([archive], IndexStore(index_dir))
    assert [f.path for f in report.failed] == [str(archive / "kapot.pdf")]
    assert report.failed[0].error
    assert len(report.added) > 20 and report.exit_code == 1


def test_a_file_that_kills_its_reading_process_fails_alone(archive, index_dir, monkeypatch):
    # A file that makes the reading process die (killed for its memory, a crash in a reader
    # library) is named as failed with a reason; every other file is indexed and committed.
    import os

    (archive / "dodelijk.txt").write_text("Verslag\n\nDit bestand doodt zijn lezer.\n")
    process = pipeline._process

    def deadly(file_path, *args, **kwargs):
        if file_path.name == "dodelijk.txt":
            os._exit(9)
        return process(file_path, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_process", deadly)
    monkeypatch.setattr(pipeline, "POOL_MIN_FILES", 0)
    report = run([archive], IndexStore(index_dir))
    assert [f.path for f in report.failed] == [str(archive / "dodelijk.txt")]
    assert "stopped unexpectedly" in report.failed[0].error
    expected = sum(1 for p in archive.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert len(report.added) == expected - 1
    from search import SearchIndex, SearchRequest
    from search import run as search_run
    assert search_run(SearchRequest("knalvuurwerk"), SearchIndex(index_dir)).total > 0


def test_postings_added_out_of_document_order_come_out_sorted():
    # Merging segments adds each segment's postings in turn, and a term's documents can then
    # arrive out of order; blocks need them sorted, each with its own value.
    pool = MemoryPool()
    for docnum, weight, value in ((7, 1.0, b"B\x07"), (2, 2.0, None), (5, 3.0, b"H\x05\x00")):
        pool.add(("text", b"vuurwerk", docnum, weight, value))
    pool.add(("text", b"zorg", 1, 1.0, b"B\x01"))
    (field, term, docs, weights, sizes, data), second = pool.terms()
    assert (field, term, list(docs), list(weights)) == ("text", b"vuurwerk", [2, 5, 7],
                                                        [2.0, 3.0, 1.0])
    assert (list(sizes), bytes(data)) == ([-1, 3, 2], b"H\x05\x00B\x07")
    assert second[1] == b"zorg" and list(second[2]) == [1]


def test_analysed_values_added_out_of_document_order_come_out_sorted():
    # A value of an earlier document that comes after a later one (another field in
    # between) still leaves every term's postings sorted.
    from array import array

    from index.positions import Analysed

    def value(*terms):
        return Analysed(("\n".join(terms).encode(), array("i", [1] * len(terms)),
                         array("i", [2] * len(terms)), b"B\x00" * len(terms), 1.0))

    pool = MemoryPool()
    pool.add_analysed("text", 4, value("vuurwerk", "zorg"), 1.0)
    pool.add(("actor", b"Burgemeester", 9, 1.0, None))  # a later document, another field
    pool.add_analysed("text", 6, value("zorg"), 1.0)
    assert pool.add_analysed("text", 2, value("vuurwerk", "politie"), 1.0) == 2
    found = {term: list(docs) for _, term, docs, *_ in pool.terms()}
    assert found == {b"Burgemeester": [9], b"politie": [2], b"vuurwerk": [2, 4],
                     b"zorg": [4, 6]}


def test_an_archive_growing_a_meeting_at_a_time_copies_little_and_keeps_few_segments():
    # The writer's merge policy, followed over years of runs of one meeting (5 agenda items)
    # each: on a 100,000-item archive, and from nothing. Each segment slows every search;
    # each agenda item merged slows the run (merging all segments under 2,000 items copied
    # ~1,000 items at every run).
    for start, runs in (([100_000], 400), ([], 2_000)):
        segments = list(start)
        copied = []
        for _ in range(runs):
            merged = merge_plan(segments, 5)
            copied.append(sum(segments[i] for i in merged))
            segments = [s for i, s in enumerate(segments) if i not in merged] + [5 + copied[-1]]
            assert len(segments) <= 5
        assert sum(copied) / runs < 150
        assert sum(segments) == sum(start) + 5 * runs
    assert merge_plan([0, 150, 30_000], 5) == [1]  # emptied: dropped; large: left alone


def test_the_term_table_is_written_byte_for_byte_as_whoosh_writes_it():
    # The commit adds each term to Whoosh's ordered hash file by a faster path; readers
    # find terms by the hashes and positions it records.
    import io

    from whoosh.filedb.filetables import OrderedHashWriter
    from whoosh.filedb.structfile import StructFile

    from index.postings import _term_table_adder

    keys = sorted({f"{word}{n}".encode() for word in ("zorg", "vuurwerk", "ü") for n in
                   range(300)})
    files = []
    for fast in (False, True):
        buffer = io.BytesIO()
        table = OrderedHashWriter(StructFile(buffer))
        add = _term_table_adder(table) if fast else table.add
        assert (add == table.add) is not fast
        for i, key in enumerate(keys):
            add(key, i.to_bytes(4, "little") * (i % 5))
        with pytest.raises(ValueError):
            add(keys[0], b"")
        table.dbfile.close = lambda: None  # keep the buffer readable
        table.close()
        files.append(buffer.getvalue())
    assert len(files[0]) > 10_000 and files[0] == files[1]


@pytest.mark.parametrize("weight", [1.0, 2.5, 0.1, 0.0, -3.0, float("nan")])
@pytest.mark.parametrize("size", [-1, 0, 2, 300])
@pytest.mark.parametrize("fixed", [None, 0, 2])
@pytest.mark.parametrize("lengths", [None, [None, 7, None], [None, 0, None]])
def test_a_term_with_one_posting_is_written_as_any_other(weight, size, fixed, lengths):
    # Most terms have one posting and take a shorter way to their bytes: the same bytes
    # as the general one, whatever the weight, value, value size and field length.
    from array import array

    from index.postings import _FieldSpec, _one_posting, _postings_blocks

    spec = _FieldSpec(128, 3, lengths, fixed)
    data = bytes(range(256)) * 2
    short = _one_posting(spec, 1, weight, size, data)
    general = _postings_blocks(spec, array("i", [1]), array("d", [weight]),
                               array("i", [size]), data)
    assert short == general
