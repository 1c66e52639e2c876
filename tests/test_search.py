"""Searching: what a user sees for the queries, filters and orders they use."""

import datetime as dt
import json

import pytest
from conftest import write_minutes

from index.pipeline import run as index_run
from index.store import IndexStore
from search import BadRequest, SearchIndex, SearchRequest, run


def search(index, query="", **options):
    return run(SearchRequest(query, **options), index)


def headings(results):
    return [hit.section for hit in results.hits]


def test_a_word_finds_its_agenda_item_with_highlighted_snippet(indexed):
    results = search(indexed, "knalvuurwerk")
    assert results.total == 1
    hit = results.hits[0]
    assert (hit.section, hit.date) == ("Jaarwisseling", "2019-03-11")
    assert "<mark>knalvuurwerk</mark>" in hit.snippet
    assert hit.title == "Bestuurlijke terugkoppeling Regionaal Veiligheidsoverleg 11 maart 2019"


@pytest.mark.parametrize(("query", "marked"), [
    ("vuurwerk", "knal<mark>vuurwerk</mark> en"),
    ("uitwisseling", "informatie-<mark>uitwisseling</mark> over"),
    ("informatie-uitwisseling", "de <mark>informatie-uitwisseling</mark> over"),
    ("boa's", "alle <mark>boa</mark>'s."),
])
def test_parts_of_words_are_marked_exactly(indexed, query, marked):
    assert marked in search(indexed, query).hits[0].snippet


def test_stemmed_forms_are_found_and_marked(indexed):
    results = search(indexed, "burgemeester")
    marked = " ".join(hit.snippet for hit in results.hits)
    assert "<mark>burgemeesters</mark>" in marked
    assert "Jaarwisseling" in headings(results)


def test_items_with_all_words_come_first_then_items_with_some_saying_what_they_lack(indexed):
    results = search(indexed, "korpschef stroomstootwapen")
    assert headings(results)[0] == "Stroomstootwapen" and results.hits[0].missing == []
    rest = results.hits[1:]
    assert {hit.section for hit in rest} == {"Ondermijning", "Bodycams"}
    assert all(hit.missing == ["stroomstootwapen"] for hit in rest)
    assert "<mark>korpschef</mark>" in rest[0].snippet
    assert results.total == 3
    assert results.notice == ("1 agendapunt bevat alle woorden; daarna volgen resultaten met een "
                              "deel van de woorden.")


def test_a_full_page_of_items_with_all_words_is_not_filled_up(tmp_path):
    items = "".join(f"Punt {n}\n\nDe korpschef bespreekt de taser, ronde {n}.\n\n"
                    for n in range(12))
    folder = write_minutes(tmp_path / "n", {
        "a.txt": f"Verslag 3 maart 2022\n\n{items}",
        "b.txt": "Verslag 4 maart 2022\n\nBodycams\n\nDe korpschef over bodycams.\n",
    })
    index_run([folder], IndexStore(tmp_path / "i"))
    results = search(SearchIndex(tmp_path / "i"), "korpschef taser", per_page=20)
    assert results.total == 12 and results.notice is None
    assert "Bodycams" not in headings(results)


@pytest.mark.parametrize("query", ["korpschef AND stroomstootwapen", '"korpschef" taser',
                                   "(korpschef) stroomstootwapen", "actor:Verhoeven taser"])
def test_a_query_with_operators_is_taken_literally(indexed, query):
    results = search(indexed, query)
    assert headings(results) == ["Stroomstootwapen"] and results.notice is None


def test_items_with_some_words_follow_also_when_sorting_by_date(indexed):
    results = search(indexed, "korpschef stroomstootwapen", sort="oldest")
    assert headings(results)[0] == "Stroomstootwapen"
    dates = [hit.date for hit in results.hits[1:]]
    assert dates == sorted(dates)


