"""Cleaning PDF/OCR export dirt: what a reader of the indexed text would notice."""

import pytest

from index.clean import Block, clean, normalise


def texts(blocks):
    return [(b.kind, b.text) for b in blocks]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("de opsporings-\ncapaciteit groeit.", "de opsporingscapaciteit groeit."),
        ("bij de ID-\nstraat werken zij.", "bij de ID-straat werken zij."),
        ("over informatie-\nuitwisseling gesproken.", "over informatie-uitwisseling gesproken."),
        ("de boven-\nen onderwereld raken verweven.", "de boven- en onderwereld raken verweven."),
        ("richting Noord-\nHolland vertrokken.", "richting Noord-Holland vertrokken."),
        ("een 112-\nmelding kwam binnen.", "een 112-melding kwam binnen."),
    ],
)
def test_words_hyphenated_over_a_line_break_are_rejoined_or_kept(raw, expected):
    assert texts(clean(raw)) == [("paragraph", expected)]


def test_hard_wrapped_lines_become_one_paragraph_and_blank_lines_separate_paragraphs():
    raw = "De burgemeester opent de\nvergadering om tien uur.\n\nHet verslag wordt\nvastgesteld.\n"
    assert texts(clean(raw)) == [
        ("paragraph", "De burgemeester opent de vergadering om tien uur."),
        ("paragraph", "Het verslag wordt vastgesteld."),
    ]


def test_blank_line_after_every_line_is_dropped_and_headings_still_found():
    raw = (
        "Verslag Regionaal Overleg 3 maart 2021 \n\n"
        "Evenementen \n\n"
        "De burgemeester licht de vergunning voor het \n\n"
        "zomerfestival toe. Er komt extra toezicht. \n\n"
        "Rondvraag \n\n"
        "Er zijn geen vragen. \n\n"
    )
    assert texts(clean(raw)) == [
        ("heading", "Verslag Regionaal Overleg 3 maart 2021"),
        ("heading", "Evenementen"),
        ("paragraph", "De burgemeester licht de vergunning voor het zomerfestival toe. "
                      "Er komt extra toezicht."),
        ("heading", "Rondvraag"),
        ("paragraph", "Er zijn geen vragen."),
    ]


def test_page_break_inside_a_sentence_does_not_split_the_paragraph():
    raw = (
        "Het programma moet goed worden geborgd, daarvoor heeft de\n\n"
        "korpsleiding opdracht gegeven."
    )
    assert texts(clean(raw)) == [
        ("paragraph", "Het programma moet goed worden geborgd, daarvoor heeft de korpsleiding "
                      "opdracht gegeven.")
    ]


def test_short_line_at_the_end_of_a_sentence_is_not_a_heading():
    raw = "De kosten stijgen en dat\nleidt tot zorgen.\nDe raad is kritisch."
    assert [b.kind for b in clean(raw)] == ["paragraph"]


def test_long_lines_separated_by_single_blanks_are_separate_paragraphs():
    long_a = "Begroting: " + "de raming wordt besproken en goedgekeurd door de leden. " * 4
    long_b = "Rondvraag: " + "er worden vragen gesteld over de planning van het najaar. " * 4
    raw = "\n\n".join([long_a.strip(), long_b.strip(), long_a.strip(), long_b.strip()]) + "\n\n"
    assert len(clean(raw)) == 4


def test_markdown_headings_are_kept_with_their_level_and_bare_lines_are_not_headings():
    raw = "# Notulen\n\n## Opening\n\nKort\nWelkom aan allen.\n"
    blocks = clean(raw, markdown=True)
    assert blocks[:2] == [Block("heading", "Notulen", 1), Block("heading", "Opening", 2)]
    assert blocks[2] == Block("paragraph", "Kort Welkom aan allen.")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("camera\u2019s", "camera's"),
        ("\u201cDe Achterkant\u201d", '"De Achterkant"'),
        ("agenda\u2019's", "agenda's"),
        ("e\u0301e\u0301n", "één"),  # decomposed accents become NFC
        ("a\u00a0b", "a b"),
        ("bestrij\u00addings", "bestrijdings"),
    ],
)
def test_quotes_spaces_and_unicode_are_normalised(raw, expected):
    assert normalise(raw) == expected


def test_every_typographic_character_becomes_plain_text():
    # Each character the cleaner maps, inside a word and at both ends of a text.
    cases = {
        "\u2018\u2019\u201a\u201b\u2032\u00b4`": "'", "\u201c\u201d\u201e\u201f\u00ab\u00bb": '"',
        "\u00a0\u2007\u202f\t": " ", "\u00ad\u200b\ufeff": "", "\u2010\u2011": "-",
    }
    for characters, plain in cases.items():
        for character in characters:
            assert normalise(f"{character}a{character}b{character}") == f"{plain}a{plain}b{plain}"
    assert normalise("\ufb01nanci\u00eble \ufb02exibiliteit") == "financiële flexibiliteit"
