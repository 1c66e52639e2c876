"""The index folder: generations, the pointer to the current one, the manifest and the lock.

Layout of an index folder::

    CURRENT          name of the live generation, replaced atomically
    lock             fcntl lock of the running indexer; holds its pid for humans
    g000007/         a complete Whoosh index + manifest.json + files.json (the live one)
    g000006/         the previous generation, kept so open searchers can finish

Each run builds the next generation beside the live one (hard links to the unchanged
segment files, so it is cheap), commits it, writes its manifest, flushes everything to disk and
only then swaps `CURRENT`. A run that crashes or is killed at any point leaves `CURRENT`
pointing at the previous, complete generation; its half-written folder is removed by the
next run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from whoosh import index as whoosh_index

from .errors import IndexDamaged, IndexLocked, IndexMissing, IndexUnwritable
from .schema import SCHEMA_VERSION, build_schema

POINTER = "CURRENT"
LOCK = "lock"
MANIFEST = "manifest.json"
FILES = "files.json"
GENERATION_PREFIX = "g"
WHOOSH_LOCK_SUFFIX = "_LOCK"
REBUILD_HINT = "re-index with `bestuurszoeker index --rebuild SOURCE...`"


def default_root() -> Path:
    """Where the index lives unless told otherwise: `$BESTUURSZOEKER_INDEX`, else
    `$XDG_DATA_HOME/bestuurszoeker/index` (`~/.local/share/bestuurszoeker/index`)."""
    if os.environ.get("BESTUURSZOEKER_INDEX"):
        return Path(os.environ["BESTUURSZOEKER_INDEX"])
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "bestuurszoeker" / "index"


@dataclass
class Manifest:
    """What a generation holds: per source file its hash and documents; when it was written.

    Stored as two files: `manifest.json` (small: versions, dates, checksums) and `files.json`
    (per source file; 12 MB at 100,000 agenda items). Search processes do not read the second
    (the head keeps the totals they show; only a head written before it did sends them
    there), so opening an index stays quick and small. A manifest written before the split
    holds its `files` itself."""

    schema: str = SCHEMA_VERSION
    vocabulary: str = ""
    updated: str | None = None
    files: dict[str, dict] = field(default_factory=dict)
    last_run: dict = field(default_factory=dict)
    # Per file of the generation: [size, sha256], to tell a damaged index from a bug.
    checksums: dict[str, list] = field(default_factory=dict)
    # Per set of access labels: [labels, documents, agenda items] of `files`, written with
    # it. The start page and the health check read this instead of files.json (39 MB in a
    # search process at 100,000 agenda items). None in manifests written before it was kept.
    totals: list | None = None
    # Where `files` is still to be read from (see `load(files=False)`).
    _files_from: Path | None = field(default=None, repr=False, compare=False)
    # (files, their length, totals) once counted: a run asks three times, and each count
    # goes through every document (0.05 s at 100,000 agenda items).
    _counted: tuple | None = field(default=None, repr=False, compare=False)

    @classmethod
    def load(cls, path: Path, files: bool = True) -> Manifest:
        """Read a manifest; with `files=False`, its list of files only when first asked for."""
        data = json.loads(path.read_text(encoding="utf-8"))
        manifest = cls(**{k: data[k] for k in cls.__dataclass_fields__
                          if k in data and not k.startswith("_")})
        if "files" not in data:
            manifest._files_from = path.with_name(FILES)
            if files:
                manifest.load_files()
        return manifest

    def load_files(self) -> dict[str, dict]:
        """`files`, read from its own file if that has not been done yet. A file that cannot
        be read or parsed is damage of the index (IndexDamaged), as a manifest would be."""
        if self._files_from is not None:
            try:
                self.files = orjson.loads(self._files_from.read_bytes())
            except (OSError, ValueError) as exc:
                root = self._files_from.parent.parent
                raise IndexDamaged(f"the index in {root} is damaged ({self._files_from}: "
                                   f"{type(exc).__name__}: {exc}); {REBUILD_HINT}") from exc
            self._files_from = None
        return self.files

    def head_json(self) -> str:
        """The text of manifest.json: everything but `files`, with its totals per set of
        access labels."""
        head = {k: getattr(self, k) for k in self.__dataclass_fields__
                if k != "files" and not k.startswith("_")}
        head["totals"] = [[sorted(labels), documents, sections]
                          for labels, documents, sections in self.totals_by_access()]
        return json.dumps(head, ensure_ascii=False)

    def totals_by_access(self) -> list[tuple[frozenset[str], int, int]]:
        """(access labels, documents, agenda items) per set of labels that documents carry;
        from manifest.json when it says, else counted from the list of files."""
        if self._files_from is not None and self.totals is not None:
            return [(frozenset(labels), documents, sections)
                    for labels, documents, sections in self.totals]
        files = self.load_files()
        if self._counted and self._counted[0] is files and self._counted[1] == len(files):
            return self._counted[2]
        found: dict[frozenset[str], list[int]] = {}
        for doc in self.documents():
            counts = found.setdefault(frozenset(doc.get("access", ())), [0, 0])
            counts[0] += 1
            counts[1] += doc.get("sections", 0)
        totals = [(labels, documents, sections)
                  for labels, (documents, sections) in sorted(found.items(), key=lambda i:
                                                             sorted(i[0]))]
        self._counted = (files, len(files), totals)
        return totals

    def document_count(self) -> int:
        """How many documents the generation holds."""
        return sum(documents for _, documents, _ in self.totals_by_access())

    def files_json(self) -> bytes:
        """The text of files.json (UTF-8). orjson, not json: at 100,000 agenda items json
        took 0.15 s of the ~1.5 s an incremental run takes, orjson 0.02 s."""
        return orjson.dumps(self.load_files())

    def documents(self) -> Iterator[dict]:
        for entry in self.load_files().values():
            yield from entry.get("documents", [])



class IndexStore:
    """An index folder on disk: opens the live generation and writes new ones."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    # -- reading -----------------------------------------------------------------------

    def current(self) -> Path | None:
        """The folder of the live generation, or None when nothing was indexed yet."""
        try:
            name = (self.root / POINTER).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise IndexDamaged(f"cannot read {self.root / POINTER}: {exc}") from exc
        except UnicodeDecodeError:
            name = "(not text)"
        if not name.startswith(GENERATION_PREFIX) or "/" in name:
            raise IndexDamaged(
                f"the index in {self.root} is damaged: {self.root / POINTER} names no "
                f"generation ({name[:40]!r}); {REBUILD_HINT}"
            )
        return self.root / name

    def _live(self) -> Path | None:
        """The live generation's folder; None when there is none or the pointer is damaged
        (a rebuild replaces it anyway)."""
        try:
            return self.current()
        except IndexDamaged:
            return None

    def generation(self) -> str | None:
        """Name of the live generation: changes with every committed run."""
        current = self.current()
        return current.name if current else None

    def open(self):
        """(Whoosh index, manifest) of the live generation."""
        current = self.current()
        if current is None:
            raise IndexMissing(
                f"no index in {self.root}: run `bestuurszoeker index SOURCE --index {self.root}`"
            )
        try:
            manifest = Manifest.load(current / MANIFEST, files=False)
            if manifest.schema != SCHEMA_VERSION:
                raise IndexDamaged(
                    f"the index in {self.root} was written by another version "
                    f"(schema {manifest.schema}, this program {SCHEMA_VERSION}); "
                    "re-index with `bestuurszoeker index --rebuild SOURCE...`"
                )
            # Sizes only (a stat per file): a missing or truncated file is named now, not as
            # some Whoosh error in the middle of a search.
            problem = self.verify(current, manifest, full=False)
            if problem:
                raise self.damaged(problem)
            ix = whoosh_index.open_dir(str(current))
        except IndexDamaged:
            raise
        except Exception as exc:  # Whoosh raises many kinds on damaged files
            raise self.damaged(exc) from exc
        return ix, manifest

    def damaged(self, cause: Exception | str) -> IndexDamaged:
        """The error telling the user the index is damaged and how to recover."""
        if isinstance(cause, Exception):
            cause = f"{type(cause).__name__}: {cause}"
        return IndexDamaged(f"the index in {self.root} is damaged ({cause}); {REBUILD_HINT}")

    def check(self, full: bool = True, trust_stamps: bool = False,
              manifest: Manifest | None = None) -> Manifest | None:
        """Raise IndexDamaged when the live generation's pointer, manifest or files are not as
        written (`full=False`: only compare sizes, which is quick; `trust_stamps`: hash only
        files whose modification time changed since they were written). Returns the live
        manifest (None without an index); pass it back as `manifest` to skip reading it again
        (at 100,000 agenda items it is a 12 MB file)."""
        current = self.current()
        if current is None:
            return None
        if manifest is None:
            try:
                manifest = Manifest.load(current / MANIFEST)
            except (OSError, ValueError, TypeError) as exc:
                raise self.damaged(exc) from exc
        problem = self.verify(current, manifest, full=full, trust_stamps=trust_stamps)
        if problem:
            raise self.damaged(problem)
        return manifest

    def verify(self, folder: Path, manifest: Manifest, full: bool = True,
               trust_stamps: bool = False) -> str | None:
        """What is wrong with the files of a generation (missing, truncated, changed), or None
        when they are as written (or the manifest has no checksums to compare with)."""
        for name, (size, digest, *stamp) in sorted(manifest.checksums.items()):
            path = folder / name
            try:
                status = path.stat()
                if status.st_size != size:
                    return f"{path} has {status.st_size} bytes instead of {size}"
                if trust_stamps and stamp == [status.st_mtime_ns]:
                    continue
                if full and _sha256(path) != digest:
                    return f"{path} has changed since it was written"
            except OSError as exc:
                return f"{path}: {exc.strerror or exc}"
        return None

    def manifest(self) -> Manifest:
        """The live manifest (an empty one when nothing was indexed yet or it is unreadable)."""
        current = self._live()
        if current is None:
            return Manifest()
        try:
            return Manifest.load(current / MANIFEST)
        except (OSError, ValueError, TypeError, IndexDamaged):
            return Manifest()

    # -- writing -----------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, timeout: float) -> Iterator[str | None]:
        """Hold the indexer lock; wait up to `timeout` seconds for another run to finish.

        The lock is an `fcntl` lock: the kernel releases it when its process dies, so a lock
        left by a killed run never blocks the next one, and a live holder is never overridden.
        The file holds the holder's pid and start time for people who want to know who is
        indexing; a run that ends empties it. Yields what a killed run left in it (its stale
        lock, now cleared), else None.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = open(self.root / LOCK, "a+", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise IndexUnwritable(self.root, exc) from exc
        acquired = False
        try:
            deadline = time.monotonic() + timeout
            while not acquired:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    acquired = True
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        handle.seek(0)
                        holder = handle.read().strip() or "another process"
                        raise IndexLocked(
                            f"the index {self.root} is being updated by {holder}; "
                            f"gave up after waiting {timeout:g} s (try again later or "
                            "raise --wait)"
                        ) from None
                    time.sleep(0.2)
            handle.seek(0)
            stale = handle.read().strip() or None
            try:
                handle.seek(0)
                handle.truncate()
                started = dt.datetime.now().isoformat(timespec="seconds")
                handle.write(f"pid {os.getpid()} on {socket.gethostname()} since {started}\n")
                handle.flush()
            except OSError as exc:
                raise IndexUnwritable(self.root, exc) from exc
            yield stale
        finally:
            if acquired:  # the file of a live holder names it: leave it alone
                with contextlib.suppress(OSError):
                    handle.truncate(0)
            with contextlib.suppress(OSError):  # a write that failed may fail again here
                handle.close()  # closing releases the flock

    def new_generation(self, rebuild: bool, live: Manifest | None = None):
        """A writable copy of the live generation (or an empty index for a rebuild).

        Must be called while holding `lock()`; `live` is the live manifest if the caller has
        read it already. Returns (folder, Whoosh index).
        """
        self.remove_unfinished()
        if not rebuild:
            # Its files are shared with the new generation: damage would carry over. Hashing
            # all of them costs a second at 100,000 agenda items, so only files whose
            # modification time changed are hashed (hard links share it across generations).
            self.check(trust_stamps=True, manifest=live)
        current = None if rebuild else self._live()
        number = 1 + max((self._number(p) for p in self._generations()), default=0)
        target = self.root / f"{GENERATION_PREFIX}{number:06d}"
        try:
            target.mkdir()
            if current is not None and (current / MANIFEST).exists():
                for item in current.iterdir():
                    if item.name == MANIFEST or item.name.endswith(WHOOSH_LOCK_SUFFIX):
                        continue
                    _link_or_copy(item, target / item.name)
                return target, whoosh_index.open_dir(str(target))
            return target, whoosh_index.create_in(str(target), build_schema())
        except OSError as exc:
            self.discard(target)
            raise IndexUnwritable(self.root, exc) from exc

    def publish(self, folder: Path, manifest: Manifest, live: Manifest | None = None) -> None:
        """Write the manifest, flush the generation to disk and make it the live one (`live`:
        the live manifest, if the caller has read it already)."""
        manifest.schema = SCHEMA_VERSION
        manifest.updated = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        _write_atomic(folder / FILES, manifest.files_json())  # the checksums cover it
        manifest.checksums = self._checksums(folder, live)
        _write_atomic(folder / MANIFEST, manifest.head_json())
        for item in folder.iterdir():
            _fsync(item)
        _fsync(folder)
        previous = self._live()
        _write_atomic(self.root / POINTER, folder.name + "\n")
        _fsync(self.root)
        # Keep the previous generation: searchers opened on it a moment ago may still read.
        keep = {folder.name, previous.name if previous else ""}
        for old in self._generations():
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    def discard(self, folder: Path) -> None:
        """Remove a generation that was not published (the run failed); never the live one."""
        if self._live() == folder:
            return
        shutil.rmtree(folder, ignore_errors=True)

    def _checksums(self, folder: Path, manifest: Manifest | None = None) -> dict[str, list]:
        """[size, sha256, modification time in ns] of every file of a generation. Files shared
        by hard link with the live generation (checked before they were linked) keep theirs."""
        live = self._live()
        known = (manifest or self.manifest()).checksums if live else {}
        checksums = {}
        for item in sorted(folder.iterdir()):
            if item.name == MANIFEST or item.name.endswith("LOCK") or not item.is_file():
                continue
            previous = known.get(item.name)
            shared = previous and _same_file(live / item.name, item)
            if not shared:
                status = item.stat()
                previous = [status.st_size, _sha256(item), status.st_mtime_ns]
            checksums[item.name] = previous
        return checksums

    def _generations(self) -> list[Path]:
        if not self.root.exists():
            return []
        return sorted(
            p
            for p in self.root.iterdir()
            if p.is_dir() and p.name.startswith(GENERATION_PREFIX) and p.name[1:].isdigit()
        )

    def remove_unfinished(self) -> None:
        """Remove what failed or killed runs left: folders newer than the live generation
        (nobody reads them) and a half-written pointer. Call while holding `lock()`."""
        with contextlib.suppress(OSError):
            (self.root / (POINTER + ".tmp")).unlink(missing_ok=True)
        try:
            current = self.current()
        except IndexDamaged:
            return  # which folder was live is unknown; publishing the rebuild cleans up
        live = self._number(current) if current else 0
        for folder in self._generations():
            if self._number(folder) > live:
                shutil.rmtree(folder, ignore_errors=True)

    @staticmethod
    def _number(folder: Path) -> int:
        return int(folder.name[len(GENERATION_PREFIX) :])


def _link_or_copy(source: Path, target: Path) -> None:
    # Whoosh never rewrites a segment file in place, so sharing them by hard link is safe.
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_atomic(path: Path, text: str | bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(text if isinstance(text, bytes) else text.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