def test_and_without_results_falls_back_to_or_and_says_so(indexed):
    results = search(indexed, "knalvuurwerk zomerfestival")
    assert set(headings(results)) == {"Jaarwisseling", "Evenementen"}
    assert "een of meer van de woorden" in results.notice


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("knalvuurwerk OF zomerfestival", {"Jaarwisseling", "Evenementen"}),
        ("knalvuurwerk OR zomerfestival", {"Jaarwisseling", "Evenementen"}),
        ("korpschef NIET stroomstootwapen", {"Ondermijning", "Bodycams"}),
        ("korpschef NOT stroomstootwapen", {"Ondermijning", "Bodycams"}),
        ("korpschef -stroomstootwapen", {"Ondermijning", "Bodycams"}),
        ("informatie-uitwisseling", {"Informatie-uitwisseling"}),
        ("informatie-uitwisseling -korpschef", {"Informatie-uitwisseling"}),
        ('"extra capaciteit"', {"Ondermijning"}),
        # Stop words inside a phrase still stand between its other words.
        ('"extra capaciteit voor de recherche"', {"Ondermijning"}),
        ('"capaciteit de recherche"', set()),
        ("(knalvuurwerk OF taser) korpschef", {"Stroomstootwapen"}),
        ("ondermijn*", {"Ondermijning", "Informatie-uitwisseling"}),
        ("titel:mei", {"Bodycams", "Informatie-uitwisseling"}),
        ("actor:Verhoeven", {"Stroomstootwapen", "Ondermijning"}),
        ("agendapunt:rondvraag", {"Rondvraag"}),
    ],
)
def test_query_language(indexed, query, expected):
    assert set(headings(search(indexed, query))) == expected


@pytest.mark.parametrize(
    "query",
    ['"onafgesloten', "OF", "NIET", "(", ")", "a AND", "*", "***", "?", "titel:", "-", ":",
     "((((knalvuurwerk", "knalvuurwerk)))", "\x00\x01", "🙂", "x" * 5000, "OF " * 300],
)
def test_queries_whoosh_cannot_parse_never_fail(indexed, query):
    results = search(indexed, query)
    assert results.total >= 0


def test_a_query_with_syntax_errors_still_finds_its_words(indexed):
    results = search(indexed, '(knalvuurwerk "')
    assert headings(results) == ["Jaarwisseling"]


def test_document_text_is_escaped_in_snippets(indexed):
    hit = search(indexed, "letterlijk").hits[0]
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet


def test_facets_count_the_whole_result_set(indexed):
    results = search(indexed, "korpschef", per_page=1)
    assert results.total == 3 and len(results.hits) == 1
    years = {f.value: f.count for f in results.facets["year"]}
    assert years == {"2019": 2, "2021": 1}
    actors = {f.value: f.count for f in results.facets["actor"]}
    assert actors["Korpschef"] == 3
    assert actors["Staatssecretaris Verhoeven"] == 2


def test_unknown_dates_are_their_own_facet_bucket(indexed):
    years = [(f.value, f.count) for f in search(indexed).facets["year"]]
    assert years == [("2021", 2), ("2019", 4), (None, 1)]


def test_filters_narrow_without_changing_scores(indexed):
    unfiltered = {h.section_id: h.score for h in search(indexed, "korpschef").hits}
    filtered = search(indexed, "korpschef", actors=("Staatssecretaris Verhoeven",))
    assert {h.section for h in filtered.hits} == {"Stroomstootwapen", "Ondermijning"}
    for hit in filtered.hits:
        assert hit.score == pytest.approx(unfiltered[hit.section_id])


def test_topic_filter_and_metadata_topics(indexed):
    results = search(indexed, topics=("Cameratoezicht",))
    assert set(headings(results)) == {"Bodycams", "Informatie-uitwisseling"}


def test_date_range_filter_excludes_undated_documents(indexed):
    results = search(indexed, date_from=dt.date(2019, 1, 1), date_to=dt.date(2019, 12, 31))
    assert results.total == 4
    assert {h.date[:4] for h in results.hits} == {"2019"}


