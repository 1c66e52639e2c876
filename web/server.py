"""Serving the site with waitress, a production WSGI server with a pool of threads."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import sys
from pathlib import Path

import waitress

from index.errors import IndexDamaged, IndexMissing

from . import MAX_REQUEST_BODY, create_app, search_index

# A request line and headers (with a single sign-on cookie or Kerberos token) fit easily in
# this; waitress answers a larger request 431, and one with a body over MAX_REQUEST_BODY 413,
# before the app sees it (its defaults: 256 KB and 1 GB of body buffered).
MAX_REQUEST_HEADER = 64 * 1024
M_ARENA_MAX = -8  # glibc's mallopt parameter number


def serve(index_dir: Path | str | None, host: str = "127.0.0.1", port: int = 8000,
          threads: int = 8, base_url: str | None = None, workers: int = 1) -> None:
    """Serve the site until interrupted. Starts without a usable index too (the pages say so
    until the first indexing run), but warns on stderr.

    Searching is CPU-bound Python, so threads share one core (the GIL); `workers` > 1 forks
    that many processes that accept on the one port, to use more cores (on Linux each with
    its own listening socket, SO_REUSEPORT, so that connections are spread evenly). Each
    worker holds its own open index, so memory grows with the number of workers.
    """
    # Never debug mode, whatever FLASK_DEBUG says: it would let errors escape the Dutch
    # error page (and the app's log) to the server.
    settings = {"INDEX": index_dir, "BASE_URL": base_url, "DEBUG": False}
    app = create_app(settings)
    with app.app_context():
        try:
            if workers <= 1:
                search_index().generation()
            else:
                # Each worker opens the index itself; opening it fully here would only keep
                # a copy of its tables (~100 MB at 100,000 agenda items) in a process that
                # never searches. Its files are checked all the same.
                search_index().store.open()
        except (IndexMissing, IndexDamaged) as exc:
            print(f"bestuurszoeker serve: warning: {exc}", file=sys.stderr)
    print(f"Bestuurszoeker: index {app.config['INDEX']}, {workers} worker(s) (Ctrl+C stops)",
          file=sys.stderr)
    if workers <= 1:
        _waitress(app, threads, host=host, port=port)
        return
    if hasattr(socket, "SO_REUSEPORT") and sys.platform.startswith("linux"):
        # A listening socket per worker on one port: the kernel spreads new connections
        # over them evenly. With one shared socket, the worker that happened to be idle took
        # most keep-alive connections (13 of 16 measured) and served them alone while the
        # other waited. First a plain bind: it fails when anything holds the port, also
        # another server sharing it this way (which would silently split the traffic).
        # Then the parent's socket, bound but not listening, reserves the port.
        with _socket(host, port, reuse_port=False) as probe:
            port = probe.getsockname()[1]
        reserved = _socket(host, port, reuse_port=True)  # noqa: F841 - held while serving
        listeners = lambda: [_socket(host, port, reuse_port=True, listen=True)]  # noqa: E731
    else:
        shared = socket.create_server((host, port))
        listeners = lambda: [shared]  # noqa: E731
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            # A fresh app per worker: an open index must not be shared across processes.
            _waitress(create_app(settings), threads, sockets=listeners())
            os._exit(0)
        children.append(pid)
    _supervise(children)


def _socket(host: str, port: int, reuse_port: bool, listen: bool = False) -> socket.socket:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(socket.SOMAXCONN)
    except OSError:
        sock.close()
        raise
    return sock


def _limit_malloc_arenas() -> None:
    """glibc gives each thread that allocates its own malloc arena; with a pool of threads
    building result pages, memory freed in one arena is not reused by another, and a worker
    grew by ~100 MB more than one thread would. One arena is plenty for a process whose
    threads take turns on the GIL; one measured the same speed as two. (No-op off glibc.)"""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_ARENA_MAX, 1)


def _waitress(app, threads: int, **where) -> None:
    _limit_malloc_arenas()
    # ident: do not advertise the server software and its version in every response.
    waitress.serve(app, threads=threads, ident="Bestuurszoeker",
                   max_request_body_size=MAX_REQUEST_BODY,
                   max_request_header_size=MAX_REQUEST_HEADER, **where)


def _supervise(children: list[int]) -> None:
    """Wait for the workers; on Ctrl+C or SIGTERM stop them all."""
    def stop(signum, frame):
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for pid in children:
        os.waitpid(pid, 0)
