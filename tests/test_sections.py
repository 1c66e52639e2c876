"""Splitting documents into agenda items."""

from index.clean import clean
from index.sections import split


def outline(raw, markdown=False, title=None):
    result = split(clean(raw, markdown=markdown), known_title=title)
    return result.title, [(s.heading, s.text) for s in result.sections]


def test_title_line_is_not_an_agenda_item_and_bare_headings_split():
    raw = (
        "Bestuurlijke terugkoppeling RVO 12 mei 2020\n\n"
        "Jaarwisseling\n\nDe burgemeesters bespreken het verbod op knalvuurwerk.\n\n"
        "AO Politie\nDe minister blikt terug op het overleg.\n"
    )
    title, items = outline(raw)
    assert title == "Bestuurlijke terugkoppeling RVO 12 mei 2020"
    assert items == [
        ("Jaarwisseling", "De burgemeesters bespreken het verbod op knalvuurwerk."),
        ("AO Politie", "De minister blikt terug op het overleg."),
    ]


def test_first_heading_without_title_words_is_an_agenda_item():
    raw = "Evenementen\n\nHet festival krijgt een vergunning.\n\nRondvraag\n\nGeen vragen.\n"
    title, items = outline(raw)
    assert title is None
    assert [h for h, _ in items] == ["Evenementen", "Rondvraag"]


def test_inline_labels_start_agenda_items():
    raw = (
        "## Terugkoppeling overleg d.d. 3 juli 2018\n\n"
        "Informatiedeling: Er komt een werksessie over de knelpunten.\n\n"
        "Wetswijziging art. 4 Politiewet (taken KMar): de bezwaren zijn toegelicht.\n\n"
        "Rondvraag: Geen punten.\n"
    )
    title, items = outline(raw)
    assert title == "Terugkoppeling overleg d.d. 3 juli 2018"
    assert items == [
        ("Informatiedeling", "Er komt een werksessie over de knelpunten."),
        ("Wetswijziging art. 4 Politiewet (taken KMar)", "de bezwaren zijn toegelicht."),
        ("Rondvraag", "Geen punten."),
    ]


def test_a_single_colon_sentence_is_prose_not_a_label():
    raw = "De voorzitter zegt: we gaan door.\n\nDaarna sluit zij de vergadering."
    _, items = outline(raw)
    assert items == [("", "De voorzitter zegt: we gaan door.\n\nDaarna sluit zij de vergadering.")]


def test_document_without_structure_is_one_section():
    _, items = outline("De leden bespreken de begroting en stemmen in met de raming.")
    assert items == [("", "De leden bespreken de begroting en stemmen in met de raming.")]


def test_markdown_title_from_front_matter_is_not_repeated_as_item():
    raw = "# Notulen ALV 5 mei 2021\n\n## Opening\n\nDe voorzitter opent.\n\n## Sluiting\n\nEinde."
    title, items = outline(raw, markdown=True, title="Notulen ALV 5 mei 2021")
    assert title == "Notulen ALV 5 mei 2021"
    assert [h for h, _ in items] == ["Opening", "Sluiting"]


def test_text_before_the_first_heading_is_kept_as_an_item_without_heading():
    raw = "Aanwezig: de leden van het bestuur.\n\n## Begroting\n\nDe begroting is vastgesteld."
    _, items = outline(raw, markdown=True)
    assert items == [("", "Aanwezig: de leden van het bestuur."),
                     ("Begroting", "De begroting is vastgesteld.")]
