"""Exceptions for failures a user can act on; the CLI and web turn them into messages."""

import errno


class BestuurszoekerError(Exception):
    """Base class: every failure a user can act on."""


class UnreadableDocument(BestuurszoekerError):
    """A file could not be turned into text (binary, empty, no text layer, broken)."""

    def __init__(self, path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class VocabularyError(BestuurszoekerError):
    """A TOML vocabulary file (actors, topics, synonyms) is missing or invalid."""


class IndexLocked(BestuurszoekerError):
    """Another indexing run holds the index lock and did not release it in time."""


class IndexMissing(BestuurszoekerError):
    """There is no index at the given location yet."""


class IndexDamaged(BestuurszoekerError):
    """The index exists but cannot be opened (damaged or written by an incompatible version)."""


class IndexUnwritable(BestuurszoekerError):
    """The index folder cannot be written (disk full, read-only, no permission); the previous
    generation stays live."""

    def __init__(self, root, exc: OSError):
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            reason += " (disk or quota full?)"
        super().__init__(
            f"cannot write the index in {root}: {reason}; the previous index is unchanged"
        )
        self.root = str(root)
        self.reason = reason
