"""Turn the bytes of a text file into clean Unicode, whatever decade it was saved in.

Meeting documents arrive as UTF-8, as legacy Windows-1252 exports and, surprisingly often,
as UTF-8 that was decoded as Latin-1 and saved again ("cliÃ«nten"). `decode` handles all
three and refuses files that are not text at all.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata

from .errors import UnreadableDocument


@functools.cache
def _fix_encoding():
    """ftfy's encoding repair, imported on first need: few texts need it, and importing ftfy
    took 50-100 ms of every indexing run and server start."""
    import ftfy

    # Only the encoding is repaired: quotes, ligatures, widths, control characters and HTML
    # entities are left alone here (cleaning them is the job of a later pipeline step).
    config = ftfy.TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        fix_encoding=True,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        fix_surrogates=False,
        remove_control_chars=False,
        normalization=None,
        explain=False,
    )
    return functools.partial(ftfy.fix_text, config=config)


# C0 control characters other than tab, line feed, vertical tab, form feed and carriage
# return, plus DEL. Mojibake never produces these (it only touches bytes >= 0x80), so a
# text that is full of them is not text.
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_MAX_CONTROL_SHARE = 0.02


def _continuation_chars() -> str:
    """How UTF-8 continuation bytes (0x80-0xBF) look after a cp1252 or Latin-1 mis-decode."""
    chars = set()
    for byte in range(0x80, 0xC0):
        chars.add(chr(byte))  # Latin-1 (C1 controls for 0x80-0x9F)
        chars.add(bytes([byte]).decode("cp1252", errors="ignore") or chr(byte))
    return "".join(sorted(chars))


# UTF-8 mojibake always shows a lead byte (Â..ô) followed by a continuation byte, or "Ã "
# when a no-break space got lost. Lines without it are left alone: running ftfy on every
# line of a 50 MB file takes far too long.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][" + re.escape(_continuation_chars()) + "\ufffd]|[\u00c2\u00c3] "
)


def repair(line: str) -> str:
    """`line` with double-encoded UTF-8 repaired (`beÃ«indigen` → `beëindigen`); other lines
    are returned unchanged. Documents and queries are repaired the same way."""
    return _fix_encoding()(line) if _MOJIBAKE_HINT.search(line) else line


def decode(data: bytes, path) -> str:
    """Decode the bytes of a text file at `path` into NFC-normalised text.

    Tries UTF-8 first (after stripping a byte order mark), then Windows-1252, then
    Latin-1; a UTF-16 file with a byte order mark is decoded as such. Double-encoded UTF-8
    is repaired with ftfy, line breaks become "\\n" and every U+FEFF is removed.

    Raises UnreadableDocument for binary content ("binary file, not text") and for empty or
    whitespace-only files ("empty file").
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode_utf16(data, path)
    else:
        if b"\x00" in data:
            raise UnreadableDocument(path, "binary file, not text")
        text = _decode_8bit(data.removeprefix(codecs.BOM_UTF8))
    if not text.strip():
        raise UnreadableDocument(path, "empty file")
    controls = len(_CONTROL_RE.findall(text))
    if controls > 2 and controls / len(text) > _MAX_CONTROL_SHARE:
        raise UnreadableDocument(path, "binary file, not text")

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Line by line, where some line may need it (a search of the whole text first).
    if not text.isascii() and _MOJIBAKE_HINT.search(text):
        text = "\n".join(repair(line) for line in text.split("\n"))
    # A double-encoded BOM only becomes U+FEFF after the repair; it is never wanted in text.
    text = text.replace("\ufeff", "")
    if not text.strip():
        raise UnreadableDocument(path, "empty file")
    return unicodedata.normalize("NFC", text)


def _decode_8bit(data: bytes) -> str:
    """UTF-8 if the bytes are valid UTF-8, else Windows-1252, else Latin-1 (never fails)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # A file mixing UTF-8 and cp1252 ends up here; ftfy later repairs its UTF-8 parts.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; Latin-1 maps every byte.
        return data.decode("latin-1")


def _decode_utf16(data: bytes, path) -> str:
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(path, f"invalid UTF-16 text: {exc.reason}") from exc
