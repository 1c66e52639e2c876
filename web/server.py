"""Serving the site with waitress, a production WSGI server with a pool of threads."""

from __future__ import annotations

import sys
from pathlib import Path

import waitress

from index.errors import IndexDamaged, IndexMissing

from . import create_app, search_index


def serve(index_dir: Path | str | None, host: str = "127.0.0.1", port: int = 8000,
          threads: int = 8, base_url: str | None = None) -> None:
    """Serve the site until interrupted. Starts without a usable index too (the pages say so
    until the first indexing run), but warns on stderr."""
    app = create_app({"INDEX": index_dir, "BASE_URL": base_url})
    with app.app_context():
        try:
            search_index().generation()
        except (IndexMissing, IndexDamaged) as exc:
            print(f"bestuurszoeker serve: warning: {exc}", file=sys.stderr)
    print(f"Bestuurszoeker: index {app.config['INDEX']} (Ctrl+C stops)", file=sys.stderr)
    # ident: do not advertise the server software and its version in every response.
    waitress.serve(app, host=host, port=port, threads=threads, ident="Bestuurszoeker")