@pytest.mark.parametrize(
    ("sort", "first", "last"),
    [("newest", "2021-05-11", None), ("oldest", "2019-03-11", None)],
)
def test_sort_by_date_puts_undated_last(indexed, sort, first, last):
    hits = search(indexed, sort=sort, per_page=100).hits
    assert hits[0].date == first and hits[-1].date == last
    dated = [h.date for h in hits if h.date]
    assert dated == sorted(dated, reverse=sort == "newest")


def test_pagination_pages_through_all_hits_once(indexed):
    seen = []
    for page in (1, 2, 3, 4):
        seen += [h.section_id for h in search(indexed, sort="oldest", page=page, per_page=2).hits]
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize(
    ("options", "parameter"),
    [({"sort": "random"}, "sort"), ({"page": 0}, "page"), ({"page": 10**6}, "page"),
     ({"per_page": 1000}, "per_page"),
     ({"date_from": dt.date(2020, 1, 1), "date_to": dt.date(2019, 1, 1)}, "from")],
)
def test_bad_requests_name_the_parameter(options, parameter):
    with pytest.raises(BadRequest) as error:
        SearchRequest("x", **options)
    assert error.value.parameter == parameter


def test_json_contract(indexed):
    data = search(indexed, "knalvuurwerk").as_json()
    assert set(data) >= {"query", "total", "page", "per_page", "hits", "facets", "notice"}
    assert set(data["hits"][0]) >= {"doc_id", "section_id", "title", "section", "date",
                                   "actors", "topics", "snippet", "source", "score"}
    assert set(data["facets"]) >= {"year", "topic", "actor"}
    assert data["facets"]["year"] == [{"value": "2019", "count": 1}]


def test_or_fallback_keeps_excluded_words_excluded(indexed):
    results = search(indexed, "knalvuurwerk zomerfestival NIET taser")
    assert set(headings(results)) == {"Jaarwisseling", "Evenementen"} - {"Stroomstootwapen"}
    assert "Stroomstootwapen" not in headings(search(indexed, "knalvuurwerk korpschef NIET taser"))


def test_snippets_show_where_text_was_left_out(indexed, tmp_path):
    short = search(indexed, "recherche").hits[0].snippet
    assert "<mark>recherche</mark>" in short and "…" not in short  # the whole text fits
    filler = "De leden bespreken de planning voor het komende kwartaal. " * 12
    write_minutes(tmp_path / "lang", {"lang.txt": f"Planning\n\n{filler}Het drugslab is "
                                                  f"opgerold. {filler}\n"})
    index_run([tmp_path / "lang"], IndexStore(tmp_path / "lang-index"))
    long = search(SearchIndex(tmp_path / "lang-index"), "drugslab").hits[0].snippet
    assert long.startswith("… ") and long.endswith(" …")
    assert "<mark>drugslab</mark>" in long and len(long) < 400


def test_a_repeated_search_is_answered_the_same_and_a_reindex_is_seen(minutes, index_dir):
    index_run([minutes], IndexStore(index_dir))
    index = SearchIndex(index_dir)
    first = search(index, "zomerfestival")
    assert search(index, "zomerfestival").as_json() == first.as_json()
    (minutes / "losse-notitie.txt").write_text("Evenementen\n\nHet zomerfestival en de kermis.\n")
    index_run([minutes], IndexStore(index_dir))
    assert "kermis" in search(index, "zomerfestival").hits[0].snippet


