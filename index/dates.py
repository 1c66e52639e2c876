"""The meeting date of a document, and where it came from.

A date is only taken from places that state the meeting date: metadata (front matter, a
sidecar, a JSONL field), the document's header (title line), or the file name. Dates in the
body (`24 juni`, `budget in 2020`) are mentions, not the meeting date: a document without a
stated date gets `None`, never a guess.
"""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as dateparser


class DutchParserInfo(dateparser.parserinfo):
    """Dutch month and weekday names (full and abbreviated) for python-dateutil; day first."""

    MONTHS = [
        ("jan", "januari", "january"),
        ("feb", "febr", "februari", "february"),
        ("mrt", "mar", "maart", "march"),
        ("apr", "april"),
        ("mei", "may"),
        ("jun", "juni", "june"),
        ("jul", "juli", "july"),
        ("aug", "augustus", "august"),
        ("sep", "sept", "september"),
        ("okt", "oct", "oktober", "october"),
        ("nov", "november"),
        ("dec", "december"),
    ]
    WEEKDAYS = [
        ("ma", "maandag", "monday"),
        ("di", "dinsdag", "tuesday"),
        ("wo", "woensdag", "wednesday"),
        ("do", "donderdag", "thursday"),
        ("vr", "vrijdag", "friday"),
        ("za", "zaterdag", "saturday"),
        ("zo", "zondag", "sunday"),
    ]
    JUMP = [" ", ".", ",", ";", "-", "/", "'", "de", "den", "op", "d.d.", "van"]

    def __init__(self) -> None:
        super().__init__(dayfirst=True, yearfirst=False)


_PARSERINFO = DutchParserInfo()
_MONTH_NAMES = "|".join(
    sorted({name for names in DutchParserInfo.MONTHS for name in names}, key=len, reverse=True)
)
# Only complete dates count: day, month and a four-digit year.
_WRITTEN = re.compile(
    rf"(?<![\w/-])(\d{{1,2}})(?:e|ste|de)?\s+({_MONTH_NAMES})\.?,?\s+(\d{{4}})(?!\d)",
    re.IGNORECASE,
)
_NUMERIC_DMY = re.compile(
    r"(?<![0-9A-Za-z/.-])(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?![0-9A-Za-z/]|[-.]\d)"
)
_ISO = re.compile(r"(?<![0-9A-Za-z/.-])(\d{4})-(\d{2})-(\d{2})(?![0-9A-Za-z/]|-\d)")
_FILE_DMY = re.compile(r"(?<!\d)(\d{1,2})[-_.](\d{1,2})[-_.](\d{4})(?!\d)")
_FILE_YMD = re.compile(r"(?<!\d)(\d{4})[-_.](\d{1,2})[-_.](\d{1,2})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")

EARLIEST_YEAR = 1900
LATEST_YEAR = 2100

# Header lines longer than this are running text, not a title line.
HEADER_MAX_CHARS = 200


def find_date(text: str) -> dt.date | None:
    """The first complete, valid date written in `text` (Dutch or ISO/numeric notation)."""
    candidates = [(m.start(), " ".join(m.groups())) for m in _WRITTEN.finditer(text)]
    for pattern in (_ISO, _NUMERIC_DMY):
        candidates.extend((m.start(), m.group(0)) for m in pattern.finditer(text))
    for _, candidate in sorted(candidates):
        date = parse_date(candidate)
        if date:
            return date
    return None


def parse_date(value: str) -> dt.date | None:
    """Parse one date string with the Dutch parserinfo; `None` when it is not a valid date."""
    value = value.strip()
    if not value:
        return None
    try:
        if _ISO.fullmatch(value):
            parsed = dt.date.fromisoformat(value)
        else:
            parsed = dateparser.parse(value, parserinfo=_PARSERINFO, default=None).date()
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        return None
    return parsed


def meeting_date(
    metadata: object, header_lines: list[str], file_name: str
) -> tuple[dt.date | None, str | None]:
    """The meeting date and its origin: "metadata", "header", "filename", or (None, None)."""
    if isinstance(metadata, dt.datetime):
        return metadata.date(), "metadata"
    if isinstance(metadata, dt.date):
        return metadata, "metadata"
    if isinstance(metadata, str) and metadata.strip():
        date = parse_date(metadata) or find_date(metadata)
        if date:
            return date, "metadata"
    for line in header_lines:
        if len(line) <= HEADER_MAX_CHARS:
            date = find_date(line)
            if date:
                return date, "header"
    date = date_from_file_name(file_name)
    return (date, "filename") if date else (None, None)


def date_from_file_name(file_name: str) -> dt.date | None:
    """A date in a file name: `27-11-2009.md`, `2019-09-16_lovp.txt`, `notulen-2-juli-2018.md`."""
    stem = file_name.rsplit(".", 1)[0]
    for pattern, order in ((_FILE_YMD, (0, 1, 2)), (_COMPACT, (0, 1, 2)), (_FILE_DMY, (2, 1, 0))):
        for match in pattern.finditer(stem):
            parts = [int(g) for g in match.groups()]
            date = _valid(*(parts[i] for i in order))
            if date:
                return date
    return find_date(re.sub(r"[-_]+", " ", stem))


def _valid(year: int, month: int, day: int) -> dt.date | None:
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    return date if EARLIEST_YEAR <= year <= LATEST_YEAR else None
