"""Readers: turn one file of any supported format into RawText objects.

`read(path)` dispatches on the file suffix; `walk(sources)` finds the files to read.
Every failure a user can act on is raised as UnreadableDocument with a short reason.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .documents import RawText, ReadResult
from .encoding import decode
from .errors import UnreadableDocument

MB = 1024 * 1024
MAX_TEXT_BYTES = 50 * MB  # text formats are read into memory whole
MAX_BINARY_BYTES = 200 * MB  # PDF (pypdf loads the whole file) and DOCX archives
MAX_DOCX_UNCOMPRESSED = 200 * MB
MAX_DOCX_RATIO = 100  # Office XML compresses ~5-20x; far beyond that smells of a zip bomb
MAX_DOCX_MEMBERS = 10_000
# python-docx parses every XML part whole, at ~8 bytes of memory per byte of XML: an XML part
# may be as large as a text file, not as large as the whole archive (images are not parsed).
MAX_DOCX_XML_PART = MAX_TEXT_BYTES
MAX_PDF_PAGES = 2000

SIDECAR_SUFFIX = ".meta.toml"
META_KEYS = ("title", "date", "actors", "topics", "url", "access")
_LIST_KEYS = frozenset({"actors", "topics", "access"})


# --------------------------------------------------------------------------- dispatch


def read(path: Path) -> ReadResult:
    """Read one file into a ReadResult, choosing the reader by its (lower-case) suffix.

    Metadata from a sidecar `<file>.meta.toml` is merged into every text's meta and wins
    over metadata found in the file itself. Raises UnreadableDocument for unsupported,
    unreadable, empty, binary or broken files; any other exception a reader raises is
    wrapped into UnreadableDocument here (the cause stays chained for debugging).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise UnreadableDocument(path, f"unsupported file type {suffix or '(no suffix)'}")
    sidecar = _read_sidecar(path)
    try:
        _check_size(path, suffix)
        result = reader(path)
    except UnreadableDocument:
        raise
    except OSError as exc:
        raise UnreadableDocument(path, f"cannot open file: {exc.strerror or exc}") from exc
    except Exception as exc:  # a bad file must never crash an indexing run
        raise UnreadableDocument(path, f"cannot read {suffix}: {exc}") from exc
    if suffix != ".jsonl" and not any(t.text.strip() for t in result.texts):
        raise UnreadableDocument(path, "no text found")
    for text in result.texts:
        text.meta.update(sidecar)
    return result


def walk(sources: list[Path]) -> Iterator[tuple[Path, Path]]:
    """Yield (source_root, file) for every supported file under each source, sorted.

    A source may be a folder (searched recursively) or a single file, which is then its own
    root: (file, file). Hidden files and folders (name starts with "."), Office lock files
    ("~$…") and sidecars (`*.meta.toml`) are skipped; symlinked folders are not followed.
    A source that does not exist raises UnreadableDocument.
    """
    for found in walk_relative(sources):
        yield found.source, Path(found.path)


@dataclass(frozen=True, slots=True)
class Found:
    """A file `walk_relative` found."""

    source: Path
    path: str  # the file, as a string path starting with its source as given
    inside: str | None  # its path inside its source folder ("a/b.txt"); None: a file source
    symlink: bool
    # From the folder listing: the stat of the file (one system call, made once) and
    # whether it has a sidecar, which spares asking for one per file.
    entry: os.DirEntry | None = None
    sidecar: bool | None = None  # None: not known from a listing

    def stamp(self) -> list[int]:
        """Size and modification time (ns) of the file and of its sidecar, if any; OSError
        when the file cannot be stat'ed (e.g. a broken symlink)."""
        status = self.entry.stat() if self.entry is not None else os.stat(self.path)
        stamp = [status.st_size, status.st_mtime_ns]
        if self.sidecar is False:
            return stamp
        try:
            side = os.stat(self.path + SIDECAR_SUFFIX)
        except FileNotFoundError:
            return stamp
        return stamp + [side.st_size, side.st_mtime_ns]


