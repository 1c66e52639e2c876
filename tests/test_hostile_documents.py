"""Hostile and broken documents: random bytes in every format, truncated and bomb-like PDF and
DOCX files, absurd nesting, a 200 MB text file, NUL bytes, mixed encodings, broken JSONL.

An indexing run over all of them must finish, report each bad file with a reason that names
it, keep memory bounded and index the good files. Files that once took minutes or gigabytes
have their own regression tests, with a generous time bound as a hang guard.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pdfmaker import make_pdf  # tests/ is on sys.path under pytest

from index.errors import UnreadableDocument
from index.readers import SUPPORTED_SUFFIXES, read
from search import EVERYTHING, SearchIndex, SearchRequest, run

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
# The indexer's whole run over the folder below, in its own process. Reading stays within a
# few hundred MB; a decompression bomb that got through would need gigabytes.
MEMORY_LIMIT = 1536 * MB
PEAK_RSS_BOUND = 700 * MB
RUN_TIMEOUT = 240  # s; the run takes ~15 s, so only a hang reaches this
HANG_GUARD = 20  # s per file in the regression tests (before the fixes: minutes)


# --------------------------------------------------------------------------- file makers


def docx_bytes(*paragraphs: str, heading: str | None = None) -> bytes:
    document = docx.Document()
    if heading:
        document.add_heading(heading, 1)
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def _deflated_zeros(megabytes: int) -> bytes:
    """A raw deflate stream of `megabytes` MB of zero bytes, ~1 KB per MB, made instantly:
    a fully flushed block does not refer back, so copies of it can follow each other."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(bytes(MB)) + packer.flush(zlib.Z_FULL_FLUSH)
    return block * megabytes + zlib.compressobj(9, zlib.DEFLATED, -15).flush()


def lying_zip_bomb_docx(megabytes: int) -> bytes:
    """A real Word package whose word/document.xml inflates to `megabytes` MB of zeros while
    its zip headers claim 4 KB, so that every size check on the headers passes."""
    members = []
    with zipfile.ZipFile(io.BytesIO(docx_bytes("Leeg"))) as source:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                members.append((info.filename, _deflated_zeros(megabytes), 4096, 0))
            else:
                members.append((info.filename, _raw_deflate(data), len(data), zlib.crc32(data)))
    body, directory = bytearray(), bytearray()
    for name, packed, size, crc in members:
        encoded = name.encode()
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc,
                                 len(packed), size, len(encoded), 0, 0, 0, 0, 0, len(body))
        directory += encoded
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(packed),
                            size, len(encoded), 0)
        body += encoded + packed
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                      len(directory), len(body), 0)
    return bytes(body + directory + end)


