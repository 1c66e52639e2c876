"""Topic assignment: how terms, phrases and options match, and the topics vocabulary file."""

import re

import pytest

from index.documents import TopicMatch
from index.errors import VocabularyError
from index.topics import assign_topics
from index.vocabulary import TopicRule, load_topic_rules


@pytest.fixture(scope="module")
def rules():
    return load_topic_rules()


def write(tmp_path, text, name="topics.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def evidence(text, heading="", **rule):
    """The evidence of a single rule named "T" for `text`, or None when it does not fire."""
    matches = assign_topics(heading, text, [TopicRule(name="T", **rule)])
    return matches[0].evidence if matches else None


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [
        # whole words only
        ({"terms": ("drugs",)}, "Het drugsbeleid wordt herzien.", None),
        ({"terms": ("drugs",)}, "Drugs in de wijk.", ("drugs",)),
        # "*" at the end: any ending
        (
            {"terms": ("ondermijn*",)},
            "Ondermijning en ondermijnende criminaliteit.",
            ("ondermijning", "ondermijnende"),
        ),
        # "*" in front: any beginning, but the word must end there
        ({"terms": ("*vuurwerk",)}, "Knalvuurwerk en vuurwerk.", ("knalvuurwerk", "vuurwerk")),
        ({"terms": ("*vuurwerk",)}, "Een vuurwerkverbod.", None),
        # "*" on both sides: anywhere inside the word
        ({"terms": ("*vuurwerk*",)}, "Een vuurwerkverbod.", ("vuurwerkverbod",)),
        # capitals and accents do not matter; evidence as written, lower-cased, once
        ({"terms": ("efficient",)}, "Efficiënt werken, efficient en efficiént.", ("efficiënt",)),
        ({"terms": ("coördinatie",)}, "Betere coordinatie.", ("coordinatie",)),
        # a hyphenated compound counts whole and by its parts
        ({"terms": ("vuurwerk",)}, "Het vuurwerk-verbod.", ("vuurwerk",)),
        (
            {"terms": ("informatie-uitwisseling",)},
            "Snelle informatie-uitwisseling.",
            ("informatie-uitwisseling",),
        ),
        ({"terms": ("uitwisseling",)}, "Snelle informatie-uitwisseling.", ("uitwisseling",)),
        # "camera's": the apostrophe splits the word
        ({"terms": ("camera",)}, "Meer camera's op straat.", ("camera",)),
        # phrases: case-insensitive, any whitespace between the words, whole words
        ({"phrases": ("openbare orde",)}, "Handhaving van de Openbare\nOrde.", ("openbare orde",)),
        ({"phrases": ("openbare orde",)}, "De openbare ordening.", None),
        ({"phrases": ("openbare orde",)}, "Openbare orde eerst.", ("openbare orde",)),
        ({"phrases": ("openbare orde",)}, "Stadsopenbare orde.", None),
        ({"phrases": ("openbare orde",)}, "Éénopenbare orde.", None),
        ({"phrases": ("een loket",)}, "Eén loket voor zorg.", ("eén loket",)),
        (
            {"phrases": ("informatie-uitwisseling tussen gemeenten",)},
            "Meer informatie-uitwisseling tussen gemeenten.",
            ("informatie-uitwisseling tussen gemeenten",),
        ),
        ({"phrases": ("reële dreiging",)}, "Een reele dreiging.", ("reele dreiging",)),
        # min_matches counts distinct evidence
        ({"terms": ("taser", "pepperspray"), "min_matches": 2}, "De taser, de taser.", None),
        (
            {"terms": ("taser", "pepperspray"), "min_matches": 2},
            "Taser en pepperspray.",
            ("taser", "pepperspray"),
        ),
        # excluded words never count, even when a wildcard term finds them
        ({"terms": ("divers*",), "exclude": ("diverse",)}, "Diverse partijen.", None),
        (
            {"terms": ("divers*",), "exclude": ("diverse",)},
            "Diverse partijen en diversiteit.",
            ("diversiteit",),
        ),
        (
            {"terms": ("jeugd*",), "exclude": ("*zorg",)},
            "Jeugdzorg en jeugdbendes.",
            ("jeugdbendes",),
        ),
        # evidence in order of first appearance, words and phrases mixed
        (
            {"terms": ("geweld", "agressie"), "phrases": ("tegen hulpverleners",)},
            "Agressie en geweld tegen hulpverleners; weer geweld.",
            ("agressie", "geweld", "tegen hulpverleners"),
        ),
    ],
)
def test_rule_matching(rule, text, expected):
    assert evidence(text, **rule) == expected


def test_heading_evidence_comes_first():
    assert evidence("Ook het knalvuurwerk.", heading="Vuurwerk", terms=("*vuurwerk",)) == (
        "vuurwerk",
        "knalvuurwerk",
    )


def test_topics_are_ordered_by_strength_then_name():
    rules = [
        TopicRule(name="Bodycams", terms=("bodycam*",)),
        TopicRule(name="Drugs", terms=("drugs",)),
        TopicRule(name="Cybercrime", terms=("cybercrime",)),
        TopicRule(name="Afpakken", terms=("afpakken",)),
    ]
    text = "Drugs, drugs en nog eens drugs. Cybercrime en afpakken. Bodycams."
    names = [m.topic for m in assign_topics("Bodycams", text, rules)]
    # heading words weigh more: Bodycams (1 + heading) beats Drugs (3 times in the text)
    assert names == ["Bodycams", "Drugs", "Afpakken", "Cybercrime"]


