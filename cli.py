"""The `bestuurszoeker` command: index, search, info, analyze, serve, hash-password. Thin: the
logic lives in the `index` and `search` packages; this module turns arguments into calls and
errors into messages and exit codes.

Exit codes: 0 success; 1 some files failed (the rest is indexed); 2 usage error;
3 the index is locked by another run; 4 the index is missing or damaged; 5 the index cannot
be written (disk full, read-only); the previous index is unchanged.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED_FILES, EXIT_USAGE, EXIT_LOCKED, EXIT_INDEX = 0, 1, 2, 3, 4
EXIT_UNWRITABLE = 5


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit with 2 and a one-line hint
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bestuurszoeker", description="Search Dutch meeting documents.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def with_index(sub):
        sub.add_argument(
            "--index", type=Path, default=None,
            help="index folder (default: $BESTUURSZOEKER_INDEX or "
            "~/.local/share/bestuurszoeker/index)",
        )
        return sub

    idx = with_index(commands.add_parser("index", help="index (mirror) folders of documents"))
    idx.add_argument("sources", nargs="+", type=Path, help="folders or files to index")
    idx.add_argument("--rebuild", action="store_true", help="start from an empty index")
    idx.add_argument("--json", action="store_true", help="print the run's summary as JSON")
    idx.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                     help="how long to wait for another indexing run (default 60)")
    idx.add_argument("--actors", type=Path, default=os.environ.get("BESTUURSZOEKER_ACTORS"),
                     help="actor gazetteer TOML (default: the shipped one)")
    idx.add_argument("--topics", type=Path, default=os.environ.get("BESTUURSZOEKER_TOPICS"),
                     help="topic rules TOML (default: the shipped one)")
    idx.add_argument("--access", type=Path, default=os.environ.get("BESTUURSZOEKER_ACCESS"),
                     help="access rules TOML: labels per folder or glob (default: none, "
                     "documents are public unless they declare labels themselves)")

    srch = with_index(commands.add_parser("search", help="search the index"))
    srch.add_argument("query", nargs="?", default="", help="words, \"phrases\", OF, NIET, -word")
    srch.add_argument("--topic", action="append", default=[], help="only this topic (repeatable)")
    srch.add_argument("--actor", action="append", default=[], help="only this actor (repeatable)")
    srch.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="meetings from")
    srch.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="meetings until")
    srch.add_argument("--sort", default="relevance", help="relevance (default), newest, oldest")
    srch.add_argument("--page", type=int, default=1)
    srch.add_argument("--per-page", type=int, default=10)
    srch.add_argument("--json", action="store_true", help="print the results as JSON")
    srch.add_argument("--groups", metavar="GROUP,GROUP",
                      help="search as a viewer in these groups: only public documents and "
                      "those labelled for them (\"\" for an anonymous visitor; default: "
                      "everything, as an administrator)")
    srch.add_argument("--user", metavar="NAME",
                      help="search as this user (with --groups: in those groups)")
    srch.add_argument("--synonyms", type=Path, default=os.environ.get("BESTUURSZOEKER_SYNONYMS"),
                      help="synonyms and acronyms TOML (default: the shipped one)")

    info = with_index(commands.add_parser("info", help="what the index holds"))
    info.add_argument("--json", action="store_true")

    ana = commands.add_parser("analyze", help="print the index terms a text produces")
    ana.add_argument("text")
    ana.add_argument("--query", action="store_true", help="analyse as a query instead")

    commands.add_parser(
        "hash-password",
        help="print a password hash for the users file of the web's basic login "
        "(asks twice on a terminal, else reads one line from stdin)",
    )

    srv = with_index(commands.add_parser("serve", help="serve the web front end (waitress)"))
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    srv.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    srv.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
    srv.add_argument("--workers", type=int, default=1,
                     help="processes, to use more than one core (default 1; each holds the "
                     "index open, so memory grows with it)")
    srv.add_argument("--base-url", default=None, metavar="URL",
                     help="public address for links in mails, feeds and CSV "
                     "(default: $BESTUURSZOEKER_BASE_URL, else the request's address)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # `serve` leaves an unnamed index to the web config (file, environment, default).
    if getattr(args, "index", "absent") is None and args.command != "serve":
        from index.store import default_root

        args.index = default_root()
    from index.errors import (
        IndexDamaged,
        IndexLocked,
        IndexMissing,
        IndexUnwritable,
        VocabularyError,
    )

    try:
        return {"index": cmd_index, "search": cmd_search, "info": cmd_info,
                "analyze": cmd_analyze, "serve": cmd_serve,
                "hash-password": cmd_hash_password}[args.command](args)
    except IndexLocked as exc:
        return _fail(str(exc), EXIT_LOCKED)
    except (IndexMissing, IndexDamaged) as exc:
        return _fail(str(exc), EXIT_INDEX)
    except IndexUnwritable as exc:
        return _fail(str(exc), EXIT_UNWRITABLE)
    except VocabularyError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except BrokenPipeError:
        # The reader went away (`… | head`): not an error of ours, and nothing left to say.
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:
        return _fail(f"{exc.filename or ''}: {exc.strerror or exc}", EXIT_INDEX)


def _fail(message: str, code: int) -> int:
    print(f"bestuurszoeker: {message}", file=sys.stderr)
    return code


def cmd_index(args) -> int:
    from index.pipeline import SourceMissing, Vocabularies, run
    from index.store import IndexStore

    try:
        vocabularies = Vocabularies.load(args.actors, args.topics, args.access)
        report = run(args.sources, IndexStore(args.index), vocabularies, rebuild=args.rebuild,
                     lock_wait=args.wait, progress=_progress_bar() if _tty() else None)
    except SourceMissing as exc:
        return _fail(str(exc), EXIT_USAGE)
    if _tty():
        print(file=sys.stderr)
    if report.interrupted_run:
        print(f"note: an interrupted run left the lock ({report.interrupted_run}); it was "
              "cleared and anything it left half-written removed", file=sys.stderr)
    for failure in report.failed:
        print(f"failed: {failure.path}: {failure.error}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print(
            f"{len(report.added)} added, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.removed)} removed, "
            f"{len(report.failed)} failed; index holds {report.documents} documents, "
            f"{report.sections} agenda items ({report.seconds:.1f} s)"
        )
    return report.exit_code


def cmd_search(args) -> int:
    from search import EVERYTHING, BadRequest, SearchIndex, SearchRequest, run
    from search.access import viewer_labels
    from search.request import parse_iso_date
    from search.synonyms import load as load_synonyms

    access = EVERYTHING
    if args.groups is not None or args.user is not None:
        access = viewer_labels(args.user, (args.groups or "").split(","))
    try:
        request = SearchRequest(
            query=args.query, topics=tuple(args.topic), actors=tuple(args.actor),
            date_from=parse_iso_date("--from", args.date_from),
            date_to=parse_iso_date("--to", args.date_to),
            sort=args.sort, page=args.page, per_page=args.per_page, access=access,
        )
    except BadRequest as exc:
        name = exc.parameter if exc.parameter.startswith("--") else f"--{exc.parameter}"
        return _fail(f"{name} {exc.value}: {exc.reason}", EXIT_USAGE)
    results = run(request, SearchIndex(args.index, synonyms=load_synonyms(args.synonyms)))
    if args.json:
        print(json.dumps(results.as_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    _print_results(results)
    return EXIT_OK


def _print_results(results) -> None:
    bold, plain = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("**", "**")
    if results.notice:
        print(f"({results.notice})")
    if results.expansions:
        print(f"(also searched: {', '.join(results.expansions)})")
    print(f"{results.total} agenda items found" + (f" for {results.query!r}" if results.query
                                                   else ""))
    first = (results.page - 1) * results.per_page
    for number, hit in enumerate(results.hits, start=first + 1):
        print()
        print(f"{number}. {hit.title} ({hit.date or 'date unknown'})")
        print(f"   {hit.section or '(no heading)'}")
        text = re.sub(r"</?mark>", lambda m: plain if m.group(0)[1] == "/" else bold, hit.snippet)
        print(f"   {html.unescape(text)}")
        if hit.missing:
            print(f"   (missing: {', '.join(hit.missing)})")
        print(f"   {hit.source}  [{hit.section_id}]")
    for name, values in results.facets.items():
        if values and name != "month":
            shown = ", ".join(f"{v.value or 'unknown'} ({v.count})" for v in values[:8])
            print(f"\n{name}: {shown}")


def cmd_info(args) -> int:
    from search import SearchIndex
    from search.synonyms import Synonyms

    # Opening for search reads every segment, and check() compares every file with its
    # checksum: a damaged index is reported as such, not as a traceback.
    index = SearchIndex(args.index, synonyms=Synonyms())
    generation = index.generation()
    index.store.check()
    ix, manifest = generation.ix, generation.manifest
    current = index.store.root / generation.name
    documents = list(manifest.documents())
    dates = sorted(d["date"] for d in documents if d["date"])
    info = {
        "index": str(args.index),
        "generation": current.name,
        "updated": manifest.updated,
        "documents": len(documents),
        "sections": ix.doc_count(),
        "undated_documents": sum(1 for d in documents if not d["date"]),
        "first_meeting": dates[0] if dates else None,
        "last_meeting": dates[-1] if dates else None,
        "sources": sorted({e["root"] for e in manifest.files.values()}),
        "files_with_problems": sum(1 for e in manifest.files.values() if e.get("problems")),
        "size_bytes": sum(p.stat().st_size for p in current.iterdir()),
        "schema": manifest.schema,
        "last_run": manifest.last_run,
    }
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
    else:
        for key, value in info.items():
            print(f"{key.replace('_', ' ')}: {value}")
    return EXIT_OK


def cmd_analyze(args) -> int:
    from index.analysis import analyse

    print(" ".join(analyse(args.text, mode="query" if args.query else "index")))
    return EXIT_OK


def cmd_serve(args) -> int:
    from web.config import ConfigError
    from web.server import serve

    try:
        serve(args.index, host=args.host, port=args.port, threads=args.threads,
              base_url=args.base_url, workers=args.workers)
    except ConfigError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except OSError as exc:  # the address is taken, or not this machine's
        if exc.filename:
            raise
        return _fail(f"cannot listen on {args.host}:{args.port} (--host/--port): "
                     f"{exc.strerror or exc}", EXIT_USAGE)
    return EXIT_OK


def cmd_hash_password(args) -> int:
    from web.passwords import hash_password

    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            return _fail("the passwords differ", EXIT_USAGE)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        return _fail("empty password", EXIT_USAGE)
    print(hash_password(password))
    return EXIT_OK


def _tty() -> bool:
    return sys.stderr.isatty()


def _progress_bar():
    def show(done: int, total: int, path: str) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        name = path if len(path) <= 40 else "…" + path[-39:]
        sys.stderr.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total} {name:<40}")
        sys.stderr.flush()

    return show


if __name__ == "__main__":
    sys.exit(main())
