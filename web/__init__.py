"""The web front end: search page, documents, Atom feeds, CSV export, JSON API, health.

    flask --app web run                          # development; settings from the environment
    bestuurszoeker serve --index data/index      # production (waitress)

`create_app` builds one app over one index folder; see `web.config` for the settings.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, current_app

from index.errors import VocabularyError
from search import SearchIndex
from search.synonyms import load as load_synonyms

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# Only GET requests exist, so no request needs a body (also the limit under `flask run`;
# `bestuurszoeker serve` has waitress refuse a larger one before reading it).
MAX_REQUEST_BODY = 64 * 1024


def create_app(config: Mapping | None = None) -> Flask:
    """The Flask app. `config` overrides the environment and the config file (`INDEX`,
    `BASE_URL`, `CONFIG_FILE`, the `AUTH_*` login settings of `web.auth`, and Flask's own keys
    such as `TESTING`)."""
    from . import auth, dates, errors, facets, params
    from . import config as settings
    from .api import api
    from .export import export
    from .feeds import feeds
    from .views import pages

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BODY
    app.config.update(settings.load(config))
    # One SearchIndex per app: it reopens the index by itself after every re-index.
    try:
        synonyms = load_synonyms(app.config.get("SYNONYMS"))
    except VocabularyError as exc:
        raise settings.ConfigError(str(exc)) from None
    app.extensions["bestuurszoeker.index"] = SearchIndex(app.config["INDEX"], synonyms=synonyms)
    for blueprint in (pages, feeds, export, api):
        app.register_blueprint(blueprint)
    auth.install(app)
    errors.register(app)
    app.add_template_filter(dates.long_date)
    app.add_template_filter(dates.long_time)
    app.add_template_filter(dates.period_label)
    app.add_template_global(params.canonical_pairs)
    app.add_template_global(facets.facet_options)

    @app.after_request
    def add_security_headers(response):
        response.headers.update(SECURITY_HEADERS)
        return response

    return app


def search_index() -> SearchIndex:
    """The index of the app handling the current request."""
    return current_app.extensions["bestuurszoeker.index"]
