"""Access labels: who may see a document.

A document's labels name the groups and users that may see it: `groep:regioburgemeesters`,
`gebruiker:jansen` (a bare name is a group). A document without labels is public. Labels come
from the document itself (front matter, sidecar `*.meta.toml`, a JSONL record's `access`
field) or, when it declares none, from the last matching rule of a staff-edited TOML file:

    [access]
    "vertrouwelijk" = ["groep:regioburgemeesters"]          # that folder and all below it
    "lbov/besloten-*.md" = ["groep:lbov", "gebruiker:jansen"]
    "vertrouwelijk/persberichten/**" = []                    # public again (last match wins)

A viewer holds the labels of their groups and their user name; they see a document when it is
public or shares a label with them.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import VocabularyError

GROUP, USER = "groep", "gebruiker"
_KINDS = {"groep": GROUP, "group": GROUP, "gebruiker": USER, "user": USER}


class BadLabel(ValueError):
    """A label with an unknown kind (`rol:…`) or without a name."""


def normalise_label(text: str) -> str:
    """`Groep: Regioburgemeesters` → `groep:regioburgemeesters`; a bare name is a group.

    Names compare case-insensitively: proxies and directories disagree about capitals."""
    text = " ".join(str(text).split())
    kind, colon, name = text.partition(":")
    if not colon:
        kind, name = GROUP, text
    elif kind.strip().casefold() not in _KINDS:
        raise BadLabel(f"unknown access label {text!r} (write groep:NAME or gebruiker:NAME)")
    name = name.strip().casefold()
    if not name or "," in name:
        raise BadLabel(f"access label {text!r} needs a name without commas")
    return f"{_KINDS[kind.strip().casefold()]}:{name}"


def viewer_labels(user: str | None, groups: Iterable[str]) -> frozenset[str]:
    """The labels a viewer holds: one per group, plus their user name."""
    labels = {normalise_label(f"{GROUP}:{g}") for g in groups if _valid_name(g)}
    if user and _valid_name(user):
        labels.add(normalise_label(f"{USER}:{user}"))
    return frozenset(labels)


def _valid_name(name: str) -> bool:
    return bool(name.strip()) and "," not in name


def split_labels(value) -> list[str]:
    """The raw labels of a metadata value: a string (comma-separated) or a list of them."""
    values = value if isinstance(value, list) else [value] if value else []
    return [part.strip() for v in values for part in str(v).split(",") if part.strip()]


@dataclass(frozen=True)
class AccessRule:
    pattern: str
    labels: tuple[str, ...]
    regex: re.Pattern


@dataclass(frozen=True)
class AccessRules:
    """Labels per source folder or glob, from the staff-edited access file; last match wins."""

    rules: tuple[AccessRule, ...] = ()
    source: str = ""

    def labels_for(self, paths: Iterable[str]) -> tuple[str, ...]:
        """The labels of the last rule that matches any of `paths` or a folder above one."""
        candidates = [c for p in paths for c in _with_folders(p)]
        labels: tuple[str, ...] = ()
        for rule in self.rules:
            if any(rule.regex.fullmatch(c) for c in candidates):
                labels = rule.labels
        return labels

    def fingerprint(self) -> tuple:
        """What the indexer compares between runs: a change re-extracts every file."""
        return tuple((r.pattern, r.labels) for r in self.rules)


def rule_paths(file_path: Path, root: Path) -> list[str]:
    """The paths rules are matched against: the file's path inside the source folder given to
    `index`, and the same with that folder's name in front (for a single file given as a
    source: its name, and its folder's name in front)."""
    root = root.resolve()
    base = root if root.is_dir() else root.parent
    try:
        relative = file_path.resolve().relative_to(base).as_posix()
    except ValueError:  # a symlink to a file out of the folder: its own place in the folder
        relative = (file_path.parent.resolve() / file_path.name).relative_to(base).as_posix()
    return [relative, f"{base.name}/{relative}"]


def document_labels(declared, rules_labels: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    """(labels, problems) of a document: its own `access` metadata if it has any, else the
    rules' labels. A label of unknown kind is kept as written, so that only administrators see
    the document, and reported: a typo must never make a document public."""
    raw = split_labels(declared)
    if not raw:
        return rules_labels, []
    labels, problems = [], []
    for text in raw:
        try:
            labels.append(normalise_label(text))
        except BadLabel as exc:
            labels.append(" ".join(text.split()).casefold().replace(",", " "))
            problems.append(f"{exc}; only administrators will see this document")
    return tuple(dict.fromkeys(labels)), problems


def load_access_rules(path: Path | str | None) -> AccessRules:
    """The rules of an access TOML file; no file: no rules (every document is public unless it
    declares labels itself). VocabularyError names the file, the entry and the problem."""
    if path is None:
        return AccessRules()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise VocabularyError(f"{path}: cannot read the access file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise VocabularyError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(data) - {"access"}
    if unknown or not isinstance(data.get("access", {}), dict):
        raise VocabularyError(
            f"{path}: expected only an [access] table of \"folder or glob\" = [labels]"
        )
    rules = []
    for pattern, value in data.get("access", {}).items():
        where = f"{path}: [access] {pattern!r}"
        values = value if isinstance(value, list) else [value]
        if not pattern.strip() or not all(isinstance(v, str) for v in values):
            raise VocabularyError(f"{where}: must be a list of labels such as \"groep:NAME\"")
        try:
            labels = tuple(dict.fromkeys(normalise_label(v) for v in split_labels(values)))
        except BadLabel as exc:
            raise VocabularyError(f"{where}: {exc}") from None
        rules.append(AccessRule(pattern, labels, glob_regex(pattern)))
    return AccessRules(tuple(rules), str(path))


def glob_regex(pattern: str) -> re.Pattern:
    """A glob over `/`-separated paths: `*` and `?` stay inside a folder, `**` crosses them."""
    pattern = pattern.strip().strip("/")
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def _with_folders(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]
