"""Search: a query and filters in, ranked agenda items with facets and snippets out.

    from search import SearchIndex, SearchRequest, run
    results = run(SearchRequest("knalvuurwerk"), SearchIndex("/var/lib/bestuurszoeker"))
"""

from .engine import SearchIndex, run
from .request import EVERYTHING, BadRequest, SearchRequest
from .results import FacetValue, Hit, Results

__all__ = [
    "EVERYTHING", "BadRequest", "FacetValue", "Hit", "Results", "SearchIndex", "SearchRequest",
    "run",
]