def oversized_xml_docx(megabytes: int) -> bytes:
    """A Word package with a word/document.xml of `megabytes` MB that does not compress well
    (so it is no zip bomb by ratio), larger than the reader parses."""
    filler = os.urandom(megabytes * MB * 3 // 4).hex()[: megabytes * MB]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes("Leeg"))) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"Leeg", filler.encode())
            target.writestr(info.filename, data)
    return out.getvalue()


def flate_bomb_pdf(megabytes: int) -> bytes:
    """A one-page PDF whose content stream inflates to `megabytes` MB of zero bytes."""
    # A zlib header, then the raw deflate blocks (pypdf does not insist on the checksum).
    stream = b"\x78\xda" + _deflated_zeros(megabytes)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
        + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 6\n0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def many_paragraphs_docx(count: int) -> bytes:
    """A Word document of `count` short paragraphs without a style of their own."""
    with zipfile.ZipFile(io.BytesIO(docx_bytes("Leeg"))) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    xml = parts["word/document.xml"].decode()
    paragraph = "<w:p><w:r><w:t>De griffier noteert punt {}.</w:t></w:r></w:p>"
    many = "".join(paragraph.format(n) for n in range(count))
    start = xml.index("<w:p>") if "<w:p>" in xml else xml.index("<w:p ")
    end = xml.index("</w:p>", start) + len("</w:p>")
    parts["word/document.xml"] = (xml[:start] + many + xml[end:]).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def nested(tag: str, depth: int, inner: str) -> str:
    return f"<{tag}>" * depth + inner + f"</{tag}>" * depth


# --------------------------------------------------------------------------- the folder

# Good files: each holds one made-up word that only it contains.
GOOD = {
    "verslag-2022-04-04.md": (
        "---\ntitle: Verslag Dijkoverleg 4 april 2022\ndate: 2022-04-04\n---\n\n"
        "## Sluisbeheer\n\nDe dijkgraaf meldt dat het zeppelinhavenbesluit is genomen.\n"
    ),
    "terugkoppeling-2021-02-01.txt": (
        "Terugkoppeling Dijkoverleg 1 februari 2021\n\nKadeherstel\n\n"
        "De wethouder bespreekt het herstel van de kabeljauwkade met de aannemer.\n"
    ),
}
GOOD_WORDS = {
    "zeppelinhavenbesluit": "verslag-2022-04-04.md",
    "kabeljauwkade": "terugkoppeling-2021-02-01.txt",
    "lantaarnopsteker": "notulen-2020-06-08.pdf",
    "grachtenbootverhuur": "besluitenlijst-2020-09-14.docx",
    "havenmeester": "diep-genest.html",
    "watertorenplan": "diep-genest.xml",
    "wolkenkade": "gemengde-codering.txt",
    "penningmeesterschap": "veel-haken.md",
    "sluiswachter": "open-tags.html",
    "polderpomp": "records.jsonl",
}

JSONL_LINES = [
    json.dumps({"id": "r1", "text": "Het waterschap bespreekt de polderpomp.",
                "title": "Besluit polderpomp", "date": "2021-03-01"}),
    "{dit is geen json",
    json.dumps({"id": "r3"}),
    json.dumps([1, 2, 3]),
    json.dumps({"id": "r5", "text": "Een NUL\u0000midden in de tekst over de stuw."}),
    json.dumps({"id": "r1", "text": "Dubbel id."}),
    '{"id": "r7", "text": "afgebro',
]

# Bad files: name → the reason the run must give for it (a regular expression).
BAD = {
    "ruis.txt": r"binary file, not text",
    "ruis.md": r"binary file, not text",
    "ruis.html": r"binary file, not text",
    "ruis.xml": r"binary file, not text",
    "ruis.jsonl": r"binary file, not text",
    "ruis.pdf": r"broken PDF|PDF",
    "ruis.docx": r"not a valid \.docx \(not a zip archive\)",
    "afgebroken.pdf": r"broken PDF",
    "afgebroken.docx": r"not a valid \.docx \(not a zip archive\)",
    "zipbom.docx": r"suspicious archive \(zip bomb\?\): word/document\.xml inflates to more "
                   r"than the 4096 bytes",
    "reuzendeel.docx": r"word/document\.xml too large \(60\.0 MB unpacked, limit 50 MB\)",
    "pdfbom.pdf": r"page 1: text not extractable \(.*[Ll]imit",
    "enorm.txt": r"file too large \(200\.0 MB, limit 50 MB\)",
    "nul-bytes.txt": r"binary file, not text",
    "dtd-bom.xml": r"XML with DTD/entities not accepted",
}
# records.jsonl is indexed but reports each bad line.
JSONL_PROBLEMS = [
    r"line 2: invalid JSON", r"line 3: missing 'text'", r"line 4: not a JSON object",
    r"line 6: duplicate id 'r1' \(first on line 1\)", r"line 7: invalid JSON",
]


def write_hostile_folder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    noise = random.Random(6)
    for name, text in GOOD.items():
        (folder / name).write_text(text, encoding="utf-8")
    make_pdf(folder / "notulen-2020-06-08.pdf",
             ["Notulen Dijkoverleg 8 juni 2020", "De lantaarnopsteker krijgt een nieuwe ladder."])
    (folder / "besluitenlijst-2020-09-14.docx").write_bytes(
        docx_bytes("Het bestuur besluit tot grachtenbootverhuur in de zomer.",
                   heading="Besluitenlijst 14 september 2020"))
    (folder / "diep-genest.html").write_text(
        "<html><body>" + nested("div", 100_000, "<p>De havenmeester opent de sluis.</p>")
        + "</body></html>", encoding="utf-8")
    (folder / "diep-genest.xml").write_text(
        "<verslag>" + nested("sectie", 100_000, "<p>Het watertorenplan is aangenomen.</p>")
        + "</verslag>", encoding="utf-8")
    (folder / "gemengde-codering.txt").write_bytes(
        "Vergadering over de Wolkenkade\n\nDe cliënten van de voedselbank zijn tevreden.\n"
        .encode()
        + "Het café aan de Wolkenkade krijgt een terras.\n".encode("cp1252"))
    (folder / "veel-haken.md").write_text(
        "# Verslag\n\nHet penningmeesterschap wordt overgedragen.\n\n" + "[" * 50_000
        + "\n\n" + "*a " * 20_000 + "\n\n#\t" + " \t" * 5_000 + "x\n", encoding="utf-8")
    (folder / "open-tags.html").write_text(
        "<p>De sluiswachter meldt een storing.</p>" + "<a/" * 30_000, encoding="utf-8")
    (folder / "records.jsonl").write_text("\n".join(JSONL_LINES), encoding="utf-8")

    for suffix in (".txt", ".md", ".html", ".xml", ".jsonl", ".pdf", ".docx"):
        (folder / f"ruis{suffix}").write_bytes(noise.randbytes(64 * 1024))
    good_pdf = (folder / "notulen-2020-06-08.pdf").read_bytes()
    (folder / "afgebroken.pdf").write_bytes(good_pdf[: len(good_pdf) // 2])
    good_docx = (folder / "besluitenlijst-2020-09-14.docx").read_bytes()
    (folder / "afgebroken.docx").write_bytes(good_docx[: len(good_docx) // 2])
    (folder / "zipbom.docx").write_bytes(lying_zip_bomb_docx(2000))
    (folder / "reuzendeel.docx").write_bytes(oversized_xml_docx(60))
    (folder / "pdfbom.pdf").write_bytes(flate_bomb_pdf(500))
    with open(folder / "enorm.txt", "wb") as handle:
        handle.write(b"De voorzitter opent de vergadering.\n" * 1000)
        handle.truncate(200 * MB)  # sparse: 200 MB to hash and to refuse, little on disk
    (folder / "nul-bytes.txt").write_bytes(
        b"Notulen van de vergadering\n\nDe voorzitter\x00 opent\x00 de vergadering.\n")
    entities = "".join(f' <!ENTITY {name} "{f"&{previous};" * 10}">\n'
                       for previous, name in zip("abcdefgh", "bcdefghi", strict=True))
    (folder / "dtd-bom.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE verslag [\n <!ENTITY a "hahahahahahahahahaha">\n'
        + entities + "]>\n<verslag>&i;</verslag>\n", encoding="utf-8")
    return folder


def index_in_subprocess(folder: Path, index_dir: Path):
    """`bestuurszoeker index --json` in its own process under an address-space limit;
    returns (exit code, report, stderr, peak resident memory in bytes, seconds)."""
    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    out_path, err_path = index_dir.with_suffix(".out"), index_dir.with_suffix(".err")
    started = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "index", str(folder), "--index", str(index_dir),
             "--json"], cwd=ROOT, stdout=out, stderr=err, preexec_fn=limit_memory,
            # NumPy's BLAS reserves address space per core: one thread keeps the limit about
            # the indexer on machines with many cores.
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
        while True:
            # wait4, not wait: the resource usage of this one child, not of all children.
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > RUN_TIMEOUT:
                process.kill()
                process.wait()
                pytest.fail(f"the index run did not finish within {RUN_TIMEOUT} s")
            time.sleep(0.05)
    seconds = time.monotonic() - started
    code = process.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(encoding="utf-8")
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    report = json.loads(stdout) if stdout.strip() else None
    return code, report, stderr, usage.ru_maxrss * 1024, seconds


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    folder = write_hostile_folder(base / "notulen")
    index_dir = base / "index"
    return folder, index_dir, index_in_subprocess(folder, index_dir)


def test_the_run_finishes_with_exit_1_and_bounded_memory(hostile_run):
    _, _, (code, report, stderr, peak, seconds) = hostile_run
    assert report is not None, stderr[-2000:]
    assert code == 1, stderr[-2000:]
    assert peak < PEAK_RSS_BOUND, f"peak memory {peak / MB:.0f} MB"
    assert "Traceback" not in stderr


def test_each_bad_file_is_reported_with_its_reason(hostile_run):
    folder, _, (_, report, stderr, _, _) = hostile_run
    failed: dict[str, list[str]] = {}
    for failure in report["failed"]:
        failed.setdefault(Path(failure["path"]).name, []).append(failure["error"])
    for name, reason in BAD.items():
        assert name in failed, f"{name} not reported"
        assert re.search(reason, failed[name][0]), (name, failed[name])
        # Each failure is named on stderr too, with the path as given and the reason.
        assert f"failed: {folder / name}: {failed[name][0]}" in stderr
    problems = failed.pop("records.jsonl")
    for reason, problem in zip(JSONL_PROBLEMS, problems, strict=True):
        assert re.search(reason, problem), (reason, problem)
    assert set(failed) == set(BAD), "a good file was reported as failed"
    assert sorted(Path(p).name for p in report["added"]) == sorted(set(GOOD_WORDS.values()))


def test_the_good_files_are_searchable(hostile_run):
    _, index_dir, _ = hostile_run
    index = SearchIndex(index_dir)
    for word, name in GOOD_WORDS.items():
        results = run(SearchRequest(word, access=EVERYTHING), index)
        assert [Path(hit.source.split("#")[0]).name for hit in results.hits] == [name], word
    # Both halves of the file with mixed encodings read right.
    hits = run(SearchRequest("wolkenkade", access=EVERYTHING), index).hits
    assert "cliënten" in hits[0].snippet or "café" in hits[0].snippet
    texts = run(SearchRequest("terras café", access=EVERYTHING), index).hits
    assert texts and "café" in texts[0].snippet and "Ã" not in texts[0].snippet
    # The JSONL record with a NUL in its text is indexed without it.
    stuw = run(SearchRequest("stuw", access=EVERYTHING), index).hits
    assert [hit.source.rsplit("#", 1)[1] for hit in stuw] == ["r5"]
    assert "\x00" not in stuw[0].snippet


# --------------------------------------------------------------------------- regressions


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("haken.md", "Het verslag.\n\n" + "[" * 100_000),
        ("uitroep.md", "Het verslag.\n\n" + "![" * 50_000),
        ("sterren.md", "Het verslag.\n\n" + "*a " * 40_000),
        ("vet.md", "Het verslag.\n\n" + "**a " * 30_000),
        ("liggend.md", "Het verslag.\n\n" + "_a " * 40_000),
        ("links.md", "Het verslag.\n\n" + "<http://" * 20_000),
        ("kop.md", "Het verslag.\n\n#\t" + " \t" * 20_000 + "x"),
        ("kop.txt", "Het verslag.\n\n# a" + " " * 100_000 + "x"),
        ("tags.html", "<p>Het verslag.</p>" + "<a/" * 50_000),
        ("attribuut.html", "<p>Het verslag.</p>" + "<a x='" * 30_000),
        ("regels.html", "<p>Het verslag.</p>" + "<a\n" * 50_000),
        ("commentaar.html", "<p>Het verslag.</p>" + "<!--" * 50_000),
    ],
)
def test_pathological_markup_is_read_in_bounded_time(tmp_path, name, text):
    """Each of these took minutes to hours (quadratic or cubic regular expressions, an HTML
    parser rescanning an unclosed tag from every later `<`)."""
    from index.pipeline import Vocabularies, build_document

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    result = read(path)
    for raw in result.texts:
        build_document(raw, name, name, path, Vocabularies.load())
    assert time.monotonic() - started < HANG_GUARD
    assert "Het verslag." in result.texts[0].text


def test_a_long_word_document_is_read_in_bounded_time(tmp_path):
    """python-docx looks up the default style among all styles for every paragraph without
    one: 2 ms each, so 40,000 paragraphs took 80 s."""
    path = tmp_path / "lang.docx"
    path.write_bytes(many_paragraphs_docx(40_000))
    started = time.monotonic()
    text = read(path).texts[0].text
    assert time.monotonic() - started < HANG_GUARD
    assert "punt 0." in text and "punt 39999." in text


# --------------------------------------------------------------------------- random bytes


def _valid_pdf() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return make_pdf(Path(folder) / "p.pdf", ["Notulen", "De voorzitter opent."]).read_bytes()


# One valid file per format, for the fuzzer to damage.
VALID = {
    ".txt": b"Notulen\n\nDe voorzitter opent de vergadering om 19.30 uur.\n",
    ".md": b"---\ntitle: Verslag\ndate: 2020-01-01\n---\n\n## Punt\n\n*Tekst* [link](u)\n",
    ".html": b"<html><head><title>T</title></head><body><h1>Kop</h1><p>Tekst</p></body>",
    ".xml": b"<verslag><titel>Titel</titel><datum>2020-01-01</datum><p>Tekst</p></verslag>",
    ".jsonl": json.dumps({"id": 1, "text": "Tekst", "date": "2020-01-01"}).encode() + b"\n",
    ".pdf": _valid_pdf(),
    ".docx": docx_bytes("De voorzitter opent.", heading="Notulen"),
}
SUFFIXES = sorted(s for s in SUPPORTED_SUFFIXES if s not in (".htm", ".markdown"))


@st.composite
def damaged(draw):
    """Bytes that look like a file of some type: random, or a valid file with random bytes
    changed, cut off, or inserted."""
    suffix = draw(st.sampled_from(SUFFIXES))
    kind = draw(st.sampled_from(["random", "flipped", "truncated", "inserted"]))
    data = VALID[suffix]
    if kind == "random":
        data = draw(st.binary(max_size=2048))
    elif kind == "truncated":
        data = data[: draw(st.integers(0, len(data)))]
    elif kind == "flipped":
        changed = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            changed[draw(st.integers(0, len(changed) - 1))] = draw(st.integers(0, 255))
        data = bytes(changed)
    else:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    return suffix, data


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=damaged())
@example(case=(".txt", b"\x00" * 10))
@example(case=(".md", b"\xff\xfe" + "tekst".encode("utf-16-le")))
@example(case=(".xml", b"<a>" * 10_000))
@example(case=(".html", b"<" * 10_000))
@example(case=(".jsonl", b'{"id": 1, "text": "\\ud800"}\n'))
@example(case=(".pdf", b"%PDF-1.4\n"))
@example(case=(".docx", b"PK\x03\x04"))
def test_a_damaged_file_is_read_or_refused_with_a_reason(tmp_path, case):
    suffix, data = case
    path = tmp_path / f"kapot{suffix}"
    path.write_bytes(data)
    started = time.monotonic()
    try:
        result = read(path)
    except UnreadableDocument as exc:
        assert exc.reason.strip()
        assert str(path) in str(exc)
    else:
        assert all(isinstance(text.text, str) for text in result.texts)
    assert time.monotonic() - started < HANG_GUARD