def walk_relative(sources: list[Path]) -> Iterator[Found]:
    """`walk`, with each file as a string path, its path inside its source folder and what
    the folder listing told about it. Strings, not Paths, and one listing per folder: an
    archive of 20,000 files is walked at every run."""
    for source in sources:
        source = Path(source)
        if source.is_file():
            # Named explicitly, so a hidden name is fine; the type must still be known.
            if _wanted(source.name.lstrip(".")):
                yield Found(source, str(source), None, source.is_symlink())
        elif source.is_dir():
            prefix = os.path.join(str(source), "")
            found: list[tuple[list[str], str, os.DirEntry, bool]] = []
            _scan(prefix, [], found)
            found.sort(key=lambda item: item[0])
            for parts, relative, entry, sidecar in found:
                yield Found(source, prefix + relative, "/".join(parts),
                            entry.is_symlink(), entry, sidecar)
        else:
            raise UnreadableDocument(source, "no such file or folder")


def _scan(folder: str, parts: list[str], found: list) -> None:
    """Add (path parts, relative path, entry, has a sidecar) for the wanted files under
    `folder`; like os.walk, folders that cannot be listed are skipped and symlinked
    folders are not entered."""
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError:
        return
    names = {entry.name for entry in entries}
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if not entry.is_symlink():
                _scan(entry.path + os.sep, [*parts, name], found)
        elif _wanted(name):
            inner = [*parts, name]
            found.append((inner, os.sep.join(inner), entry, name + SIDECAR_SUFFIX in names))


def _wanted(name: str) -> bool:
    # The suffix first, by hand: asked for every file of the archive at every run.
    lower = name.lower()
    dot = lower.rfind(".")
    if dot <= 0 or lower[dot:] not in SUPPORTED_SUFFIXES:
        return False
    return not name.startswith(("~$", ".")) and not lower.endswith(SIDECAR_SUFFIX)


def _check_size(path: Path, suffix: str) -> None:
    binary = suffix in (".pdf", ".docx")
    limit = MAX_BINARY_BYTES if binary else MAX_TEXT_BYTES
    size = path.stat().st_size
    if size > limit:
        raise UnreadableDocument(
            path, f"file too large ({size / MB:.1f} MB, limit {limit // MB} MB)"
        )


def _read_text_file(path: Path) -> str:
    return decode(path.read_bytes(), path)


# --------------------------------------------------------------------------- metadata


def _read_sidecar(path: Path) -> dict:
    """Load `<file>.meta.toml` next to `path`; {} when there is none."""
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return {}
    try:
        with sidecar.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableDocument(sidecar, f"invalid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableDocument(sidecar, f"cannot read sidecar: {exc}") from exc
    try:
        return _meta_fields(data)
    except ValueError as exc:
        raise UnreadableDocument(sidecar, str(exc)) from exc


def _meta_fields(data: dict) -> dict:
    """Pick the known metadata keys from `data`, normalised; ValueError on a bad type.

    actors/topics become lists of strings (a single string is a one-item list); the other
    keys become strings. TOML dates and numbers are turned into strings; empty values and
    None are left out.
    """
    meta = {}
    for key in META_KEYS:
        value = data.get(key)
        if key in _LIST_KEYS:
            values = value if isinstance(value, list) else [value]
            if not all(_is_scalar(v) for v in values):
                raise ValueError(f"'{key}' must be a list of strings")
            value = [text for v in values if (text := _scalar_text(v))]
        elif not _is_scalar(value):
            raise ValueError(f"'{key}' must be a string")
        else:
            value = _scalar_text(value)
        if value:
            meta[key] = value
    return meta


def _is_scalar(value) -> bool:
    return value is None or (
        isinstance(value, str | int | float | dt.date) and not isinstance(value, bool)
    )


def _scalar_text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value).strip()


# --------------------------------------------------------------------------- plain text


def _read_txt(path: Path) -> ReadResult:
    # Returned as decoded: line structure matters to the cleaning step that follows.
    return ReadResult([RawText(_read_text_file(path))])


# --------------------------------------------------------------------------- Markdown

