"""Generate the fictional sample minutes in .docx format (deterministic output).

Run from the repository root:

    .venv/bin/python samples/make_docx.py

Writes samples/minutes/terugkoppeling-lbov-2024-06-18.docx. All people, bodies and events are
fictional. The output is byte-for-byte reproducible: document properties are fixed and the zip
entries get a fixed timestamp (python-docx would otherwise stamp the current time).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from docx import Document

OUT = Path(__file__).resolve().parent / "minutes" / "terugkoppeling-lbov-2024-06-18.docx"

TITLE = "Bestuurlijke terugkoppeling LBOV 18 juni 2024"
MEETING = dt.datetime(2024, 6, 18, 12, 0, 0)
ZIP_TIMESTAMP = (2024, 6, 18, 12, 0, 0)

INTRO = (
    "Aanwezig: de minister van Justitie en Veiligheid, de korpschef, regioburgemeesters Bakker en "
    "De Wit, PG Van den Akker, Dhr. Smeulders en mevrouw Jansen-Oudshoorn."
)

ITEMS: list[tuple[str, list[str]]] = [
    (
        "Ondermijning",
        [
            "De minister van Justitie en Veiligheid presenteert de hoofdlijnen van de nieuwe "
            "meerjarige aanpak van georganiseerde criminaliteit. De aanpak legt meer nadruk op het "
            "voorkomen dat jongeren in de criminaliteit belanden en op het weerbaar maken van "
            "sectoren die kwetsbaar zijn voor misbruik, zoals logistiek, vastgoed en de "
            "recreatiesector. De regioburgemeesters Bakker en De Wit steunen de lijn, maar vragen "
            "om structurele middelen voor de RIEC's en voor de bestuurlijke aanpak in gemeenten. "
            "PG Van den Akker meldt dat het OM de samenwerking met de Belastingdienst en de FIOD "
            "verder intensiveert om crimineel vermogen sneller af te pakken.",
        ],
    ),
    (
        "Informatie-uitwisseling",
        [
            "Dhr. Smeulders geeft een stand van zaken van de uitvoering van de wet over "
            "gegevensverwerking door samenwerkingsverbanden. De eerste samenwerkingsverbanden zijn "
            "aangewezen, maar in de praktijk blijkt informatie-uitwisseling tussen gemeenten, "
            "politie en zorgpartners nog vaak te stranden op onduidelijkheid over de grondslagen. "
            "De burgemeesters vragen om een praktische handreiking en om een centraal loket voor "
            "vragen. De korpschef wijst op het belang van goede afspraken over de beveiliging van "
            "gedeelde gegevens. Afgesproken wordt dat de handreiking na de zomer gereed is.",
        ],
    ),
    (
        "Evenementen",
        [
            "Met het oog op de zomer bespreekt het overleg de politie-inzet bij grote evenementen "
            "en bij het Europees kampioenschap voetbal. De korpschef meldt dat de inzet bij "
            "publieksavonden en huldigingen in veel gemeenten tegelijk nodig kan zijn, wat een "
            "grote druk legt op de capaciteit. Regioburgemeester De Wit vraagt gemeenten om "
            "terughoudend te zijn met het organiseren van grote schermen in binnensteden. De "
            "minister steunt een landelijke afstemming van de inzet via het bestaande "
            "evenementenoverleg.",
        ],
    ),
    (
        "Zorg en Veiligheid",
        [
            "Mevrouw Jansen-Oudshoorn presenteert de resultaten van de pilot met een landelijk "
            "afgestemde aanpak voor personen met verward gedrag. In de deelnemende regio's worden "
            "meldingen sneller doorgezet naar de zorg en zijn agenten minder lang bezig met "
            "wachten op een beoordeling. De regioburgemeesters willen de aanpak in alle regio's "
            "invoeren en vragen de minister om hierover afspraken te maken met de zorgverzekeraars "
            "en het ministerie van VWS.",
        ],
    ),
    (
        "Rondvraag",
        [
            "Regioburgemeester Bakker vraagt naar de planning van de evaluatie van de landelijke "
            "invoering van de bodycams. De korpschef zegt toe de evaluatie in het najaar te "
            "agenderen. Mevrouw Jansen-Oudshoorn meldt dat het jaarbeeld van de RIEC's na de zomer "
            "verschijnt. Dhr. Smeulders meldt dat de voorjaarsnota geen gevolgen heeft voor de "
            "afspraken over de sterkte. De minister dankt de aanwezigen en wenst iedereen een "
            "goede zomer.",
        ],
    ),
]


def build() -> bytes:
    document = Document()
    props = document.core_properties
    props.title = TITLE
    props.author = "Secretariaat LBOV"
    props.last_modified_by = "Secretariaat LBOV"
    props.revision = 1
    props.created = MEETING
    props.modified = MEETING
    props.last_printed = MEETING
    props.language = "nl-NL"

    document.add_paragraph(TITLE, style="Title")
    document.add_paragraph(INTRO)
    for heading, paragraphs in ITEMS:
        document.add_heading(heading, level=2)
        for text in paragraphs:
            document.add_paragraph(text)

    raw = io.BytesIO()
    document.save(raw)
    return _normalise_zip(raw.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed timestamps so the file is reproducible."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(build())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