def test_nested_phrases_of_different_topics_both_fire():
    rules = [
        TopicRule(name="Openbare orde", phrases=("openbare orde",)),
        TopicRule(name="Veiligheid", phrases=("openbare orde en veiligheid",)),
    ]
    matches = assign_topics("", "Over openbare orde en veiligheid.", rules)
    assert sorted(matches, key=lambda m: m.topic) == [
        TopicMatch("Openbare orde", ("openbare orde",)),
        TopicMatch("Veiligheid", ("openbare orde en veiligheid",)),
    ]


@pytest.mark.parametrize(
    ("heading", "text", "topic", "expected_evidence"),
    [
        (
            "Oud en nieuw",
            "Het siervuurwerk gaf overlast.",
            "Jaarwisseling en vuurwerk",
            ("oud en nieuw", "siervuurwerk"),
        ),
        (
            "",
            "De aanpak van ondermijning en witwassen.",
            "Ondermijning",
            ("ondermijning", "witwassen"),
        ),
        (
            "",
            "Het stroomstootwapen wordt breder ingevoerd.",
            "Geweldsmiddelen",
            ("stroomstootwapen",),
        ),
        (
            "",
            "Regels voor gegevensdeling en privacy.",
            "Informatiedeling en privacy",
            ("gegevensdeling", "privacy"),
        ),
        (
            "Diversiteit",
            "Werving in diverse regio's.",
            "Personeel en diversiteit",
            ("diversiteit", "werving"),
        ),
        ("", "Een ransomware-aanval op de gemeente.", "Cybercrime", ("ransomware",)),
    ],
)
def test_shipped_rules(rules, heading, text, topic, expected_evidence):
    matches = {m.topic: m.evidence for m in assign_topics(heading, text, rules)}
    assert matches.get(topic) == expected_evidence


def test_shipped_rules_leave_plain_text_alone(rules):
    assert assign_topics("Rondvraag", "Er zijn geen vragen. De vergadering sluit.", rules) == []


def test_shipped_rules_load(rules):
    names = [rule.name for rule in rules]
    for name in [
        "Jaarwisseling en vuurwerk",
        "Ondermijning",
        "Informatiedeling en privacy",
        "Geweldsmiddelen",
        "Cybercrime",
        "Mensenhandel",
        "Drugs",
        "Wetgeving",
    ]:
        assert name in names
    assert 15 <= len(rules) <= 25


def test_a_file_given_by_path_replaces_the_defaults(tmp_path):
    path = write(tmp_path, '[[topic]]\nname = "Havens"\nterms = ["haven*"]\n')
    custom = load_topic_rules(path)
    assert custom == [TopicRule(name="Havens", terms=("haven*",))]
    text = "De havenbeveiliging en het vuurwerk."
    assert assign_topics("", text, custom) == [TopicMatch("Havens", ("havenbeveiliging",))]


def test_broken_toml_names_the_file_and_line(tmp_path):
    path = write(tmp_path, '[[topic]]\nname = "Havens"\nterms = ["haven*",, ]\n')
    with pytest.raises(VocabularyError) as error:
        load_topic_rules(path)
    assert str(error.value).startswith(f"{path}: not valid TOML: ")
    assert "line 3" in str(error.value)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[[topic]]\nname = "A"\nterms = ["a"]\n\n[[topic]]\nname = "Havens"\n'
            'terms = ["haven*"]\nmin_matches = "2"\n',
            "line 8: [[topic]] entry 2 ('Havens'): 'min_matches' must be a whole number",
        ),
        (
            '[[topic]]\nname = "Havens"\nterms = ["haven beveiliging"]\n',
            "line 3: [[topic]] entry 1 ('Havens'): 'terms' has 'haven beveiliging'",
        ),
        (
            '[[topic]]\nname = "Havens"\nterms = ["ha*ven"]\n',
            "[[topic]] entry 1 ('Havens'): 'terms' has 'ha*ven'",
        ),
        (
            '[[topic]]\nname = "Havens"\nphrases = ["haven* van rotterdam"]\n',
            "line 3: [[topic]] entry 1 ('Havens'): 'phrases' has 'haven* van rotterdam': '*' only",
        ),
        (
            '[[topic]]\nname = "Havens"\n',
            "line 1: [[topic]] entry 1 ('Havens'): 'terms' is needed (or 'phrases')",
        ),
        (
            '[[topic]]\nname = "Havens"\nterms = ["haven"]\n[[topic]]\nname = "havens"\n'
            'terms = ["kade"]\n',
            "line 5: [[topic]] entry 2 ('havens'): 'name' is already used",
        ),
        (
            '[[topic]]\nname = "Havens"\nterm = ["haven"]\n',
            "line 3: [[topic]] entry 1 ('Havens'): 'term' is not a known key",
        ),
        (
            '[[topic]]\nterms = ["haven"]\n',
            "[[topic]] entry 1: 'name' is missing",
        ),
    ],
)
def test_schema_errors_name_the_entry(tmp_path, toml, message):
    path = write(tmp_path, toml)
    with pytest.raises(VocabularyError, match=re.escape(message)):
        load_topic_rules(path)
