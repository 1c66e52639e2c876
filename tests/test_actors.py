"""Actor extraction: roles, people behind titles, organisations, and the vocabulary file."""

import re

import pytest

from index.actors import extract_actors
from index.errors import VocabularyError
from index.vocabulary import DEFAULT_ACTORS, load_gazetteer


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer()


def write(tmp_path, text, name="actors.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


ROLES = [
    ("De korpschef licht het plan toe.", ["Korpschef"]),
    ("De regioburgemeesters willen meer budget.", ["Regioburgemeester"]),
    ("Beide bewindspersonen waren aanwezig.", ["Minister"]),
    ("De procureurs-generaal nemen een besluit.", ["Procureur-generaal"]),
    ("De PG zegt toe de zaak te bekijken.", ["Procureur-generaal"]),
    ("De pg zegt toe", []),  # "PG" counts only as written in capitals
    (
        "De hoofdofficier van justitie en de politiechef overleggen.",
        ["Hoofdofficier van justitie", "Politiechef"],
    ),
    ("De Commissaris van de Koning opent de bijeenkomst.", ["Commissaris van de Koning"]),
    ("Het ministerie stuurt een reactie.", []),  # "minister" only as a whole word
    ("Een oud-burgemeester schuift aan.", []),  # a former mayor is not the mayor
]

TITLED_PEOPLE = [
    (
        "Staatssecretaris Bakker sluit aan bij het overleg.",
        ["Staatssecretaris Bakker", "Staatssecretaris"],
    ),
    ("PG Van den Berg benadrukt de gezagsverhoudingen.", ["PG Van den Berg", "Procureur-generaal"]),
    ("Volgens korpschef De Wit is dat haalbaar.", ["Korpschef De Wit", "Korpschef"]),
    ("Wethouder Ter Horst geeft een toelichting.", ["Wethouder Ter Horst", "Wethouder"]),
    ("Hierover meldt PG Van\nden Berg dat", ["PG Van den Berg", "Procureur-generaal"]),
    ("Burgemeester Anna de Vries opent.", ["Burgemeester De Vries", "Burgemeester"]),
    ("Minister J.P. van der Meer reageert.", ["Minister Van der Meer", "Minister"]),
    (
        "hoofdofficier Smit vraagt om capaciteit",
        ["Hoofdofficier Smit", "Hoofdofficier van justitie"],
    ),
]

PLACES_AND_PORTFOLIOS = [
    ("Burgemeester Van Dijk is positief.", ["Burgemeester Van Dijk", "Burgemeester"]),
    ("De burgemeester van Utrecht is positief.", ["Burgemeester van Utrecht", "Burgemeester"]),
    ("De minister van Defensie reageert.", ["Minister van Defensie", "Minister"]),
    (
        "De minister van Justitie en Veiligheid reageert.",
        ["Minister van Justitie en Veiligheid", "Minister"],
    ),
    ("Hij belt de minister van VWS, die akkoord is.", ["Minister van VWS", "Minister"]),
    (
        "Een brief van de minister van volksgezondheid, welzijn en sport.",
        ["Minister van Volksgezondheid, Welzijn en Sport", "Minister"],
    ),
    (
        "Minister Bakker van Justitie en Veiligheid komt later.",
        ["Minister Bakker", "Minister van Justitie en Veiligheid", "Minister"],
    ),
    (
        "De voorzitter van het Veiligheidsberaad opent.",
        ["Voorzitter van het Veiligheidsberaad", "Voorzitter", "Veiligheidsberaad"],
    ),
    ("De burgemeester van de gemeente belt.", ["Burgemeester"]),
    ("De driehoek van Leiden besluit.", ["Driehoek van Leiden", "Driehoek"]),
]

LISTS = [
    (
        "Regioburgemeesters Bakker en De Wit zijn het eens.",
        ["Regioburgemeester Bakker", "Regioburgemeester De Wit", "Regioburgemeester"],
    ),
    (
        "De burgemeesters Smit, Visser en Van Leeuwen ondertekenen de brief.",
        ["Burgemeester Smit", "Burgemeester Visser", "Burgemeester Van Leeuwen", "Burgemeester"],
    ),
    # after a singular title, "en" starts something else
    ("Burgemeester Smit en de korpschef", ["Burgemeester Smit", "Burgemeester", "Korpschef"]),
]

HONORIFICS = [
    (
        "Regioburgemeester Visser opent. Dhr. Visser vraagt daarna om steun.",
        ["Regioburgemeester Visser", "Regioburgemeester"],
    ),
    (
        "Mevrouw Smit vraagt het woord. Wethouder Smit licht het toe.",
        ["Wethouder Smit", "Wethouder"],
    ),
    ("De heer Kramer stelt een vraag.", ["De heer Kramer"]),
    ("Daarop reageert de heer Kramer.", ["De heer Kramer"]),
    ("Volgens mevrouw Jansen-Oudshoorn klopt dat.", ["Mevrouw Jansen-Oudshoorn"]),
    ("Mw. Van Dam sluit af.", ["Mevrouw Van Dam"]),
    ("De heren Kramer en Smit zijn het oneens.", ["De heer Kramer", "De heer Smit"]),
]

NOT_NAMES = [
    ("Volgens de minister Strategisch gezien verstandig.", ["Minister"]),
    ("Het gesprek met de minister Van", ["Minister"]),
    ("Dat zegt de burgemeester\nIn Utrecht is het rustig.", ["Burgemeester"]),
    ("Advies van de korpschef Maart jl. besproken", ["Korpschef"]),
    ("De korpschef De politie moet", ["Korpschef", "Politie"]),
    ("De minister Hij wil", ["Minister"]),
    ("Korpschef\n\nHendriks neemt afscheid.", ["Korpschef"]),  # heading, then text
    ("De korpschef Nationale Politie", ["Korpschef", "Politie"]),
]

ORGANISATIONS = [
    ("Het OM vervolgt de zaak; om die reden", ["Openbaar Ministerie"]),
    ("om te beginnen", []),
    ("De AP is kritisch, de ap niet.", ["Autoriteit Persoonsgegevens"]),
    ("Een advies van de RvS en het RVS-advies.", ["Raad van State"]),
    ("De RIEC's delen informatie.", ["RIEC"]),
    ("Het College van PG's besluit.", ["College van procureurs-generaal"]),
    ("Het College van PG\u2019s besluit.", ["College van procureurs-generaal"]),
    ("De KMar en de Kmar.", ["Koninklijke Marechaussee"]),
    ("Een brief aan de Kamer volgt.", ["Tweede Kamer"]),
    ("Zij zit in de kamer.", []),
    ("De Kamerleden vragen om uitleg.", ["Kamerlid"]),
    ("De Kamer van Koophandel doet mee.", ["Kamer van Koophandel"]),
    ("De Tweede Kamer en de Eerste Kamer.", ["Tweede Kamer", "Eerste Kamer"]),
    ("Een wijziging van de Politiewet.", []),
    (
        "De Autoriteit Persoonsgegevens en het Openbaar Ministerie",
        [
            "Autoriteit Persoonsgegevens",
            "Openbaar Ministerie",
        ],
    ),
    # de-duplicated, in order of first appearance
    ("De korpschef en het OM; later opnieuw de korpschef.", ["Korpschef", "Openbaar Ministerie"]),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    ROLES + TITLED_PEOPLE + PLACES_AND_PORTFOLIOS + LISTS + HONORIFICS + NOT_NAMES + ORGANISATIONS,
)
def test_extract_actors(gazetteer, text, expected):
    assert extract_actors(text, gazetteer) == expected


def test_the_matcher_is_compiled_once_per_gazetteer(gazetteer):
    extract_actors("De korpschef", gazetteer)
    matcher = gazetteer._cache["actors"]
    extract_actors("De burgemeester", gazetteer)
    assert gazetteer._cache["actors"] is matcher


def test_shipped_gazetteer_has_the_usual_actors(gazetteer):
    roles = {role.name: role for role in gazetteer.roles}
    for name in [
        "Minister",
        "Staatssecretaris",
        "Burgemeester",
        "Regioburgemeester",
        "Korpschef",
        "Procureur-generaal",
        "Hoofdofficier van justitie",
        "Politiechef",
        "Commissaris van de Koning",
        "Wethouder",
        "Voorzitter",
        "Gemeenteraad",
    ]:
        assert name in roles
    assert roles["Procureur-generaal"].person_title == "PG"
    assert "PG" in roles["Procureur-generaal"].exact
    organisations = {o.name: o for o in gazetteer.organisations}
    for name in [
        "Openbaar Ministerie",
        "Raad van State",
        "Autoriteit Persoonsgegevens",
        "Tweede Kamer",
        "Eerste Kamer",
        "College van procureurs-generaal",
        "Politie",
        "Koninklijke Marechaussee",
        "WODC",
        "Inspectie Justitie en Veiligheid",
        "RIEC",
        "Veiligheidsberaad",
        "NCTV",
    ]:
        assert name in organisations
    assert "OM" in organisations["Openbaar Ministerie"].exact
    assert {h.name for h in gazetteer.honorifics} == {"De heer", "Mevrouw"}
    assert gazetteer.source == str(DEFAULT_ACTORS)


def test_a_file_given_by_path_replaces_the_defaults(tmp_path):
    path = write(
        tmp_path,
        """
        [[role]]
        name = "Havenmeester"
        aliases = ["havenmeester"]
        title = true
        """,
    )
    custom = load_gazetteer(path)
    text = "Havenmeester Bakker spreekt met de burgemeester."
    assert extract_actors(text, custom) == ["Havenmeester Bakker", "Havenmeester"]


def test_known_people_are_found_by_surname_and_alias(tmp_path):
    path = write(
        tmp_path,
        """
        [[role]]
        name = "Burgemeester"
        aliases = ["burgemeester"]
        title = true
        qualified = true

        [[honorific]]
        name = "De heer"
        aliases = ["de heer"]

        [[person]]
        surname = "Van der Laan"
        title = "Burgemeester"
        aliases = ["Pieter van der Laan"]
        """,
    )
    custom = load_gazetteer(path)
    assert extract_actors("De heer Van der Laan", custom) == ["Burgemeester Van der Laan"]
    assert extract_actors("Pieter van der Laan zegt", custom) == ["Burgemeester Van der Laan"]
    # the capital V is missing, but a known person is no place
    assert extract_actors("burgemeester van der Laan", custom) == [
        "Burgemeester Van der Laan",
        "Burgemeester",
    ]


def test_broken_toml_names_the_file_and_line(tmp_path):
    path = write(tmp_path, '[[role]]\nname = "Havenmeester"\naliases = havenmeester\n')
    with pytest.raises(VocabularyError) as error:
        load_gazetteer(path)
    assert str(error.value).startswith(f"{path}: not valid TOML: ")
    assert "line 3" in str(error.value)


def test_schema_error_names_the_entry_and_key(tmp_path):
    people = "".join(
        f'[[person]]\nsurname = "{surname}"\ntitle = "Burgemeester"\n\n'
        for surname in ("Bakker", "Smit")
    )
    path = write(tmp_path, people + '[[person]]\nsurname = "Van der Burg"\ntitle = 3\n')
    with pytest.raises(VocabularyError) as error:
        load_gazetteer(path)
    assert str(error.value) == (
        f"{path}: line 11: [[person]] entry 3 ('Van der Burg'): 'title' must be a string"
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[[role]]\nname = "Havenmeester"\nalias = ["havenmeester"]\n',
            "line 3: [[role]] entry 1 ('Havenmeester'): 'alias' is not a known key",
        ),
        (
            '[[role]]\nname = "Havenmeester"\n',
            "[[role]] entry 1 ('Havenmeester'): 'aliases' is missing",
        ),
        (
            '[[role]]\nname = "Havenmeester"\naliases = ["havenmeester"]\ntitle = "ja"\n',
            "line 4: [[role]] entry 1 ('Havenmeester'): 'title' must be true or false",
        ),
        (
            '[[organisation]]\nname = "Haven"\nexact = ["HB"]\n'
            '[[organisation]]\nname = "Havenbedrijf"\nexact = ["HB"]\n',
            "[[organisation]] entry 2 ('Havenbedrijf'): 'HB' is also listed under "
            "[[organisation]] entry 1 ('Haven')",
        ),
        (
            '[[role]]\nname = "Havenmeester"\naliases = ["\'s-havenmeester"]\n',
            "[[role]] entry 1 ('Havenmeester'): \"'s-havenmeester\" must start with a letter",
        ),
        ('[[roles]]\nname = "Havenmeester"\n', "'roles' is not a known key"),
        ('qualifiers = "Defensie"\n', "line 1: the top of the file: 'qualifiers' must be a list"),
    ],
)
def test_schema_errors_say_what_is_wrong(tmp_path, toml, message):
    path = write(tmp_path, toml)
    with pytest.raises(VocabularyError, match=re.escape(message)):
        load_gazetteer(path)


def test_missing_file_is_a_vocabulary_error(tmp_path):
    with pytest.raises(VocabularyError, match="file not found"):
        load_gazetteer(tmp_path / "nergens.toml")
