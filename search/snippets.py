"""Snippets: the best fragments of an agenda item with the matched words in <mark>.

The document text is HTML-escaped here; the <mark> tags are the only markup a snippet holds.
"""

from __future__ import annotations

import html

from whoosh import highlight

from index.analysis import dutch_analyzer

SNIPPET_CHARS = 240
FRAGMENTS = 2
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


ANALYZER = dutch_analyzer()
_FRAGMENTER = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70, charlimit=None)
_FORMATTER = MarkFormatter()


def snippet(text: str, terms: frozenset[str]) -> str:
    """The best fragments of `text` that contain `terms` (analysed forms), or its opening."""
    if terms:
        # mode="index" so that parts of hyphenated words (`uitwisseling`) are marked too.
        tokens = ANALYZER(text, chars=True, mode="index", removestops=False)
        tokens = highlight.set_matched_filter(tokens, terms)
        fragments = highlight.top_fragments(
            _FRAGMENTER.fragment_tokens(text, tokens), FRAGMENTS, highlight.BasicFragmentScorer(),
            highlight.FIRST,
        )
        if fragments:
            marked = " ".join(_FORMATTER(text, fragments).split())  # paragraphs run on
            before = "… " if fragments[0].startchar > 0 else ""
            after = " …" if fragments[-1].endchar < len(text.rstrip()) else ""
            return before + marked + after
    return lead(text)


def lead(text: str) -> str:
    """The escaped opening of a text, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= LEAD_CHARS:
        return html.escape(text, quote=False)
    cut = text[:LEAD_CHARS].rsplit(" ", 1)[0]
    return html.escape(cut, quote=False) + " …"
