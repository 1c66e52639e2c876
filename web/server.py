"""Serving the site with waitress, a production WSGI server with a pool of threads."""

from __future__ import annotations

import contextlib
import ctypes
import mmap
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
    that many processes that accept on the one port, to use more cores (each accepting only
    while it holds no more connections than the others, so that they share the clients
    evenly). Each worker holds its own open index, so memory grows with the number of
    workers.
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
    # One listening socket shared by the workers, each accepting only while it holds no more
    # connections than any other (`_Balance`). Keep-alive connections stay with the worker
    # that accepted them: left to chance (the kernel's SO_REUSEPORT hash, or whichever
    # worker wakes first), 16 clients split 5/11 or 6/10 as often as not, and the clients of
    # the fuller worker waited up to twice as long.
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]  # IPv4 or IPv6
    shared = socket.create_server((host, port), family=family)
    balance = _Balance(workers)
    children = []
    for number in range(workers):
        pid = os.fork()
        if pid == 0:
            # A fresh app per worker: an open index must not be shared across processes.
            # `_server`: the hook of `waitress.serve` for the function that makes its server.
            _waitress(create_app(settings), threads, sockets=[shared],
                      _server=balance.server_for(number))
            os._exit(0)
        children.append(pid)
    _supervise(children, balance)


class _Balance:
    """The open connections of each worker, in memory shared by the forked workers, and a
    waitress server that accepts only while its worker holds no more than any other."""

    # A worker that may not accept looks again at least this often (waitress sleeps up to a
    # second between events): the others' counts may have changed meanwhile.
    RECHECK_SECONDS = 0.05

    def __init__(self, workers: int):
        self._counts = memoryview(mmap.mmap(-1, 8 * workers)).cast("q")

    def gone(self, number: int) -> None:
        """Worker `number` has ended: the others accept as if it were full."""
        self._counts[number] = 2**62

    def server_for(self, number: int):
        """waitress's `create_server` for worker `number`."""
        def create(app, **settings):
            server = waitress.create_server(app, **settings)
            server.adj.asyncore_loop_timeout = self.RECHECK_SECONDS
            accepting = server.readable

            def readable() -> bool:
                able = accepting()  # also waitress's housekeeping and connection limit
                mine = self._counts[number] = len(server.active_channels)
                others = [count for i, count in enumerate(self._counts) if i != number]
                return able and mine <= min(others, default=mine)

            server.readable = readable
            return server
        return create


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


def _supervise(children: list[int], balance: _Balance | None = None) -> None:
    """Wait for the workers; on Ctrl+C or SIGTERM stop them all. A worker that ended (killed,
    crashed) no longer holds the others back from accepting."""
    def stop(signum, frame):
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    running = list(children)
    while running:
        pid, _ = os.wait()
        if pid in running:
            running.remove(pid)
            if balance is not None:
                balance.gone(children.index(pid))
