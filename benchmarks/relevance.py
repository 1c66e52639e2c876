"""Dutch retrieval quality: nDCG@10, MRR@10 and Recall@10 on a judged test set.

Runs the 102 Dutch questions of `../shared/relevance/dutch_legal_aqa` against its 4,653
passages, indexed through Bestuurszoeker's own JSONL reader and searched through its own query
path (`search.run`), side by side with two stock Whoosh chains (no stemming; Snowball Dutch via
`LanguageAnalyzer('nl')`), both BM25F over title and text with an OR query.

    .venv/bin/python benchmarks/relevance.py [--data ../shared/relevance/dutch_legal_aqa]

Nothing here is tuned to these queries: the product runs with its shipped configuration.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whoosh import fields, index, qparser, scoring  # noqa: E402
from whoosh.analysis import LanguageAnalyzer, StandardAnalyzer  # noqa: E402

import search.engine as search_engine  # noqa: E402
import search.query as search_query  # noqa: E402
from index.analysis import analyse  # noqa: E402
from index.compounds import read_word_list, split_quality  # noqa: E402
from index.pipeline import run as index_run  # noqa: E402
from index.store import IndexStore  # noqa: E402
from search import SearchIndex, SearchRequest  # noqa: E402
from search import run as search_run  # noqa: E402
from search.synonyms import Synonyms  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "relevance" / "dutch_legal_aqa"
K = 10
ABLATIONS = (
    ("  without the proximity bonus", search_query, "PROXIMITY_BOOST", 0.0),
    ("  with textbook BM25F b=0.75", search_engine, "WEIGHTING", scoring.BM25F()),
    ("  without dropping the question word", search_query, "QUESTION_WORDS", frozenset()),
    ("  without synonyms", search_engine, "load_synonyms", lambda path=None: Synonyms()),
)


def load(data: Path):
    queries = {}
    for line in (data / "queries.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, text = line.split("\t", 1)
            queries[qid] = text
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (data / "qrels.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, _, doc, grade = line.split()
            if int(grade) > 0:
                qrels[qid][doc] = int(grade)
    return queries, qrels


def metrics(ranked: list[str], relevant: dict[str, int]) -> tuple[float, float, float]:
    """nDCG@K, reciprocal rank@K and recall@K of one ranked list."""
    dcg = sum(
        (2 ** relevant.get(doc, 0) - 1) / math.log2(rank + 2)
        for rank, doc in enumerate(ranked[:K])
    )
    ideal = sorted(relevant.values(), reverse=True)[:K]
    idcg = sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(ideal))
    rr = next((1 / (rank + 1) for rank, doc in enumerate(ranked[:K]) if doc in relevant), 0.0)
    recall = len(set(ranked[:K]) & set(relevant)) / len(relevant)
    return dcg / idcg if idcg else 0.0, rr, recall


def evaluate(search, queries, qrels) -> dict[str, float]:
    totals = [0.0, 0.0, 0.0]
    latencies = []
    judged = [q for q in queries if q in qrels]
    for qid in judged:
        started = time.perf_counter()
        ranked = search(queries[qid])
        latencies.append(time.perf_counter() - started)
        for i, value in enumerate(metrics(ranked, qrels[qid])):
            totals[i] += value
    n = len(judged)
    latencies.sort()
    return {
        "nDCG@10": totals[0] / n,
        "MRR@10": totals[1] / n,
        "Recall@10": totals[2] / n,
        "median ms": 1000 * latencies[n // 2],
    }


def stock(documents: list[dict], analyzer, folder: Path):
    schema = fields.Schema(
        id=fields.ID(stored=True),
        title=fields.TEXT(analyzer=analyzer),
        text=fields.TEXT(analyzer=analyzer),
    )
    ix = index.create_in(str(folder), schema)
    with ix.writer() as writer:
        for doc in documents:
            writer.add_document(id=doc["id"], title=doc.get("title", ""), text=doc["text"])
    parser = qparser.MultifieldParser(["title", "text"], ix.schema, group=qparser.OrGroup)
    searcher = ix.searcher()

    def search(text: str) -> list[str]:
        # Whoosh's parser reads a trailing `?` as a wildcard; the reference figures in
        # ../shared/README.md were measured without it.
        text = text.replace("?", " ").replace("(", " ").replace(")", " ")
        return [hit["id"] for hit in searcher.search(parser.parse(text), limit=K)]

    return search


def bestuurszoeker(data: Path, folder: Path):
    source = folder / "bron"
    source.mkdir()
    shutil.copy(data / "documents.jsonl", source / "documents.jsonl")
    started = time.perf_counter()
    report = index_run([source], IndexStore(folder / "index"))
    seconds = time.perf_counter() - started
    return folder / "index", report.sections / seconds


def product_search(index_folder: Path):
    """Search through the product's own path, with the settings in force right now."""
    searcher = SearchIndex(index_folder)

    def search(text: str) -> list[str]:
        # The product finds agenda items; judgments are per passage: keep each passage's best.
        results = search_run(SearchRequest(text, per_page=3 * K), searcher)
        ranked = [hit.source.rsplit("#", 1)[1] for hit in results.hits]
        return list(dict.fromkeys(ranked))[:K]

    return search


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    if not (args.data / "queries.tsv").exists():
        print(f"no relevance data in {args.data}", file=sys.stderr)
        return 2
    queries, qrels = load(args.data)
    documents = [json.loads(line) for line in
                 (args.data / "documents.jsonl").read_text(encoding="utf-8").splitlines() if line]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, analyzer in (("stock Whoosh, no stemming", StandardAnalyzer()),
                               ("stock Whoosh, LanguageAnalyzer('nl')", LanguageAnalyzer("nl"))):
            folder = tmp / name.split(",")[1].strip().split("(")[0].replace(" ", "")
            folder.mkdir()
            rows.append((name, evaluate(stock(documents, analyzer, folder), queries, qrels), None))
        (tmp / "bz").mkdir()
        index_folder, speed = bestuurszoeker(args.data, tmp / "bz")
        rows.append(("Bestuurszoeker", evaluate(product_search(index_folder), queries, qrels),
                     speed))
        # The effect of each ranking choice: switch it off and measure again.
        for name, module, attribute, value in ABLATIONS:
            kept = getattr(module, attribute)
            setattr(module, attribute, value)
            try:
                rows.append((name, evaluate(product_search(index_folder), queries, qrels), None))
            finally:
                setattr(module, attribute, kept)

    print(f"{len(qrels)} judged queries, {len(documents)} passages, top {K}\n")
    header = f"| {'chain':<38} | nDCG@10 | MRR@10 | Recall@10 | median ms | index sections/s |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for name, m, speed in rows:
        print(f"| {name:<38} | {m['nDCG@10']:7.3f} | {m['MRR@10']:6.3f} | {m['Recall@10']:9.3f} "
              f"| {m['median ms']:9.1f} | {f'{speed:.0f}' if speed else '':>16} |")
    print("\ntargets: nDCG@10 >= 0.72, Recall@10 >= 0.88")
    print_compound_quality()
    return 0


def print_compound_quality() -> None:
    data = ROOT / "tests" / "data"
    compounds = read_word_list(data / "compounds.tsv")
    whole = [row[0] for row in read_word_list(data / "non_compounds.txt")]
    recall, false_rate, missed, wrong = split_quality(
        compounds, whole, lambda a, b: analyse(a, mode="query") == analyse(b, mode="query"))
    print(f"\ncompound splitting: {len(compounds)} compounds, recall {recall:.1%} (target >= 90%); "
          f"{len(whole)} whole words, false splits {false_rate:.1%} (target <= 3%)")
    print("  missed:", ", ".join(w for w, _ in missed) or "-")
    print("  wrongly split:", ", ".join(f"{w} ({'|'.join(p)})" for w, p in wrong) or "-")


if __name__ == "__main__":
    sys.exit(main())
