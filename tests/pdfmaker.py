"""Write tiny one-page PDFs by hand, so tests need no PDF library besides the reader."""

from __future__ import annotations

from pathlib import Path


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsi (cp1252) with (, ) and \\ escaped."""
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(path: Path, lines: list[str]) -> Path:
    """Write a one-page A4 PDF showing `lines` in Helvetica; no lines gives an empty page."""
    stream = b""
    if lines:
        shown = b" T*\n".join(_pdf_string(line) + b" Tj" for line in lines)
        stream = b"BT\n/F1 12 Tf\n14 TL\n72 770 Td\n" + shown + b"\nET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"  # each entry is exactly 20 bytes, as the spec demands
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    path = Path(path)
    path.write_bytes(bytes(out))
    return path
