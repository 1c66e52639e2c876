"""One indexing run: mirror the given sources into a new index generation.

read → clean → split → extract → analyse → write. New files are added, changed files
re-indexed, unchanged files skipped (content hash), files gone from a given source removed.
Everything lands in one commit; a failure leaves the previous generation live.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import re
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from . import readers
from .access import AccessRules, document_labels, load_access_rules, rule_paths
from .actors import extract_actors
from .analysis import term_positions
from .clean import clean
from .collection import collect_less, collecting_less
from .columns import write_missing as write_columns
from .dates import meeting_date
from .documents import AgendaItem, Document, RawText, TopicMatch
from .errors import BestuurszoekerError, IndexUnwritable, UnreadableDocument
from .flat import write_missing as write_flat_postings
from .ordered import in_order
from .positions import CompactPositions, analysed
from .schema import UNKNOWN, build_schema
from .sections import split
from .store import IndexStore, Manifest
from .topics import assign_topics
from .vocabulary import load_gazetteer, load_topic_rules
from .writer import FastSegmentWriter

DEFAULT_LOCK_WAIT = 60.0

Progress = Callable[[int, int, str], None]


class SourceMissing(BestuurszoekerError):
    """A source given to `index` does not exist (a usage error)."""


@dataclass
class Failure:
    path: str
    error: str


@dataclass
class IndexReport:
    """What a run did, for people (stderr) and scripts (`--json`)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    documents: int = 0
    sections: int = 0
    seconds: float = 0.0
    generation: str | None = None
    rebuilt: bool = False
    # What the lock file said when this run found it left behind by a killed run.
    interrupted_run: str | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def as_json(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [{"path": f.path, "error": f.error} for f in self.failed],
            "totals": {
                "added": len(self.added),
                "updated": len(self.updated),
                "unchanged": len(self.unchanged),
                "removed": len(self.removed),
                "failed": len(self.failed),
                "documents": self.documents,
                "sections": self.sections,
            },
            "generation": self.generation,
            "rebuilt": self.rebuilt,
            "interrupted_run": self.interrupted_run,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Vocabularies:
    """The staff-edited vocabularies a run extracts actors and topics with, and the access
    rules that label documents."""

    gazetteer: object
    topic_rules: list
    fingerprint: str
    access: AccessRules = field(default_factory=AccessRules)

    @classmethod
    def load(cls, actors_path: Path | None = None, topics_path: Path | None = None,
             access_path: Path | None = None):
        gazetteer = load_gazetteer(actors_path)
        rules = load_topic_rules(topics_path)
        access = load_access_rules(access_path)
        # A change of any of them re-extracts every file, so labels follow changed rules.
        digest = hashlib.sha256(
            repr((gazetteer, rules, access.fingerprint())).encode("utf-8")
        ).hexdigest()[:16]
        return cls(gazetteer, rules, digest, access)


def run(
    sources: list[Path | str],
    store: IndexStore,
    vocabularies: Vocabularies | None = None,
    rebuild: bool = False,
    lock_wait: float = DEFAULT_LOCK_WAIT,
    progress: Progress | None = None,
) -> IndexReport:
    """Mirror `sources` (folders or files) into the index; one commit for the whole run."""
    started = time.monotonic()
    given = [str(s) for s in sources]
    roots = [Path(s) for s in sources]
    for path, shown in zip(roots, given, strict=True):
        if not path.exists():
            raise SourceMissing(f"source not found: {shown}")
    vocabularies = vocabularies or Vocabularies.load()
    report = IndexReport()

    with store.lock(lock_wait) as stale_lock:
        report.interrupted_run = stale_lock
        store.remove_unfinished()
        checked = None
        if not rebuild:
            # A damaged pointer, manifest or truncated file: say so before reading every
            # file (new_generation compares the contents too).
            checked = store.check(full=False)
        # Read once per run: at 100,000 agenda items the manifest is a 12 MB file.
        old = checked or store.manifest()
        # Another analysis chain cannot share an index; other vocabularies only need every
        # file extracted again.
        rebuild = rebuild or old.schema != Manifest().schema
        reprocess = rebuild or old.vocabulary != vocabularies.fingerprint
        report.rebuilt = rebuild
        kept = {} if rebuild else dict(old.files)
        owners = {
            doc["key"].split("#")[0]: path
            for path, entry in kept.items()
            for doc in entry.get("documents", [])
        }
        found = _discover(roots, given, owners)
        todo: list[_Job] = []
        for done, (abs_path, file_path, shown, root_abs, key, stamp_of) in enumerate(
                found, start=1):
            previous = kept.get(abs_path)
            try:
                stamp = stamp_of()
                # Same size and modification time as last run: the content is the same too
                # (as git and rsync assume); only a changed stamp costs reading the file.
                if previous and previous.get("stamp") == stamp:
                    digest = previous["hash"]
                else:
                    digest = _file_hash(file_path)
            except OSError as exc:
                report.failed.append(Failure(shown, f"cannot read file: {exc.strerror or exc}"))
                continue
            if previous and previous["hash"] == digest and not reprocess:
                if progress:
                    progress(done, len(found), shown)
                if previous.get("stamp") != stamp:
                    # Touched but not changed: remember the new stamp with the next commit.
                    previous = kept[abs_path] = {**previous, "stamp": stamp}
                report.unchanged.append(shown)
                report.failed.extend(Failure(shown, p) for p in previous.get("problems", []))
                continue
            todo.append(_Job(abs_path, Path(file_path), shown, root_abs, key, digest, stamp,
                             previous is not None, done))

        given_roots = {str(r.resolve()) for r in roots}
        seen = {item[0] for item in found}
        gone = [p for p, e in kept.items() if e["root"] in given_roots and p not in seen]
        report.removed = [kept[p]["source"] for p in gone]

        final = old
        if todo or gone or rebuild:
            folder, ix = store.new_generation(rebuild=rebuild, live=checked)
            try:
                pending = _write(ix, kept, todo, gone, vocabularies, report,
                                 lambda job: progress(job.number, len(found), job.shown)
                                 if progress else None,
                                 commit_empty=bool(gone or rebuild))
                if pending is None:  # every new or changed file failed: nothing to commit
                    store.discard(folder)
                else:
                    files = {p: e for p, e in kept.items() if p not in gone}
                    files.update(pending)
                    manifest = Manifest(vocabulary=vocabularies.fingerprint, files=files)
                    manifest.last_run = {
                        k: v
                        for k, v in report.as_json()["totals"].items()
                        if k not in ("documents", "sections")
                    }
                    store.publish(folder, manifest, live=checked)
                    final = manifest
            except OSError as exc:
                store.discard(folder)
                raise IndexUnwritable(store.root, exc) from exc
            except BaseException:
                store.discard(folder)
                raise
        report.generation = store.generation()
        report.documents = final.document_count()
        report.sections = sum(sections for _, _, sections in final.totals_by_access())
    report.seconds = time.monotonic() - started
    return report


@dataclass(frozen=True)
class _Job:
    """A new or changed file to read, extract and analyse."""

    abs_path: str
    file_path: Path
    shown: str
    root_abs: str
    key: str
    digest: str
    stamp: list
    known: bool  # in the previous generation (updated, not added)
    number: int  # its place among the files found (for progress)


# From this many files to read, a run reads, extracts and analyses them in worker processes
# while this process only writes the index (Whoosh's writer is pure Python and takes about
# half of the time); below it, starting the workers would cost more than it saves.
POOL_MIN_FILES = 40
POOL_BATCH = 8  # files per task handed to a worker
POOL_AHEAD = 16  # tasks in flight: bounds the memory of read-but-unwritten files
# Workers yield the CPU to the writer process: with three processes on two cores, equal
# shares left the writer (one process, with a third of the work) behind and the workers
# waiting for it; this way the writer runs whenever it has work, the workers the rest.
WORKER_NICENESS = 10


def _workers() -> int:
    """Worker processes for reading: one per core (at most 4). The writer process waits for
    them part of the time; on two cores, two workers beside it finished 10,000 agenda items
    in 13 s, one in 17 s."""
    return max(1, min(4, os.cpu_count() or 2))


def _processed(todo: list[_Job], vocabularies: Vocabularies):
    """(job, (manifest entry, documents' fields) or the reason it failed) per job, in order."""
    if len(todo) < POOL_MIN_FILES:
        for job in todo:
            yield job, _outcome(job, vocabularies)
        return
    batches = [todo[i : i + POOL_BATCH] for i in range(0, len(todo), POOL_BATCH)]
    done = 0  # batches delivered
    while done < len(batches):
        pool = _pool(_workers(), vocabularies)
        try:
            for outcomes in in_order(pool, _outcomes, batches[done:], POOL_AHEAD):
                done += 1
                yield from outcomes
        except BrokenProcessPool:
            # A worker died (killed for its memory, or a crash in a library reading some
            # file), and with it the pool. The first batch not delivered may hold the file
            # that did it: each of its files is read again in a process of its own, so that
            # file fails with a reason and the others are indexed; then a new pool goes on.
            for job in batches[done]:
                yield job, _alone(job, vocabularies)
            done += 1
        finally:
            # Also when the writer fails or the run is interrupted: drop what is queued.
            pool.shutdown(wait=True, cancel_futures=True)


def _pool(workers: int, vocabularies: Vocabularies) -> ProcessPoolExecutor:
    # fork: the workers inherit the loaded vocabularies and analysis caches instead of
    # loading them again.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_set_vocabularies, initargs=(vocabularies,))


def _alone(job: _Job, vocabularies: Vocabularies):
    """`_outcome` of one file in a process of its own; a reason if that process dies."""
    pool = _pool(1, vocabularies)
    try:
        return pool.submit(_outcomes, [job]).result()[0][1]
    except BrokenProcessPool:
        return ("the process reading this file stopped unexpectedly (out of memory, or a "
                "crash in a reader library); the file was skipped")
    finally:
        pool.shutdown(wait=True)


_VOCABULARIES: Vocabularies | None = None


def _set_vocabularies(vocabularies: Vocabularies) -> None:
    global _VOCABULARIES
    _VOCABULARIES = vocabularies
    collect_less()
    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # not allowed here: equal shares only cost some speed
        pass


def _outcomes(batch: list[_Job]) -> list:
    return [(job, _outcome(job, _VOCABULARIES)) for job in batch]


def _outcome(job: _Job, vocabularies: Vocabularies):
    try:
        entry, documents = _process(job.file_path, job.shown, job.root_abs, job.key,
                                    job.digest, vocabularies)
    except UnreadableDocument as exc:
        return exc.reason
    analysed_texts: dict[tuple[str, str], object] = {}
    writes = [_fields(document, item, analysed_texts) for document in documents
              for item in document.items]
    return entry, writes


def _process(file_path: Path, shown: str, root_abs: str, key: str, digest: str, vocabularies):
    """Read one file into documents plus its manifest entry; UnreadableDocument if nothing."""
    result = readers.read(file_path)
    if not result.texts:
        raise UnreadableDocument(shown, "; ".join(result.problems) or "no text found")
    documents = [build_document(raw, key, shown, file_path, vocabularies) for raw in result.texts]
    access = vocabularies.access
    # Finding the paths costs system calls per file: not without rules to match them with.
    ruled = access.labels_for(rule_paths(file_path, Path(root_abs))) if access.rules else ()
    problems = list(result.problems)
    for raw, document in zip(result.texts, documents, strict=True):
        document.access, label_problems = document_labels(raw.meta.get("access"), ruled)
        problems.extend(label_problems)
    entry = {
        "hash": digest,
        "root": root_abs,
        "source": shown,
        "problems": list(dict.fromkeys(problems)),
        "documents": [_summary(d) for d in documents],
    }
    return entry, documents


def _discover(
    roots: list[Path], given: list[str], owners: dict[str, str]
) -> list[tuple[str, str, str, str, str, Callable[[], list[int]]]]:
    """(absolute path, path, path as given, absolute root, stable key, its stamp) per
    supported file; the stamp (size and modification time of the file and its sidecar) is a
    function that raises OSError when the file cannot be stat'ed.

    The key is the source folder's name plus the path inside it, so ids survive moving the
    whole folder. When another file already owns that key (two sources with the same folder
    name), the key falls back to the absolute path.
    """
    found = []
    owners = dict(owners)
    seen = set()
    resolved = {root: root.resolve() for root in roots}
    shown_root = {str(resolved[r]): g for r, g in zip(roots, given, strict=True)}
    # What files are shown under: the folder as given, written the way Path writes it.
    shown_base = {a: "" if str(Path(g)) == "." else str(Path(g)) for a, g in shown_root.items()}
    root = None
    for item in readers.walk_relative(roots):
        file_path, inside = item.path, item.inside
        if item.source is not root:  # the same Path object for all files of a source
            root = item.source
            root_resolved = resolved[root]
            root_abs = str(root_resolved)
            # Strings, not Paths, and joined by hand: this runs for every file of the
            # archive at every run.
            real_prefix = os.path.join(root_abs, "")
            shown_prefix = os.path.join(shown_base[root_abs], "") if shown_base[root_abs] else ""
            key_prefix = f"{root_resolved.name}/"
        if inside is not None:
            # The walk does not follow symlinked folders: only a symlinked file needs its
            # own resolve() (which costs a system call per path component).
            if item.symlink:
                real = Path(file_path).resolve()
                try:
                    relative = real.relative_to(root_resolved).as_posix()
                except ValueError:  # it points out of the folder (or nowhere): known by
                    relative = inside  # its own place in the folder
            else:
                real = real_prefix + inside
                relative = inside
            shown = shown_prefix + relative
            key = key_prefix + relative
        else:
            real = Path(file_path).resolve()
            shown = shown_root[root_abs]
            key = os.path.basename(file_path)
        abs_path = str(real)
        if abs_path in seen:
            continue
        seen.add(abs_path)
        if owners.setdefault(key, abs_path) != abs_path:
            key = abs_path
        found.append((abs_path, file_path, shown, root_abs, key, item.stamp))
    return found


def _file_hash(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    sidecar = Path(os.fspath(path) + readers.SIDECAR_SUFFIX)
    if sidecar.is_file():  # as the reader: a folder of that name is no sidecar
        digest.update(sidecar.read_bytes())
    return digest.hexdigest()


def document_id(key: str) -> str:
    """A short id that stays the same as long as the file keeps its place in its source."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def slug(text: str, limit: int = 48) -> str:
    """An ASCII, URL- and anchor-safe form of a heading."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")


def build_document(
    raw: RawText, key: str, shown: str, path: Path, vocabularies: Vocabularies
) -> Document:
    """Clean, split and extract one text into a Document ready to be written."""
    if raw.record_id is not None:
        key, shown = f"{key}#{raw.record_id}", f"{shown}#{raw.record_id}"
    meta_title = _text(raw.meta.get("title"))
    outline = split(clean(raw.text, markdown=raw.markdown), known_title=meta_title)
    if not outline.sections:
        raise UnreadableDocument(shown, "no text after cleaning")
    title = meta_title or outline.title or _title_from_name(path, raw.record_id)
    header = [line for line in (meta_title, outline.title) if line]
    date, date_source = meeting_date(raw.meta.get("date"), header, path.name)
    doc_id = document_id(key)
    meta_actors = [
        _canonical_actor(actor, vocabularies.gazetteer) for actor in _list(raw.meta.get("actors"))
    ]
    topic_names = {rule.name.lower(): rule.name for rule in vocabularies.topic_rules}
    meta_topics = [
        topic_names.get(topic.lower(), _capitalised(topic))
        for topic in _list(raw.meta.get("topics"))
    ]
    items = []
    used: dict[str, int] = {}
    for position, section in enumerate(outline.sections):
        base = slug(section.heading) or "tekst"
        used[base] = used.get(base, 0) + 1
        anchor = base if used[base] == 1 else f"{base}-{used[base]}"
        full = f"{section.heading}\n\n{section.text}"
        actors = _unique(meta_actors + extract_actors(full, vocabularies.gazetteer))
        topics = assign_topics(section.heading, section.text, vocabularies.topic_rules)
        assigned = {t.topic for t in topics}
        topics += [TopicMatch(t, ("metadata",)) for t in meta_topics if t not in assigned]
        items.append(
            AgendaItem(
                f"{doc_id}-{anchor}", position, section.heading, section.text, actors, topics
            )
        )
    return Document(
        doc_id=doc_id,
        key=key,
        source=shown,
        title=title,
        date=date,
        date_source=date_source,
        items=items,
        url=_text(raw.meta.get("url")),
        format=path.suffix.lower().lstrip("."),
    )


def _write(ix, kept: dict[str, dict], todo: list[_Job], gone: list[str],
           vocabularies: Vocabularies, report: IndexReport, progress, commit_empty: bool
           ) -> list[tuple[str, dict]] | None:
    """Write the new and changed files into `ix` as they are read (in worker processes when
    there are many) and commit. Returns the manifest entries of the files written, or None
    when there was nothing to commit (the writer is cancelled)."""
    # Separate segment files, not one compound file: Whoosh reads each part of a compound
    # file into memory (BytesIO over its mmap), which cost 1.2 GB and 0.4 s per open at
    # 100,000 agenda items; plain files are read on demand.
    writer = FastSegmentWriter(ix, compound=False)
    written: list[tuple[str, dict]] = []
    with collecting_less():
        try:
            for path in gone:
                for doc in kept.get(path, {}).get("documents", []):
                    writer.delete_by_term("doc_id", doc["doc_id"])
            for job, outcome in _processed(todo, vocabularies):
                progress(job)
                if isinstance(outcome, str):  # unreadable: its previous version stays
                    report.failed.append(Failure(job.shown, outcome))
                    continue
                entry, writes = outcome
                entry["stamp"] = job.stamp
                report.failed.extend(Failure(job.shown, p) for p in entry["problems"])
                # The writer's deletions see the committed segments only, not what it added.
                for doc in kept.get(job.abs_path, {}).get("documents", []):
                    writer.delete_by_term("doc_id", doc["doc_id"])
                for fields in writes:
                    writer.add_document(**fields)
                written.append((job.abs_path, entry))
                (report.updated if job.known else report.added).append(job.shown)
            if not written and not commit_empty:
                writer.cancel()
                return None
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
    write_columns(ix)
    write_flat_postings(ix)
    return written


@functools.cache
def _analysed_fields() -> dict:
    """The schema's full-text fields, which the indexer analyses before the writer."""
    schema = build_schema()
    return {name: schema[name] for name in schema.names()
            if isinstance(schema[name].format, CompactPositions)}


def _fields(document: Document, item: AgendaItem, analysed_texts: dict | None = None) -> dict:
    """The Whoosh fields of one agenda item, full-text fields already analysed.
    `analysed_texts` remembers (field, text) -> analysis across the items of one document,
    whose items all share its title."""
    date = document.date
    values = {
        "section_id": item.section_id,
        "doc_id": document.doc_id,
        "position": item.position,
        "title": document.title,
        "heading": item.heading,
        "text": item.text,
        "date": date.isoformat() if date else "",
        "year": str(date.year) if date else UNKNOWN,
        "month": f"{date.year}-{date.month:02d}" if date else UNKNOWN,
        "actor": ",".join(a.replace(",", " ") for a in item.actors),
        "actor_text": " ".join(item.actors),
        "topic": ",".join(t.topic.replace(",", " ") for t in item.topics),
        "topic_text": " ".join(t.topic for t in item.topics),
        "topic_evidence": {t.topic: list(t.evidence) for t in item.topics},
        "source": document.source,
        "url": document.url or "",
        "access": ",".join(document.access),
    }
    if date:
        values["date_num"] = date.year * 10000 + date.month * 100 + date.day
    for name, field_type in _analysed_fields().items():
        text = values[name]
        values[f"_stored_{name}"] = text  # what Whoosh stores, not the analysed form
        known = analysed_texts.get((name, text)) if analysed_texts is not None else None
        if known is None:
            known = analysed(field_type, text, term_positions)
            if analysed_texts is not None:
                analysed_texts[name, text] = known
        values[name] = known
    return values


def _summary(document: Document) -> dict:
    return {
        "doc_id": document.doc_id,
        "key": document.key,
        "source": document.source,
        "title": document.title,
        "date": document.date.isoformat() if document.date else None,
        "date_source": document.date_source,
        "sections": len(document.items),
        "format": document.format,
        "access": list(document.access),
    }


def _canonical_actor(value: str, gazetteer) -> str:
    """A metadata actor in the gazetteer's spelling (`de minister` → `Minister`), so facet
    values from metadata and from the text are one and the same."""
    found = extract_actors(value, gazetteer)
    return found[0] if found else _capitalised(value)


def _capitalised(value: str) -> str:
    return value[:1].upper() + value[1:]


def _title_from_name(path: Path, record_id: str | None) -> str:
    name = path.stem if record_id is None else f"{path.stem} {record_id}"
    return re.sub(r"[_]+", " ", name).strip()


def _text(value) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _list(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [t for t in (_text(i) for i in items) if t]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
