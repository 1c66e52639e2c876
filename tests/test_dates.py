"""Meeting dates: from metadata, the header line or the file name; never from the body."""

import datetime as dt

import pytest

from index.dates import date_from_file_name, find_date, meeting_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bestuurlijke terugkoppeling RVO 16 september 2019", dt.date(2019, 9, 16)),
        ("Terugkoppeling d.d. 10 april 2017", dt.date(2017, 4, 10)),
        ("Donderdag 5 april 2018", dt.date(2018, 4, 5)),
        ("Overleg van 3 mrt. 2021", dt.date(2021, 3, 3)),
        ("Vergadering 7 okt 2015", dt.date(2015, 10, 7)),
        ("1e januari 2020", dt.date(2020, 1, 1)),
        ("Besluitenlijst 12-10-2020", dt.date(2020, 10, 12)),
        ("Besluitenlijst 07/12/2011", dt.date(2011, 12, 7)),
        ("Verslag 2022-02-14", dt.date(2022, 2, 14)),
        ("24 juni", None),
        ("budget in 2020", None),
        ("200-300 camera's", None),
        ("2/3° van de capaciteit", None),
        ("31 februari 2020", None),
        ("2019-13-45", None),
    ],
)
def test_find_date(text, expected):
    assert find_date(text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("27-11-2009.md", dt.date(2009, 11, 27)),
        ("notulen-12-10-2020.md", dt.date(2020, 10, 12)),
        ("besluiten_2023_02_14.txt", dt.date(2023, 2, 14)),
        ("notulen-alv-14-oktober-2020.md", dt.date(2020, 10, 14)),
        ("2019-09-16_overleg.txt", dt.date(2019, 9, 16)),
        ("rvo20190916.txt", dt.date(2019, 9, 16)),
        ("000_38443c2ca3f64116.txt", None),
        ("h-tk-20172018-70-1.xml", None),
        ("verslag.txt", None),
    ],
)
def test_date_from_file_name(name, expected):
    assert date_from_file_name(name) == expected


def test_metadata_wins_over_header_and_file_name():
    assert meeting_date("2021-05-11", ["Overleg 3 maart 2020"], "01-01-2019.md") == (
        dt.date(2021, 5, 11), "metadata")
    assert meeting_date(dt.date(2021, 5, 11), [], "x.txt") == (dt.date(2021, 5, 11), "metadata")


def test_header_then_file_name_then_unknown():
    assert meeting_date(None, ["Overleg 3 maart 2020"], "01-01-2019.md") == (
        dt.date(2020, 3, 3), "header")
    assert meeting_date(None, ["Overleg"], "01-01-2019.md") == (dt.date(2019, 1, 1), "filename")
    assert meeting_date("geen datum", ["Aanslag Utrecht"], "verslag.txt") == (None, None)


def test_a_date_range_is_not_taken_for_a_meeting_date():
    assert find_date("Stemmingen over de Raad d.d. 10-11 april 2018") is None
