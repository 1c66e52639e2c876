"""Shared fixtures: a handful of small fictional Dutch minutes, indexed into a tmp folder."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from index.pipeline import run
from index.store import IndexStore
from search import SearchIndex

MINUTES = {
    "2019/terugkoppeling-2019-03-11.txt": """
        Bestuurlijke terugkoppeling Regionaal Veiligheidsoverleg 11 maart 2019

        Jaarwisseling

        De burgemeesters bespreken de schade van de afgelopen jaarwisseling. Regioburgemeesters
        Bakker en De Wit pleiten voor een verbod op knalvuurwerk en sierpijlen. De minister
        neemt het voorstel mee in zijn brief aan de Tweede Kamer.

        Stroomstootwapen

        De korpschef licht de proef met het stroomstootwapen toe. Staatssecretaris Verhoeven
        wil eerst de evaluatie afwachten voordat de taser breed wordt ingevoerd.
        """,
    "2019/terugkoppeling-2019-10-07.txt": """
        Bestuurlijke terugkoppeling Regionaal Veiligheidsoverleg 7 oktober 2019

        Ondermijning

        Het OM en de politie presenteren het nieuwe ondermijningsbeeld. De korpschef vraagt
        extra capaciteit voor de recherche. Staatssecretaris Verhoeven zegt steun toe.

        Rondvraag

        Er zijn geen vragen. <script>alert('x')</script> staat letterlijk in het verslag.
        """,
    "verslag-2021-05-11.md": """
        ---
        title: Verslag Regionaal Veiligheidsoverleg 11 mei 2021
        date: 2021-05-11
        topics: [Cameratoezicht]
        ---

        ## Bodycams

        De burgemeester van Utrecht vraagt om bodycams voor alle boa's. De korpschef
        verwacht de levering van 300 camera's per eenheid in het najaar.

        ## Informatie-uitwisseling

        Het Openbaar Ministerie en de gemeenten willen de informatie-uitwisseling over
        ondermijnende criminaliteit verbeteren. De Autoriteit Persoonsgegevens adviseert.
        """,
    "losse-notitie.txt": """
        Evenementen

        De burgemeester bespreekt de vergunning voor het zomerfestival op 24 juni. Het
        budget in 2020 was te krap.
        """,
}


def write_minutes(folder: Path, documents: dict[str, str] = MINUTES) -> Path:
    """Write documents (relative path → text) into `folder`; returns the folder."""
    for relative, text in documents.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder


def write_jsonl(path: Path, records: list[dict | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def minutes(tmp_path) -> Path:
    return write_minutes(tmp_path / "notulen")


@pytest.fixture
def index_dir(tmp_path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def indexed(minutes, index_dir) -> SearchIndex:
    report = run([minutes], IndexStore(index_dir))
    assert report.failed == []
    return SearchIndex(index_dir)


def clean_test_client(index_dir: Path):
    """A Flask test client of the site over `index_dir`, made without the settings of
    whoever runs the tests (module-scoped fixtures cannot use `monkeypatch`)."""
    from web import create_app

    with pytest.MonkeyPatch.context() as patch:
        for variable in ("BESTUURSZOEKER_BASE_URL", "BESTUURSZOEKER_CONFIG",
                         "BESTUURSZOEKER_SYNONYMS", "BESTUURSZOEKER_AUTH", "FLASK_DEBUG"):
            patch.delenv(variable, raising=False)
        return create_app({"INDEX": index_dir, "TESTING": True}).test_client()
