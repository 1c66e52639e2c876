"""Readers and decoding: what a user notices when they point the indexer at their files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import docx
import pytest
from pdfmaker import make_pdf  # tests/ is on sys.path under pytest

from index.encoding import decode
from index.errors import UnreadableDocument
from index.readers import SUPPORTED_SUFFIXES, read, walk

CORPUS = Path("/work/shared/corpus")


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def only_text(path: Path):
    result = read(path)
    assert len(result.texts) == 1
    return result.texts[0]


# --------------------------------------------------------------------------- encoding


def test_cp1252_file_reads_accents_and_curly_quotes(tmp_path):
    text = "Café de Zwaan: ruïne, cliënten en ’s middags overleg."
    path = write(tmp_path / "oud.txt", text.encode("cp1252"))
    assert only_text(path).text == text


def test_double_encoded_utf8_is_repaired(tmp_path):
    original = "De cliënten worden beëindigd, zegt ’s-Gravenhage."
    mojibake = original.encode("utf-8").decode("cp1252").encode("utf-8")
    assert "Ã«" in mojibake.decode("utf-8")
    assert only_text(write(tmp_path / "dubbel.txt", mojibake)).text == original


def test_mixed_utf8_and_cp1252_bytes_are_both_right():
    data = "Notulen “cliënten”, ".encode() + "ruïne".encode("cp1252")
    assert decode(data, "gemengd.txt") == "Notulen “cliënten”, ruïne"


def test_decode_keeps_quotes_and_entities_but_normalises():
    data = "\ufeff“Zo” zei ze &amp; hij.\r\nVolgende regel".encode() + "e\u0301".encode()
    assert decode(data, "x.txt") == "“Zo” zei ze &amp; hij.\nVolgende regel\u00e9"


def test_txt_keeps_its_line_structure(tmp_path):
    text = "NOTULEN\n\n1. Opening\nDe voorzitter opent\nde vergadering.\n"
    assert only_text(write(tmp_path / "n.txt", text)).text == text


@pytest.mark.parametrize(
    "content",
    [b"%PDF\x00\x01\x02binary", bytes(range(1, 32)) * 20],
    ids=["nul-bytes", "control-characters"],
)
def test_binary_file_is_refused(tmp_path, content):
    path = write(tmp_path / "geheim.txt", content)
    with pytest.raises(UnreadableDocument) as info:
        read(path)
    assert info.value.reason == "binary file, not text"
    assert info.value.path == str(path)


@pytest.mark.parametrize("content", [b"", b"  \n\t\n", b"\xef\xbb\xbf\n"])
def test_empty_file_is_refused(tmp_path, content):
    with pytest.raises(UnreadableDocument, match="empty file"):
        read(write(tmp_path / "leeg.txt", content))


def test_unsupported_suffix_is_refused(tmp_path):
    with pytest.raises(UnreadableDocument, match="unsupported file type .csv"):
        read(write(tmp_path / "lijst.csv", "a;b"))


def test_too_large_text_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "groot.txt"
    with path.open("wb") as fh:
        fh.truncate(51 * 1024 * 1024)  # sparse: no 51 MB written to disk
    with pytest.raises(UnreadableDocument, match=r"file too large \(51.0 MB, limit 50 MB\)"):
        read(path)


# --------------------------------------------------------------------------- Markdown


def test_markdown_front_matter_scalar_inline_list_and_dash_list(tmp_path):
    path = write(
        tmp_path / "notulen.md",
        "---\n"
        'title: "Notulen bestuur: 3 maart"\n'
        "date: 2024-03-03\n"
        "topics: [Financiën, 'Wonen, bouwen']\n"
        "actors:\n"
        "  - Jansen\n"
        "  - De Vries\n"
        "sleutel: genegeerd\n"
        "---\n"
        "# Notulen\n\n## 1. Opening\nDe voorzitter opent.\n",
    )
    raw = only_text(path)
    assert raw.meta == {
        "title": "Notulen bestuur: 3 maart",
        "date": "2024-03-03",
        "actors": ["Jansen", "De Vries"],
        "topics": ["Financiën", "Wonen, bouwen"],
    }
    assert raw.markdown is True
    assert raw.text.startswith("# Notulen\n\n## 1. Opening\n\nDe voorzitter opent.")


def test_markdown_syntax_is_stripped_lightly(tmp_path):
    path = write(
        tmp_path / "kort.markdown",
        "Zie het [verslag](https://example.org/a_(b)) en **besluit** over *_wonen_*.\n\n"
        "*   Eerste punt met `code`\n"
        "* Tweede punt\n"
        "1. Genummerd\n\n"
        "_Dit loopt over\ntwee regels._ Met snake_case_naam.\n",
    )
    assert only_text(path).text == (
        "Zie het verslag en besluit over wonen.\n\n"
        "- Eerste punt met code\n- Tweede punt\n1. Genummerd\n\n"
        "Dit loopt over\ntwee regels. Met snake_case_naam."
    )


def test_markdown_without_closing_front_matter_keeps_everything(tmp_path):
    raw = only_text(write(tmp_path / "a.md", "---\ntitle: x\nGeen einde hier.\n"))
    assert raw.meta == {}
    assert "Geen einde hier." in raw.text


# --------------------------------------------------------------------------- HTML


def test_html_headings_paragraphs_and_scripts(tmp_path):
    path = write(
        tmp_path / "verslag.html",
        "<!DOCTYPE html><html><head><title>Verslag raad</title>"
        "<style>p { color: red }</style><script>alert('weg')</script></head>"
        "<body><h2>Agendapunt&nbsp;1</h2><p>De raad &amp; het college\n  spreken over "
        "<b>wonen</b>.</p><p>Tekst over &lt;script&gt; blijft staan.</p>"
        "<ul><li>Eerste</li><li>Tweede<br>regel</li></ul>"
        "<script>document.write('ook weg')</script></body></html>",
    )
    raw = only_text(path)
    assert raw.markdown is True
    assert raw.meta == {"title": "Verslag raad"}
    assert raw.text == (
        "## Agendapunt 1\n\nDe raad & het college spreken over wonen.\n\n"
        "Tekst over <script> blijft staan.\n\n- Eerste\n\n- Tweede\nregel"
    )
    assert "alert" not in raw.text and "ook weg" not in raw.text and "color" not in raw.text


def test_html_title_not_used_when_there_is_an_h1(tmp_path):
    path = write(tmp_path / "a.htm", "<title>Site</title><h1>Notulen</h1><p>Tekst.</p>")
    raw = only_text(path)
    assert raw.meta == {}
    assert raw.text == "# Notulen\n\nTekst."


# --------------------------------------------------------------------------- XML


def test_xml_paragraphs_headings_title_and_date(tmp_path):
    path = write(
        tmp_path / "handeling.xml",
        '<?xml version="1.0" encoding="windows-1252"?>\n'
        "<verslag><titel>Vergadering van de raad</titel>\n"
        "  <datum>\n   5 april 2018\n  </datum>\n"
        "  <agendapunt><nr>2</nr><kop><titel>Begroting</titel></kop>\n"
        "    <spreker>De heer <naam>Jansen</naam>\n (\n<partij>VVD</partij>\n):</spreker>\n"
        "    <al>De cliënten   krijgen <nadruk>meer</nadruk>\n      geld.</al>\n"
        "    <al/>\n"
        "  </agendapunt></verslag>",
    )
    raw = only_text(path)
    assert raw.meta == {"title": "Vergadering van de raad", "date": "5 april 2018"}
    assert raw.markdown is True
    assert raw.text.split("\n\n") == [
        "## Vergadering van de raad",
        "5 april 2018",
        "## 2. Begroting",
        "De heer Jansen (VVD):",
        "De cliënten krijgen meer geld.",
    ]


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE lol [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
        '<!DOCTYPE r SYSTEM "http://example.org/r.dtd">',
    ],
)
def test_xml_with_dtd_or_entities_is_refused(tmp_path, doctype):
    path = write(tmp_path / "bom.xml", f'<?xml version="1.0"?>{doctype}<r>&b;</r>')
    with pytest.raises(UnreadableDocument, match="XML with DTD/entities not accepted"):
        read(path)


def test_broken_xml_is_refused_with_the_parser_message(tmp_path):
    with pytest.raises(UnreadableDocument, match="invalid XML: mismatched tag"):
        read(write(tmp_path / "kapot.xml", "<a><b>tekst</a>"))


# --------------------------------------------------------------------------- DOCX


def test_docx_headings_title_tables_and_core_title(tmp_path):
    document = docx.Document()
    document.add_heading("Besluitenlijst", level=0)
    document.add_heading("1. Opening", level=1)
    document.add_paragraph("De voorzitter opent de vergadering.")
    document.add_heading("Details", level=3)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Actie"
    table.cell(0, 1).text = "Jansen belt de wethouder"
    document.add_paragraph("")
    path = tmp_path / "besluiten.docx"
    document.save(path)

    raw = only_text(path)
    assert raw.markdown is True
    assert raw.meta == {"title": "Besluitenlijst"}
    assert raw.text.split("\n\n") == [
        "# Besluitenlijst",
        "## 1. Opening",
        "De voorzitter opent de vergadering.",
        "#### Details",
        "Actie",
        "Jansen belt de wethouder",
    ]

    document.core_properties.title = "Besluitenlijst DB 12 maart"
    document.save(path)
    assert only_text(path).meta["title"] == "Besluitenlijst DB 12 maart"


def test_not_a_docx_is_refused(tmp_path):
    with pytest.raises(UnreadableDocument, match="not a valid .docx"):
        read(write(tmp_path / "nep.docx", "gewoon tekst"))


def test_docx_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bom.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (30 * 1024 * 1024))
    with pytest.raises(UnreadableDocument, match=r"suspicious archive \(zip bomb\?\)"):
        read(path)


# --------------------------------------------------------------------------- PDF


def test_pdf_text_layer(tmp_path):
    path = make_pdf(tmp_path / "notulen.pdf", ["Notulen raad", "Café (cliënten) akkoord"])
    result = read(path)
    assert result.problems == []
    assert result.texts[0].text.split("\n") == ["Notulen raad", "Café (cliënten) akkoord"]


def test_pdf_without_text_layer_is_refused(tmp_path):
    with pytest.raises(UnreadableDocument, match=r"scanned\? no text layer"):
        read(make_pdf(tmp_path / "scan.pdf", []))


def test_broken_pdf_is_refused(tmp_path):
    with pytest.raises(UnreadableDocument) as info:
        read(write(tmp_path / "kapot.pdf", "%PDF-1.4\nniets bruikbaars\n"))
    assert info.value.path.endswith("kapot.pdf")


# --------------------------------------------------------------------------- JSONL


def test_jsonl_good_records_and_bad_lines(tmp_path):
    lines = [
        json.dumps(
            {
                "id": "tk-1",
                "text": "Vragen over wonen.",
                "title": "Kamervraag",
                "date": "2024-11-19",
                "actors": ["Krul (CDA)"],
                "topic": "",
                "source": "elders",
            }
        ),
        "",
        "{kapot",
        json.dumps({"text": "zonder id"}),
        json.dumps({"id": 7, "text": "Getal als id."}),
        json.dumps({"id": "tk-1", "text": "nogmaals"}),
        json.dumps({"id": "tk-3", "text": "   "}),
        json.dumps({"id": "tk-4", "text": "x", "actors": "Jansen", "url": ["a"]}),
        json.dumps(["geen", "object"]),
    ]
    result = read(write(tmp_path / "vragen.jsonl", "\n".join(lines) + "\n"))
    assert [(t.record_id, t.text) for t in result.texts] == [
        ("tk-1", "Vragen over wonen."),
        ("7", "Getal als id."),
    ]
    assert result.texts[0].meta == {
        "title": "Kamervraag",
        "date": "2024-11-19",
        "actors": ["Krul (CDA)"],
    }
    assert result.texts[1].meta == {}
    assert [p.split(":")[0] for p in result.problems] == [
        "line 3",
        "line 4",
        "line 6",
        "line 7",
        "line 8",
        "line 9",
    ]
    assert "invalid JSON" in result.problems[0]
    assert result.problems[1] == "line 4: missing 'id'"
    assert result.problems[2] == "line 6: duplicate id 'tk-1' (first on line 1)"
    assert result.problems[3] == "line 7: empty 'text'"
    assert result.problems[4] == "line 8: 'url' must be a string"
    assert result.problems[5] == "line 9: not a JSON object"


def test_jsonl_with_only_bad_lines_still_returns_the_problems(tmp_path):
    result = read(write(tmp_path / "slecht.jsonl", '{"id": 1}\n'))
    assert result.texts == []
    assert result.problems == ["line 1: missing 'text'"]


# --------------------------------------------------------------------------- sidecars


def test_sidecar_metadata_wins_over_file_metadata(tmp_path):
    path = write(tmp_path / "notulen.md", "---\ntitle: Uit het bestand\n---\nTekst.\n")
    write(
        tmp_path / "notulen.md.meta.toml",
        'title = "Uit de sidecar"\ndate = 2024-03-05\nactors = ["Jansen"]\n'
        'access = "intern"\nonbekend = "genegeerd"\n',
    )
    assert only_text(path).meta == {
        "title": "Uit de sidecar",
        "date": "2024-03-05",
        "actors": ["Jansen"],
        "access": ["intern"],
    }


def test_sidecar_applies_to_every_jsonl_record(tmp_path):
    path = write(tmp_path / "r.jsonl", '{"id": 1, "text": "a"}\n{"id": 2, "text": "b"}\n')
    write(tmp_path / "r.jsonl.meta.toml", 'url = "https://example.org"\n')
    assert [t.meta for t in read(path).texts] == [{"url": "https://example.org"}] * 2


def test_broken_sidecar_names_the_sidecar_and_the_toml_error(tmp_path):
    path = make_pdf(tmp_path / "notulen.pdf", ["Tekst"])
    sidecar = write(tmp_path / "notulen.pdf.meta.toml", 'title = "niet afgesloten\n')
    with pytest.raises(UnreadableDocument) as info:
        read(path)
    assert info.value.path == str(sidecar)
    assert info.value.reason.startswith("invalid TOML: ")
    assert "line 1" in info.value.reason


def test_sidecar_with_wrong_type_is_refused(tmp_path):
    path = write(tmp_path / "a.txt", "Tekst")
    write(tmp_path / "a.txt.meta.toml", "[title]\nx = 1\n")
    with pytest.raises(UnreadableDocument, match="'title' must be a string"):
        read(path)


# --------------------------------------------------------------------------- walk


def test_walk_recurses_sorted_and_skips_hidden_sidecars_and_unknown(tmp_path):
    root = tmp_path / "bron"
    for name in [
        "b.txt",
        "A/z.md",
        "A/a.PDF",
        "a.txt",
        "a.txt.meta.toml",
        ".verborgen.txt",
        ".git/config.txt",
        "sub/.cache/x.html",
        "sub/lijst.csv",
        "sub/~$notulen.docx",
        "sub/r.jsonl",
    ]:
        write(root / name, "x")
    single = write(tmp_path / "los.xml", "<a>x</a>")

    found = list(walk([root, single]))
    assert [(r, f.relative_to(r).as_posix() if r != f else f.name) for r, f in found] == [
        (root, "A/a.PDF"),
        (root, "A/z.md"),
        (root, "a.txt"),
        (root, "b.txt"),
        (root, "sub/r.jsonl"),
        (single, "los.xml"),
    ]


def test_walk_refuses_a_missing_source(tmp_path):
    with pytest.raises(UnreadableDocument, match="no such file or folder"):
        list(walk([tmp_path / "bestaat-niet"]))


def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == {
        ".txt",
        ".md",
        ".markdown",
        ".html",
        ".htm",
        ".xml",
        ".pdf",
        ".docx",
        ".jsonl",
    }


# --------------------------------------------------------------------------- real corpus


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_handelingen_xml_is_decoded_and_structured():
    folder = CORPUS / "tweede_kamer" / "handelingen_2018_vergadering70"
    texts = [read(path).texts[0] for path in sorted(folder.glob("*.xml"))]
    assert texts
    for raw in texts:
        assert "Ã" not in raw.text and "â" not in raw.text and "\ufeff" not in raw.text
    assert any("cliënten" in raw.text for raw in texts)
    assert any(raw.meta.get("title") and raw.markdown for raw in texts)
