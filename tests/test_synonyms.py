"""Synonyms and acronyms: a query also finds the other words of its group."""

import pytest
from conftest import write_minutes

from index.errors import VocabularyError
from index.pipeline import run as index_run
from index.store import IndexStore
from search import SearchIndex, SearchRequest, run
from search.synonyms import expand, load

SYNONYMS = load()


@pytest.mark.parametrize(
    ("query", "expanded"),
    [
        ("taser", "(taser OR stroomstootwapen)"),
        ("OM", '(OM OR "Openbaar Ministerie")'),
        ("Openbaar Ministerie", '(OM OR "Openbaar Ministerie")'),
        ("openbaar ministerie", '(OM OR "Openbaar Ministerie")'),
        ("om", "om"),  # the ordinary word, not the acronym
        ("-taser korpschef", "-(taser OR stroomstootwapen) korpschef"),
        ('"taser"', '"taser"'),  # a phrase in quotes is taken as typed
        ("titel:taser", "titel:taser"),
    ],
)
def test_expansion(query, expanded):
    assert expand(query, SYNONYMS)[0] == expanded


def test_default_list_holds_the_acronyms_of_the_domain():
    for acronym in ("OM", "RvS", "AP", "RIEC", "LOVP", "AVIM", "BOA", "KMar", "WODC", "VOG"):
        assert expand(acronym, SYNONYMS)[1], acronym


@pytest.fixture
def index(tmp_path):
    write_minutes(tmp_path / "n", {
        "a.txt": "Stroomstootwapen\n\nDe proef met het wapen wordt verlengd.\n",
        "b.txt": "Ondermijning\n\nHet Openbaar Ministerie presenteert het beeld.\n",
        "c.txt": "Strafzaken\n\nHet OM vervolgt de verdachten.\n",
        "d.txt": "Planning\n\nDe vergadering begint om tien uur.\n",
    })
    index_run([tmp_path / "n"], IndexStore(tmp_path / "i"))
    return SearchIndex(tmp_path / "i")


def found(index, query):
    return sorted(hit.section for hit in run(SearchRequest(query), index).hits)


def test_taser_finds_the_agenda_item_titled_stroomstootwapen(index):
    results = run(SearchRequest("taser"), index)
    assert [h.section for h in results.hits] == ["Stroomstootwapen"]
    assert results.expansions == ["stroomstootwapen"]


def test_acronym_and_full_name_find_each_other_but_not_the_word_om(index):
    assert found(index, "OM") == ["Ondermijning", "Strafzaken"]
    assert found(index, "Openbaar Ministerie") == ["Ondermijning", "Strafzaken"]
    assert "Planning" not in found(index, "OM")


def test_a_custom_file_replaces_the_default(tmp_path, index):
    custom = tmp_path / "synoniemen.toml"
    custom.write_text('[synonyms]\ngroups = [["verdachten", "beeld"]]\n', encoding="utf-8")
    own = SearchIndex(index.store.root, synonyms=load(custom))
    assert sorted(h.section for h in run(SearchRequest("verdachten"), own).hits) == [
        "Ondermijning", "Strafzaken"]
    assert [h.section for h in run(SearchRequest("taser"), own).hits] == []


@pytest.mark.parametrize(
    ("content", "problem"),
    [("[synonyms\n", "synoniemen.toml"), ('[synonyms]\ngroups = [["alleen"]]\n', "group 1"),
     ('[acronyms]\nOM = 3\n', "OM"), ("onbekend = 1\n", "onbekend")],
)
def test_a_broken_file_is_reported_with_file_and_problem(tmp_path, content, problem):
    path = tmp_path / "synoniemen.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(VocabularyError, match=problem):
        load(path)
