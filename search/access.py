"""Who sees what: a viewer's access labels as a mask over the index's documents.

Documents carry the labels of `index.access` (none: public). A search request carries the
labels its viewer holds; the engine ANDs the mask below into its filters, so hidden documents
drop out of hits, totals, facet counts and suggestions without changing any score.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from index.access import viewer_labels
from index.columns import term_column

from .request import EVERYTHING

__all__ = ["EVERYTHING", "AccessColumn", "may_see", "viewer_labels"]


def may_see(document_labels: Iterable[str], access: frozenset[str]) -> bool:
    """Whether a viewer holding `access` may see a document with these labels."""
    labels = set(document_labels)
    return not labels or access == EVERYTHING or bool(labels & access)


class AccessColumn:
    """The documents of each access label of one index generation (built once, then shared)."""

    def __init__(self, reader, size: int):
        self.size = size
        self.documents: dict[str, np.ndarray] = {}
        column = term_column(reader, "access")
        for code, label in enumerate(column.values):
            self.documents[label] = column.docs[column.codes == code]
        self.labelled = np.zeros(size, dtype=bool)
        for docs in self.documents.values():
            self.labelled[docs] = True

    def effective(self, access: frozenset[str]) -> frozenset[str]:
        """The part of `access` that makes a difference in this index: viewers who see the
        same documents get the same key in the result cache (and without any labelled
        document, everyone does)."""
        if not self.documents:
            return frozenset()
        if access == EVERYTHING:
            return EVERYTHING
        return frozenset(access & self.documents.keys())

    def visible(self, access: frozenset[str]) -> np.ndarray:
        """Mask of the documents a viewer holding `access` may see."""
        if access == EVERYTHING:
            return np.ones(self.size, dtype=bool)
        mask = ~self.labelled
        for label in access & self.documents.keys():
            mask[self.documents[label]] = True
        return mask