def test_facet_lists_are_bounded(tmp_path, monkeypatch):
    import search.engine as engine

    monkeypatch.setattr(engine, "FACET_VALUES", 2)
    folder = write_minutes(tmp_path / "n", {
        f"v{i}.md": f"---\ntitle: Verslag {i + 1} maart 2021\nactors: [Burgemeester {name}]\n"
                    f"---\n\n## Drugs\n\nHet drugsbeleid.\n"
        for i, name in enumerate(["Aap", "Beer", "Coe", "Dirk"])})
    index_run([folder], IndexStore(tmp_path / "i"))
    results = search(SearchIndex(tmp_path / "i"), "drugsbeleid")
    assert results.total == 4
    assert len(results.facets["actor"]) == 2


@pytest.mark.parametrize("question", [
    "Wanneer vraagt de korpschef extra capaciteit?",
    "wanneer vraagt de korpschef extra capaciteit",
    "Welke capaciteit vraagt de korpschef?",
])
def test_a_question_finds_the_answer_that_does_not_repeat_the_question_word(indexed, question):
    results = search(indexed, question)
    assert headings(results)[0] == "Ondermijning"
    assert results.hits[0].missing == []
    assert results.notice.startswith("1 agendapunt bevat alle woorden")


def test_a_question_word_followed_by_one_word_is_still_searched(indexed):
    # Too short to be a question about something: every word counts, and nothing has both.
    results = search(indexed, "wanneer zomerfestival")
    assert "een of meer van de woorden" in results.notice


def test_a_query_pasted_with_broken_accents_finds_the_right_text(tmp_path):
    folder = write_minutes(tmp_path / "n", {"v.txt": (
        "Verslag 3 maart 2022\n\nConvenant\n\nDe beëindiging van het convenant met de "
        "cliëntenraad wordt besproken.\n")})
    index_run([folder], IndexStore(tmp_path / "i"))
    index = SearchIndex(tmp_path / "i")
    results = search(index, "beÃ«indiging cliÃ«ntenraad")  # UTF-8 read as Windows-1252
    assert headings(results) == ["Convenant"]
    assert "<mark>beëindiging</mark>" in results.hits[0].snippet


def test_facets_are_the_same_from_saved_columns_and_from_postings(minutes, index_dir,
                                                                 monkeypatch):
    # The indexer saves each segment's facet values; an index without those files (written by
    # an older version) is read from its postings. Both must count the same, also after
    # incremental runs that leave several segments and deleted documents (as in a large
    # archive, whose big segment is kept: here the first one is too).
    monkeypatch.setattr("index.writer.MERGE_FLOOR", 0)  # no segment merged
    monkeypatch.setattr("index.writer.MERGE_FACTOR", 0)
    index_run([minutes], IndexStore(index_dir))
    (minutes / "losse-notitie.txt").write_text(
        "Evenementen 3 juni 2022\n\nDe korpschef en burgemeester Bakker over het festival.\n")
    write_minutes(minutes, {"extra-2023-01-09.md": (
        "---\ntitle: Verslag 9 januari 2023\nactors: [Burgemeester Bakker]\n"
        "topics: [Vuurwerk]\n---\n\n## Jaarwisseling\n\nDe korpschef over knalvuurwerk.\n")})
    index_run([minutes], IndexStore(index_dir))
    live = IndexStore(index_dir).current()
    saved = list(live.glob("*.columns.npz"))
    assert len(saved) > 1

    def facets():
        results = search(SearchIndex(index_dir), "korpschef")
        return results.total, results.as_json()["facets"]

    total, from_saved = facets()
    assert total == 5 and {"value": "2023", "count": 1} in from_saved["year"]
    # An index of an older version: without those files, and without them in its manifest.
    manifest_path = live / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for path in saved:
        path.unlink()
        del manifest["checksums"][path.name]
    manifest_path.write_text(json.dumps(manifest))
    assert facets() == (total, from_saved)


@pytest.mark.parametrize("query", ["korpschef", "vuurwerk", "uitwisseling", "boa's",
                                   '"extra capaciteit"', "ondermijn*", "korpschef taser"])
