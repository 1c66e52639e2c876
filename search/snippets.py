"""Snippets: the best window of an agenda item with the matched words in <mark>.

The document text is HTML-escaped here; the <mark> tags are the only markup a snippet holds.
"""

from __future__ import annotations

import html

from whoosh import highlight

from index.analysis import dutch_analyzer

SNIPPET_CHARS = 240
LEAD_CHARS = 240


class MarkFormatter(highlight.Formatter):
    """Escaped text with `<mark>` around matched words."""

    between = " … "

    def _text(self, text):
        return html.escape(text, quote=False)

    def format_token(self, text, token, replace=False):
        return "<mark>" + html.escape(self._text_of(text, token), quote=False) + "</mark>"

    @staticmethod
    def _text_of(text, token):
        return text[token.startchar : token.endchar]


# The index's own chain finds the words to mark, so a mark is exactly a match.
ANALYZER = dutch_analyzer()


def spans_of(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """Character spans of the words of `text` that produce one of the index `terms`.

    The index keeps positions but not character offsets (they doubled the size of its
    largest file); tokenising the ten texts of a page again costs a few milliseconds.
    """
    if not terms:
        return []
    return [(token.startchar, token.endchar)
            for token in ANALYZER(text, chars=True, mode="index") if token.text in terms]


def snippet_at(text: str, spans: list[tuple[int, int]]) -> str:
    """The best window of `text` around the matched character spans, with them marked.

    The spans come from the index (the `text` field stores each term's character offsets),
    so nothing is tokenised again: this stays fast for long agenda items.
    """
    spans = sorted(set(spans))
    if not spans:
        return lead(text)
    start, end = _best_window(spans)
    start, end = _widen(text, start, end)
    out = ["… " if start > 0 else ""]
    cursor = start
    for span_start, span_end in spans:
        if span_start < cursor or span_end > end:
            continue
        out.append(html.escape(text[cursor:span_start], quote=False))
        out.append("<mark>" + html.escape(text[span_start:span_end], quote=False) + "</mark>")
        cursor = span_end
    out.append(html.escape(text[cursor:end], quote=False))
    out.append(" …" if end < len(text.rstrip()) else "")
    return " ".join("".join(out).split())


def _best_window(spans: list[tuple[int, int]]) -> tuple[int, int]:
    """The stretch of SNIPPET_CHARS that holds the most matches (two pointers)."""
    best = (0, spans[0][0], spans[0][1])
    first = 0
    for last, (_, last_end) in enumerate(spans):
        while last_end - spans[first][0] > SNIPPET_CHARS:
            first += 1
        count = last - first + 1
        if count > best[0]:
            best = (count, spans[first][0], last_end)
    return best[1], best[2]


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Spend the rest of the snippet's length on context, cut at word boundaries."""
    room = max(0, SNIPPET_CHARS - (end - start))
    start = max(0, start - room // 2)
    end = min(len(text), end + room - room // 2)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    if end < len(text):
        space = text.rfind(" ", end - 20, end)
        end = space if space > 0 else end
    return start, end


def lead(text: str) -> str:
    """The escaped opening of a text, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= LEAD_CHARS:
        return html.escape(text, quote=False)
    cut = text[:LEAD_CHARS].rsplit(" ", 1)[0]
    return html.escape(cut, quote=False) + " …"
