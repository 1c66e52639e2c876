"""Clean the dirt of PDF/OCR exports and split the text into blocks (headings and paragraphs).

The seeds show the typical problems: words hyphenated over line breaks, hard-wrapped lines, a
blank line after every line, page breaks in the middle of a sentence, curly quotes. The result
is a list of blocks; deciding which heading is the title or an agenda item is `sections`' job.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Typographic quotes, odd spaces, invisible characters and ligatures -> plain text.
_PLAIN = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u00b4": "'",
    "`": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u00a0": " ",
    "\u2007": " ",
    "\u202f": " ",
    "\t": " ",
    "\u00ad": "",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\u2010": "-",
    "\u2011": "-",
    "\u200b": "",
    "\ufeff": "",
}
# Found with a regular expression rather than mapped with `str.translate`: a text holds few
# of them, and translate copied every character through a dictionary (0.45 ms for a file of
# 7,000 characters, 0.04 with the expression).
_PLAIN_CHARACTER = re.compile("[" + re.escape("".join(_PLAIN)) + "]")

# Two quote marks in a row are OCR noise for one (`ontwikkelagenda’'s`).
_DOUBLED_APOSTROPHE = re.compile(r"''(?=s\b)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# The closing `#`s are stripped in Python: `(.*?)\s*#*\s*$` needs seconds for a line of a
# thousand spaces and hours for ten thousand.
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*\u2022\u25aa\u25cf]|\d{1,3}[.)])\s+\S")
_SENTENCE_END = re.compile(r"[.!?:;)\"']$")
_VOWELS = set("aeiouyáéíóúäëïöüàèìòùâêîôû")
# Conjunctions that continue an elided compound: `boven- en onderwereld`.
_ELISION_CONTINUATION = re.compile(r"^(?:en|of|tot|en/of)\b")

# A line ending in one of these words stops mid-sentence; no heading ends like that.
_DANGLING = frozenset(
    "de het een van en of in op met voor aan te die dat door bij om naar tot over als "
    "is zijn wordt worden heeft hebben dan maar ook niet".split()
)

_INNER_SENTENCE_END = re.compile(r"[a-z][.!?]\s+[A-Z]")

HEADING_MAX_CHARS = 90
WRAP_MIN_CHARS = 60
HEADING_MAX_WORDS = 10


@dataclass(frozen=True)
class Block:
    """A heading (with its level; 0 for a bare short line) or a paragraph of running text."""

    kind: str  # "heading" or "paragraph"
    text: str
    level: int = 0


def normalise(text: str) -> str:
    """Unicode NFC, straight quotes and apostrophes, plain spaces, no control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = _PLAIN_CHARACTER.sub(lambda m: _PLAIN[m.group()], text)
    text = _DOUBLED_APOSTROPHE.sub("'", text)
    return _CONTROL.sub("", text)


def clean(text: str, markdown: bool = False) -> list[Block]:
    """Blocks of a document's text after removing export and OCR dirt.

    `markdown` says the reader knows that `#` lines are the only headings (Markdown, HTML,
    DOCX); otherwise bare short lines between sentences are taken as headings too.
    """
    lines = [line.rstrip() for line in normalise(text).split("\n")]
    lines = _drop_double_spacing(lines)
    return _blocks(lines, detect_bare_headings=not markdown)


def _drop_double_spacing(lines: list[str]) -> list[str]:
    """Remove the blank line that some exports put after every line.

    When most lines are followed by exactly one blank line, single blanks carry no meaning;
    runs of two or more blanks still mark a paragraph break.
    """
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 4:
        return lines
    mid_sentence = sum(1 for i in filled if not _SENTENCE_END.search(lines[i].strip()))
    if mid_sentence < 0.4 * len(filled):
        return lines  # lines end sentences: each is a paragraph and the blanks are real
    followed = sum(
        1
        for i in filled
        if i + 2 < len(lines) and not lines[i + 1].strip() and lines[i + 2].strip()
    )
    if followed < 0.6 * len(filled):
        return lines
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].strip():
            out.append(lines[i])
            i += 1
            continue
        run = i
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i - run >= 2:
            out.append("")
    return out