_FENCE_RE = re.compile(r"^ {0,3}(```|~~~)")
# The closing `##` of a heading is removed in `_atx_title`: a regex for it backtracks
# without end over a line of thousands of spaces.
_ATX_RE = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*)$")
_SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_HR_RE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_LIST_RE = re.compile(r"^\s*(?:([-*+])|(\d{1,9}[.)]))[ \t]+(.*)$")
_QUOTE_RE = re.compile(r"^ {0,3}(?:>[ \t]?)+")
_REFDEF_RE = re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S+")
# Every pattern stops at the next delimiter it could close on (link text holds no brackets,
# emphasis no `*`/`_` of its own): a body that may run past it is rescanned from every later
# opener, which takes hours for a paragraph of 100,000 `[` or `*a `.
# (pattern, replacement, strings of which one must be in the text for the pattern to match:
# most paragraphs have no Markdown syntax, and a substring test is much cheaper than a search)
_INLINE_SUBS = [
    (re.compile(r"!\[([^\[\]]*)\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)"), r"\1", ("](",)),
    (re.compile(r"\[([^\[\]]+)\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)"), r"\1", ("](",)),
    (re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]"), r"\1", ("][",)),
    (re.compile(r"<((?:https?://|mailto:)[^<>\s]+)>"), r"\1", ("<",)),
    (re.compile(r"`([^`]+)`"), r"\1", ("`",)),
    (re.compile(r"(?<!\\)(\*\*|__)(?=\S)((?:(?!\1)[\s\S])+?)(?<=\S)\1"), r"\2", ("**", "__")),
    (re.compile(r"(?<![\\*\w])\*(?=[^\s*])([^*]+?)(?<=[^\s\\*])\*(?!\*)"), r"\1", ("*",)),
    (re.compile(r"(?<![\\\w])_(?=[^\s_])([^_]+?)(?<=[^\s\\_])_(?!\w)"), r"\1", ("_",)),
    (re.compile(r"~~(?=\S)((?:(?!~~)[\s\S])+?)(?<=\S)~~"), r"\1", ("~~",)),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|])"), r"\1", ("\\",)),
]


def _read_md(path: Path) -> ReadResult:
    meta, body = _split_front_matter(_read_text_file(path))
    return ReadResult([RawText(_markdown_to_text(body), meta=meta, markdown=True)])


