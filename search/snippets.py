"""Snippets: the best window of an agenda item with the matched words in <mark>.

The document text is HTML-escaped here; the <mark> tags are the only markup a snippet holds.
"""

from __future__ import annotations

import html
from itertools import islice

from index.analysis import WORD, term_spans

SNIPPET_CHARS = 240
LEAD_CHARS = 240


def spans_of(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """Character spans of the words of `text` that produce one of the index `terms`.

    The index keeps positions but not character offsets (they took a sixth of its largest
    file); finding the words of a page's ten texts again costs about two milliseconds.
    """
    if not terms:
        return []
    return [(start, end) for term, start, end in term_spans(text, terms) if term in terms]


def spans_at(text: str, places: set[int], terms: frozenset[str]) -> list[tuple[int, int]]:
    """Like `spans_of`, but only the words at the given word positions (from the index) are
    analysed: the same spans for a fraction of the work."""
    if not places:
        return []
    # Words up to the last position asked for: the rest of a long text is not read.
    words = list(islice(WORD.finditer(text), max(places) + 1))
    spans = []
    inside: dict[str, list[tuple[int, int]]] = {}  # word -> its spans; words recur in a text
    for place in sorted(places):
        if place < len(words):
            word = words[place]
            found = inside.get(word.group(0))
            if found is None:
                found = inside[word.group(0)] = [
                    (start, end) for term, start, end in term_spans(word.group(0), terms)
                    if term in terms]
            spans += [(word.start() + start, word.start() + end) for start, end in found]
    return spans


def snippet_at(text: str, spans: list[tuple[int, int]]) -> str:
    """The best window of `text` around the matched character spans, with them marked."""
    spans = sorted(set(spans))
    if not spans:
        return lead(text)
    start, end = _best_window(spans)
    start, end = _widen(text, start, end)
    out = ("… " if start > 0 else "") + _marked(text, spans, start, end) + (
        " …" if end < len(text.rstrip()) else "")
    return " ".join(out.split())


def marked(text: str, terms: frozenset[str]) -> str:
    """All of `text`, escaped, with the words that produce one of `terms` in <mark>."""
    return _marked(text, sorted(set(spans_of(text, terms))), 0, len(text))


def _marked(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    """`text[start:end]` escaped, with the sorted `spans` inside it in <mark> (a span that
    overlaps an earlier one is left out)."""
    out = []
    cursor = start
    for span_start, span_end in spans:
        if span_start < cursor or span_end > end:
            continue
        out.append(html.escape(text[cursor:span_start], quote=False))
        out.append("<mark>" + html.escape(text[span_start:span_end], quote=False) + "</mark>")
        cursor = span_end
    out.append(html.escape(text[cursor:end], quote=False))
    return "".join(out)


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