def _is_bare_heading(line: str, prev: str | None, nxt: str | None, wrap: int) -> bool:
    """A short line standing between finished sentences, like `Jaarwisseling` or `AO Politie`."""
    text = line.strip()
    if not text or len(text) > HEADING_MAX_CHARS or len(text.split()) > HEADING_MAX_WORDS:
        return False
    if wrap >= WRAP_MIN_CHARS and len(text) >= 0.9 * wrap:
        return False  # as long as the wrapped lines around it: running text
    if _INNER_SENTENCE_END.search(text):
        return False
    if not (text[0].isupper() or text[0].isdigit() or text[0] == '"'):
        return False
    if text[-1] in ".,;:!?-" or _LIST_ITEM.match(text) and not text[0].isdigit():
        return False
    if text.split()[-1].lower() in _DANGLING:
        return False  # `… daarvoor heeft de` continues on the next page
    if prev is not None and prev.strip() and not _SENTENCE_END.search(prev.strip()):
        return False
    if nxt is None or not nxt.strip():
        return True
    first = nxt.strip()[0]
    return first.isupper() or first.isdigit() or first in "\"'("


def _join(paragraph: str, line: str) -> str:
    """Append a wrapped line, rejoining a word hyphenated over the line break."""
    line = line.strip()
    if not paragraph:
        return line
    if paragraph.endswith("-") and len(paragraph) > 1 and paragraph[-2].isalnum():
        if _ELISION_CONTINUATION.match(line):
            return paragraph + " " + line  # `boven-` / `en onderwereld`
        if _keeps_hyphen(paragraph, line):
            return paragraph + line
        return paragraph[:-1] + line
    return paragraph + " " + line


def _keeps_hyphen(paragraph: str, line: str) -> bool:
    """Whether `word-` + next line is a real hyphenated word rather than a line-break split."""
    words = paragraph[:-1].split()
    before = words[-1] if words else ""
    if not line[0].isalpha() or line[0].isupper():
        return True  # `Noord-` / `Holland`
    if before.isupper() or any(ch.isdigit() for ch in before):
        return True  # acronyms keep their hyphen: `ID-straat`, `112-melding`
    # Dutch spelling writes a hyphen where two vowels would merge: `informatie-uitwisseling`.
    return before[-1:].lower() in _VOWELS and line[0].lower() in _VOWELS


def _blocks(lines: list[str], detect_bare_headings: bool) -> list[Block]:
    blocks: list[Block] = []
    paragraph = ""

    def flush() -> None:
        nonlocal paragraph
        if paragraph.strip():
            blocks.append(Block("paragraph", re.sub(r"\s{2,}", " ", paragraph.strip())))
        paragraph = ""

    n = len(lines)
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    wrap = lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            nxt = _next_filled(lines, i)
            # A blank inside a sentence is a page break, not a paragraph break.
            if paragraph and nxt and not _SENTENCE_END.search(paragraph) and nxt[0].islower():
                continue
            flush()
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            flush()
            title = heading.group(2).rstrip().rstrip("#").strip()
            blocks.append(Block("heading", title, len(heading.group(1))))
            continue
        if _LIST_ITEM.match(raw) and not (paragraph.endswith("-")):
            flush()
            paragraph = line
            continue
        prev = lines[i - 1] if i > 0 else None
        nxt_line = lines[i + 1] if i + 1 < n else None
        # The first line is exempt from the wrap-width test: titles are often long.
        if detect_bare_headings and _is_bare_heading(
            line, prev if paragraph else None, nxt_line, wrap if blocks or paragraph else 0
        ):
            flush()
            blocks.append(Block("heading", line))
            continue
        paragraph = _join(paragraph, line)
    flush()
    return blocks


def _next_filled(lines: list[str], i: int) -> str | None:
    for line in lines[i + 1 :]:
        if line.strip():
            return line.strip()
    return None