def _split_front_matter(text: str) -> tuple[dict, str]:
    """Split YAML-style front matter (between leading `---` lines) from the body."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            return _parse_front_matter(lines[1:end]), "\n".join(lines[end + 1 :])
    return {}, text  # no closing line: it was a horizontal rule, not front matter


def _parse_front_matter(lines: list[str]) -> dict:
    """Parse the simple YAML subset: `key: value`, `key: [a, b]`, `key:` + `- item` lines.

    Only the metadata keys the indexer knows are kept; anything unparseable is ignored.
    """
    found: dict[str, str | list[str]] = {}
    current = None  # key whose `- item` lines may follow
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = re.match(r"^\s*-\s+(.*)$", line)
        if item and current is not None:
            value = _unquote(item.group(1))
            if value:
                found.setdefault(current, []).append(value)
            continue
        pair = re.match(r"^([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$", line)
        if not pair:
            current = None
            continue
        key, raw = pair.group(1).lower(), (pair.group(2) or "").strip()
        current = None
        if not raw:
            current = key
        elif raw.startswith("[") and raw.endswith("]"):
            found[key] = [v for v in (_unquote(p) for p in _split_inline_list(raw[1:-1])) if v]
        else:
            found[key] = _unquote(raw)
    # A list where a string belongs is unparseable for our purposes: drop that key.
    return _meta_fields({k: v for k, v in found.items() if k in _LIST_KEYS or isinstance(v, str)})


def _split_inline_list(inner: str) -> list[str]:
    """Split `a, "b, c", 'd'` on commas outside quotes."""
    parts, current, quote = [], [], None
    for char in inner:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ",":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\").strip()
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'").strip()
    return re.sub(r"\s+#.*$", "", value)  # a trailing YAML comment


def _strip_inline(text: str) -> str:
    for pattern, replacement, needs in _INLINE_SUBS:
        if any(part in text for part in needs):
            text = pattern.sub(replacement, text)
    return text


def _markdown_to_text(body: str) -> str:
    """Lightly de-Markdown a body: keep headings and list lines, drop link/emphasis syntax."""
    out: list[str] = []
    in_code = False
    for raw in body.split("\n"):
        if not raw:  # what every rule below makes of an empty line, half of most files
            out.append("")
            continue
        if _FENCE_RE.match(raw):
            in_code = not in_code
            out.append("")
            continue
        if in_code:
            out.append(raw.rstrip())
            continue
        line = _QUOTE_RE.sub("", raw).rstrip()
        previous = out[-1] if out else ""
        setext = _SETEXT_RE.match(line)
        if setext and previous.strip() and not previous.startswith(("#", "- ")):
            level = "#" if setext.group(1)[0] == "=" else "##"
            out[-1] = ""
            out.extend([f"{level} {previous.strip()}", ""])
        elif _HR_RE.match(line) or _REFDEF_RE.match(line):
            out.append("")
        elif heading := _ATX_RE.match(line):
            title = _atx_title(heading.group(2))
            out.extend(["", f"{heading.group(1)} {title}" if title else "", ""])
        elif item := _LIST_RE.match(line):
            marker = "-" if item.group(1) else item.group(2)
            out.append(f"{marker} {item.group(3).strip()}")
        else:
            out.append(line.strip())
    # Inline syntax per paragraph, not per line: emphasis may span a line break.
    return "\n\n".join(_strip_inline(p) for p in _join_lines(out).split("\n\n"))


def _atx_title(text: str) -> str:
    """A heading's text without its optional closing `#`s (`## Rondvraag ##`, `### ###` is
    empty); `C#` keeps its `#`."""
    title = text.strip()
    bare = title.rstrip("#")
    if bare != title and bare[-1:] in ("", " ", "\t"):
        return bare.strip()
    return title


def _join_lines(lines: list[str]) -> str:
    """Join lines, collapsing runs of blank lines into one paragraph break."""
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --------------------------------------------------------------------------- HTML


class _HtmlExtractor(HTMLParser):
    """Collects block-level text as paragraphs and h1-h6 as Markdown headings."""

    BLOCKS = frozenset(
        "address article aside blockquote body caption dd details div dl dt fieldset "
        "figcaption figure footer form header hr li main nav ol p pre section summary "
        "table tbody td tfoot th thead tr ul".split()
    )
    HEADINGS = {f"h{n}": n for n in range(1, 7)}
    SKIP = frozenset({"script", "style", "head", "template", "noscript", "svg", "math"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # entities arrive decoded, as text
        self.paragraphs: list[str] = []
        self.title_parts: list[str] = []
        self.has_h1 = False
        self.has_heading = False
        self._buffer: list[str] = []
        self._skip: list[str] = []
        self._in_title = False
        self._pre = 0
        self._heading = 0
        self._prefix = ""

    def handle_starttag(self, tag, attrs):
        # Only the document title: <svg> and friends have <title> elements too.
        if tag == "title" and not self.title_parts and set(self._skip) <= {"head"}:
            self._in_title = True
        elif tag == "body":  # also ends an unclosed <head> or <title>
            self._skip = [t for t in self._skip if t != "head"]
            self._in_title = False
        if tag in self.SKIP:
            self._skip.append(tag)
        elif self._skip:
            return
        elif tag in self.HEADINGS:
            self._flush()
            self._heading = self.HEADINGS[tag]
        elif tag == "br":
            self._buffer.append("\n")
        elif tag in self.BLOCKS and not self._heading:
            self._flush()
            if tag == "li":
                self._prefix = "- "
            elif tag == "pre":
                self._pre += 1

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag in self.SKIP:
            if tag in self._skip:
                del self._skip[len(self._skip) - 1 - self._skip[::-1].index(tag) :]
        elif self._skip:
            return
        elif tag in self.HEADINGS and self._heading:
            self._flush()
            self._heading = 0
        elif tag in self.BLOCKS and not self._heading:
            self._flush()
            if tag == "pre":
                self._pre = max(0, self._pre - 1)

    def handle_data(self, data):
        if self._in_title:
            self.title_parts.append(data)
        elif not self._skip:
            self._buffer.append(data if self._pre else re.sub(r"\s+", " ", data))

    def close(self):
        # What `feed` leaves unparsed starts with a tag, comment or declaration that is not
        # closed before the end of the file. As in HTML5 (and Python >= 3.13.5) it runs to the
        # end of the file; older Pythons rescan the rest from every later `<` instead, which
        # takes minutes for 100 KB of `<a/<a/…`.
        if self.rawdata.startswith("<") and self.cdata_elem is None:
            self.rawdata = ""
        super().close()
        self._flush()

    def _flush(self) -> None:
        lines = ("".join(self._buffer)).split("\n")
        self._buffer = []
        text = "\n".join(" ".join(line.split()) for line in lines if line.strip())
        if not text:
            return
        if self._heading:
            self.has_heading = True
            self.has_h1 = self.has_h1 or self._heading == 1
            text = "#" * self._heading + " " + text.replace("\n", " ")
        else:
            text, self._prefix = self._prefix + text, ""
        self.paragraphs.append(text)


def _read_html(path: Path) -> ReadResult:
    parser = _HtmlExtractor()
    parser.feed(_read_text_file(path))
    parser.close()
    meta = {}
    title = " ".join("".join(parser.title_parts).split())
    if title and not parser.has_h1:
        meta["title"] = title
    text = "\n\n".join(parser.paragraphs)
    return ReadResult([RawText(text, meta=meta, markdown=parser.has_heading)])


# --------------------------------------------------------------------------- XML

_DTD_RE = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_DECL_RE = re.compile(r"^<\?xml[^>]*\?>")
_XML_HEADINGS = frozenset(
    {"kop", "titel", "title", "heading", "item-titel", "onderwerp"} | {f"h{n}" for n in range(1, 7)}
)
_XML_TITLES = frozenset({"titel", "title", "kop", "item-titel"})
_XML_DATES = frozenset({"datum", "date", "vergaderdatum"})
# Elements that sit inside running text (HTML-ish and officielebekendmakingen names).
_XML_INLINE = frozenset(
    "a abbr b big br cite code em font i mark q s small span strike strong sub sup tt u var "
    "nadruk extref intref".split()
)
_AGENDA_NUMBER_RE = re.compile(r"^\d{1,3}[a-z]?\.?$")
_SPACE_BEFORE_RE = re.compile(r"\s+([,.;:!?)\]])")
_SPACE_AFTER_RE = re.compile(r"([(\[])\s+")


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _xml_text(element: ET.Element) -> str:
    text = " ".join("".join(element.itertext()).split())
    # Pretty-printed XML puts inline elements on their own lines, which leaves
    # "Koerhuis ( VVD ):" after collapsing; glue the punctuation back.
    return _SPACE_AFTER_RE.sub(r"\1", _SPACE_BEFORE_RE.sub(r"\1", text))


def _is_block(element: ET.Element) -> bool:
    """A paragraph: has running text of its own, or only inline children (or none)."""
    if (element.text or "").strip() or any((c.tail or "").strip() for c in element):
        return True
    return all(_local(child.tag) in _XML_INLINE for child in element)


def _read_xml(path: Path) -> ReadResult:
    text = _read_text_file(path)
    start = text.find("<")
    if start < 0:
        raise UnreadableDocument(path, "not XML (no elements)")
    # Entity declarations live in a DTD: refusing both rules out entity bombs.
    if _DTD_RE.search(text):
        raise UnreadableDocument(path, "XML with DTD/entities not accepted")
    # The text is already decoded, so its encoding declaration no longer applies.
    text = _XML_DECL_RE.sub("", text[start:], count=1)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise UnreadableDocument(path, f"invalid XML: {exc}") from exc

    meta: dict[str, str] = {}
    paragraphs: list[str] = []
    headings = 0
    stack = [root]
    while stack:
        element = stack.pop()
        tag = _local(element.tag)
        after_heading = headings > 0 and paragraphs[-1].startswith("## ")
        # An <onderwerp> right under an <item-titel> is the item's intro ("Aan de orde is
        # het debat over …"), not a heading of its own.
        if tag in _XML_HEADINGS and not (tag == "onderwerp" and after_heading):
            heading = _xml_text(element)
            if heading:
                if not headings and tag in _XML_TITLES:
                    meta["title"] = heading
                headings += 1
                # A bare agenda number (<nr>3</nr>) just before belongs to the heading.
                if paragraphs and _AGENDA_NUMBER_RE.match(paragraphs[-1]):
                    heading = f"{paragraphs.pop().rstrip('.')}. {heading}"
                paragraphs.append(f"## {heading}")
        elif _is_block(element):
            paragraph = _xml_text(element)
            if paragraph:
                paragraphs.append(paragraph)
        else:
            stack.extend(reversed(element))
    for element in root.iter():
        if _local(element.tag) in _XML_DATES and (date := _xml_text(element)):
            meta["date"] = date
            break
    text = "\n\n".join(paragraphs)
    return ReadResult([RawText(text, meta=meta, markdown=headings > 0)])


# --------------------------------------------------------------------------- PDF


def _read_pdf(path: Path) -> ReadResult:
    import pypdf  # heavy; only needed when there are PDFs
    from pypdf.errors import DependencyError, PyPdfError

    try:
        pdf = pypdf.PdfReader(path)
        if pdf.is_encrypted and not pdf.decrypt(""):
            raise UnreadableDocument(path, "encrypted PDF (password required)")
        page_count = len(pdf.pages)
        pages = [pdf.pages[i] for i in range(min(page_count, MAX_PDF_PAGES))]
    except DependencyError as exc:
        raise UnreadableDocument(path, f"encrypted PDF, cannot decrypt: {exc}") from exc
    except PyPdfError as exc:
        raise UnreadableDocument(path, f"broken PDF: {exc}") from exc

    texts, problems = [], []
    if page_count > MAX_PDF_PAGES:
        problems.append(f"only the first {MAX_PDF_PAGES} of {page_count} pages read")
    for number, page in enumerate(pages, 1):
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:  # one damaged page should not cost the whole document
            problems.append(f"page {number}: text not extractable ({exc})")
    text = "\n".join(texts)
    if not text.strip():
        # Pages that failed (a decompression bomb, a damaged stream) are the reason, not a scan.
        failed = [p for p in problems if p.startswith("page ")]
        raise UnreadableDocument(path, "; ".join(failed[:3]) or "scanned? no text layer")
    return ReadResult([RawText(text)], problems)


# --------------------------------------------------------------------------- DOCX

_DOCX_HEADING_RE = re.compile(r"^(?:heading|kop)\s*(\d*)$", re.IGNORECASE)


def _check_zip(path: Path) -> None:
    """Refuse archives that are not zips or would inflate to absurd sizes."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UnreadableDocument(path, "not a valid .docx (not a zip archive)") from exc
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if (
        len(members) > MAX_DOCX_MEMBERS
        or unpacked > MAX_DOCX_UNCOMPRESSED
        or (unpacked > 10 * MB and unpacked > MAX_DOCX_RATIO * max(packed, 1))
    ):
        raise UnreadableDocument(path, "suspicious archive (zip bomb?)")
    for member in members:
        if member.filename.endswith((".xml", ".rels")) and member.file_size > MAX_DOCX_XML_PART:
            raise UnreadableDocument(
                path, f"{member.filename} too large ({member.file_size / MB:.1f} MB unpacked, "
                f"limit {MAX_DOCX_XML_PART // MB} MB)"
            )
    try:
        with zipfile.ZipFile(path) as archive:
            for member in members:
                _check_member(path, archive, member)
    except zipfile.BadZipFile as exc:
        raise UnreadableDocument(path, f"not a valid .docx: {exc}") from exc


