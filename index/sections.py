"""Split a cleaned document into its title and agenda items (sections)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .clean import Block

# Words that make a first line a document title rather than an agenda item.
_TITLE_WORDS = re.compile(
    r"\b(terugkoppeling|notulen|verslag|besluitenlijst|besluiten|vergadering|overleg|"
    r"bijeenkomst|agenda van|handelingen|ledenvergadering|d\.d\.)\b",
    re.IGNORECASE,
)
_HAS_YEAR = re.compile(r"\b(19|20)\d\d\b")
# `Informatiedeling: Er komt …`: a short label before the first colon of a paragraph.
_INLINE_LABEL = re.compile(r"^(?P<label>[A-Z0-9\"'][^:\n]{1,118}?):\s+(?P<rest>\S.*)$", re.DOTALL)
_LABEL_SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-Z]")
LABEL_MAX_WORDS = 16


@dataclass(frozen=True)
class Section:
    """An agenda item before extraction: its heading (may be empty) and its paragraphs."""

    heading: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Outline:
    title: str | None
    sections: list[Section]


def split(blocks: list[Block], known_title: str | None = None) -> Outline:
    """The title (when the document shows one) and the agenda items, in order.

    Agenda items start at headings (Markdown or bare short lines) or at paragraphs that open
    with an inline label (`Informatiedeling: …`) when the document uses that style. A
    document without any structure is one section with an empty heading.
    """
    blocks = list(blocks)
    title = None
    if blocks and blocks[0].kind == "heading" and _looks_like_title(blocks[0], known_title):
        title = blocks.pop(0).text
    labelled = _use_inline_labels(blocks)

    sections: list[Section] = []
    heading = ""
    paragraphs: list[str] = []

    def close() -> None:
        if paragraphs or heading:
            sections.append(Section(heading, tuple(paragraphs)))

    for block in blocks:
        if block.kind == "heading":
            if paragraphs:
                close()
                paragraphs = []
                heading = block.text
            else:
                # Consecutive headings (`Agenda` / `1. Opening`): the deepest one names the item.
                heading = block.text
            continue
        label = _INLINE_LABEL.match(block.text) if labelled else None
        if label and _is_label(label.group("label")):
            close()
            heading, paragraphs = label.group("label").strip(), [label.group("rest").strip()]
            continue
        paragraphs.append(block.text)
    close()
    sections = [s for s in sections if s.paragraphs] or [
        Section(s.heading, (s.heading,)) for s in sections[:1]
    ]
    return Outline(title, sections)


def _looks_like_title(block: Block, known_title: str | None) -> bool:
    if known_title and block.text.strip().lower() == known_title.strip().lower():
        return True
    if block.level == 1:
        return True
    return bool(_TITLE_WORDS.search(block.text)) or (
        bool(_HAS_YEAR.search(block.text)) and len(block.text.split()) >= 3
    )


def _is_label(label: str) -> bool:
    return len(label.split()) <= LABEL_MAX_WORDS and not _LABEL_SENTENCE_BREAK.search(label)


def _use_inline_labels(blocks: list[Block]) -> bool:
    """Inline labels count only when several paragraphs use them: one `Conclusie:` is prose."""
    hits = 0
    for block in blocks:
        if block.kind == "paragraph":
            match = _INLINE_LABEL.match(block.text)
            if match and _is_label(match.group("label")):
                hits += 1
    return hits >= 2