def test_marks_found_from_index_positions_equal_marks_found_by_reading_the_text(
        indexed, query, monkeypatch):
    # A query whose words expand to very many terms marks by reading the texts instead.
    from_positions = [hit.snippet for hit in search(indexed, query).hits]
    monkeypatch.setattr("search.engine.MARK_FROM_POSITIONS", -1)
    indexed.generation().cache = type(indexed.generation().cache)(8)
    assert [hit.snippet for hit in search(indexed, query).hits] == from_positions
    assert any("<mark>" in snippet for snippet in from_positions)


# Values on many documents are counted from bitmaps, the rest from (document, value) pairs:
# no bitmaps, only bitmaps, and a mix must all count and filter alike.
@pytest.mark.parametrize("bitmap_share", [2.0, 0.0, 0.3])
def test_facets_of_a_narrow_search_count_each_documents_own_values(indexed, monkeypatch,
                                                                     bitmap_share):
    # A search matching a few documents reads their own facet values; one matching many scans
    # all of them. Both must give what the documents carry.
    from collections import Counter

    import numpy as np

    from search.facets import FacetTable, _Column

    monkeypatch.setattr(_Column, "BITMAP_SHARE", bitmap_share)
    generation = indexed.generation()
    with generation.searcher() as searcher:
        table = FacetTable(searcher.reader())
        live = np.flatnonzero(table.live)
        total = {name: Counter() for name in ("topic", "actor", "year")}
        carrying = {"topic": set(), "actor": set()}
        for docnum in live.tolist():
            fields = searcher.stored_fields(docnum)
            counts = table.counts(np.array([docnum]))
            expected = {"topic": set(filter(None, fields.get("topic", "").split(","))),
                        "actor": set(filter(None, fields.get("actor", "").split(","))),
                        "year": {fields["date"][:4]} if fields.get("date") else {None}}
            for name, values in expected.items():
                got = {f.value: f.count for f in counts[name]}
                assert got == dict.fromkeys(values, 1) or (name != "year" and not values
                                                           and set(got) <= {None})
                total[name].update(got)
            for name in carrying:
                carrying[name] |= expected[name]
        everything = table.counts(live)
        for name, counter in total.items():
            assert {f.value: f.count for f in everything[name]} == dict(counter)
        # Filtering on a value finds exactly the documents that carry it.
        for name, values in carrying.items():
            for value in values:
                topics, actors = ((value,), ()) if name == "topic" else ((), (value,))
                found = table.filter_mask(topics, actors, None, None, frozenset()) & table.live
                assert int(found.sum()) == total[name][value]


def test_facet_values_are_most_frequent_first_then_alphabetical(indexed):
    # Equal counts are ordered by name, ignoring case, as people read a list.
    for name in ("topic", "actor"):
        values = [(f.value, f.count) for f in search(indexed).facets[name] if f.value]
        assert len(values) > 2
        assert values == sorted(values, key=lambda pair: (-pair[1], pair[0].lower()))
        ties = [v for v, c in values if c == values[-1][1]]
        assert ties == sorted(ties, key=str.lower)


def test_searches_waiting_for_their_turn_are_served_first_come_first_served():
    # Under load, a search that arrived later must not overtake those already waiting:
    # otherwise the unlucky ones wait behind many later ones and the slowest answers grow.
    import threading
    import time

    from search.turns import Turns

    turns = Turns(1)
    served = []

    def search(number):
        with turns:
            served.append(number)

    with turns:  # a search is running; the others queue up one after another
        threads = []
        for number in range(8):
            thread = threading.Thread(target=search, args=(number,))
            thread.start()
            threads.append(thread)
            deadline = time.monotonic() + 5
            while len(turns._waiting) < number + 1 and time.monotonic() < deadline:
                time.sleep(0.001)
        # A newcomer arriving as the running search ends must still queue behind them.
        newcomer = threading.Thread(target=search, args=(8,))
    newcomer.start()
    for thread in [*threads, newcomer]:
        thread.join(5)
    assert served == list(range(9))