def _check_member(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Inflate a member a megabyte at a time and refuse it when it holds more than its header
    says. The sizes above are what the archive claims; `ZipFile.read`, which python-docx
    uses, inflates a member in one step whatever it claims (a 1 MB file took 2 GB)."""
    if member.compress_type == zipfile.ZIP_STORED:
        return  # stored bytes are in the file: its size bounds them
    probe = copy.copy(member)
    probe.file_size = MAX_DOCX_UNCOMPRESSED + 1  # read past a size that lies
    inflated = 0
    with archive.open(probe) as stream:
        while chunk := stream.read(MB):
            inflated += len(chunk)
            if inflated > member.file_size:
                raise UnreadableDocument(
                    path, f"suspicious archive (zip bomb?): {member.filename} inflates to more "
                    f"than the {member.file_size} bytes its header states"
                )


def _docx_blocks(container, styles: dict | None = None) -> Iterator[tuple[str, str]]:
    """(style name, text) for paragraphs and table cells, in document order.

    `styles` caches the name per style id: python-docx looks the default style up among all
    styles for every paragraph without one (2 ms each, minutes for a long document)."""
    from docx.table import Table

    styles = {} if styles is None else styles
    for block in container.iter_inner_content():
        if isinstance(block, Table):
            seen = set()
            for row in block.rows:
                for cell in row.cells:
                    if id(cell._tc) in seen:  # merged cells repeat across the grid
                        continue
                    seen.add(id(cell._tc))
                    # Cell paragraphs form one paragraph; nested tables are flattened.
                    lines = [text for _, text in _docx_blocks(cell, styles) if text]
                    yield "", "\n".join(lines)
        else:
            style_id = block._p.style  # the w:pStyle of the paragraph; None for the default
            if style_id not in styles:
                style = block.style
                styles[style_id] = (style.name if style is not None else "") or ""
            yield styles[style_id], block.text.strip()


def _read_docx(path: Path) -> ReadResult:
    import docx  # heavy; only needed when there are DOCX files
    from docx.opc.exceptions import PackageNotFoundError

    _check_zip(path)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise UnreadableDocument(path, f"not a valid .docx: {exc}") from exc

    meta = {}
    if (document.core_properties.title or "").strip():
        meta["title"] = document.core_properties.title.strip()
    paragraphs = []
    headings = 0
    for style, text in _docx_blocks(document):
        if not text:
            continue
        heading = _DOCX_HEADING_RE.match(style.strip())
        if style.strip().lower() in ("title", "titel"):
            meta.setdefault("title", " ".join(text.split()))
            paragraphs.append("# " + " ".join(text.split()))
            headings += 1
        elif heading:
            # The title is level 1 ("#"), so "Heading 1" is one deeper.
            level = min(int(heading.group(1) or 1) + 1, 6)
            paragraphs.append("#" * level + " " + " ".join(text.split()))
            headings += 1
        else:
            paragraphs.append(text)
    text = "\n\n".join(paragraphs)
    return ReadResult([RawText(text, meta=meta, markdown=headings > 0)])


# --------------------------------------------------------------------------- JSONL


def _read_jsonl(path: Path) -> ReadResult:
    texts: list[RawText] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    # split("\n"), not splitlines(): JSON strings may legally hold U+2028 and friends.
    for number, line in enumerate(_read_text_file(path).split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = _jsonl_record(line)
        except ValueError as exc:
            problems.append(f"line {number}: {exc}")
            continue
        if record.record_id in first_line:
            problems.append(
                f"line {number}: duplicate id {record.record_id!r} "
                f"(first on line {first_line[record.record_id]})"
            )
            continue
        first_line[record.record_id] = number
        texts.append(record)
    return ReadResult(texts, problems)


def _jsonl_record(line: str) -> RawText:
    """Turn one JSONL line into a RawText; ValueError with a short reason if it is bad."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    record_id = data.get("id")
    if record_id is None or (isinstance(record_id, str) and not record_id.strip()):
        raise ValueError("missing 'id'")
    if isinstance(record_id, bool) or not isinstance(record_id, str | int):
        raise ValueError("'id' must be a string or an integer")
    text = data.get("text")
    if text is None:
        raise ValueError("missing 'text'")
    if not isinstance(text, str):
        raise ValueError("'text' must be a string")
    if not text.strip():
        raise ValueError("empty 'text'")
    meta = _meta_fields(data)  # its ValueError names the offending field
    return RawText(text, meta=meta, record_id=str(record_id).strip())


# --------------------------------------------------------------------------- registry

_READERS: dict[str, Callable[[Path], ReadResult]] = {
    ".txt": _read_txt,
    ".md": _read_md,
    ".markdown": _read_md,
    ".html": _read_html,
    ".htm": _read_html,
    ".xml": _read_xml,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
    ".jsonl": _read_jsonl,
}

SUPPORTED_SUFFIXES = frozenset(_READERS)
