"""The web server's worker: gunicorn's threaded worker (gthread), but cheap requests do not queue behind
expensive ones.

A worker answers `threads` requests at once; the others wait in its queue. In stock gthread that queue is
first come, first served, so under load an answer the cache holds (about 1 ms of work) waits behind admin
publishes (over 100 ms of work each) and executed queries. Here each request is looked at before it is
queued, from the bytes already on its socket (peeked, not read), and given an urgency:

- QUICK: a GraphQL query the answer cache may hold (no `Cache-Control: no-cache`, no mutation); taken before
  anything else, and one more thread serves these only, so one finds a thread even when all others are busy;
- READER: any other request of the public (an executed query, a search, an opinion, a page);
- EDITOR: the admin; taken after readers' requests, but never made to wait more than EDITOR_WAIT_LIMIT
  behind them, so an editor taking an article down during a rush still gets through.

The order changes, never what a request gets (a quick request whose answer is not cached is executed).
When nothing waits, as outside a rush, every request is taken at once as before.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from collections import deque
from concurrent import futures
from functools import partial

from gunicorn.workers.gthread import DEFAULT_WORKER_DATA_TIMEOUT, ThreadWorker

PEEK_BYTES = 8192  # enough for the request line, the headers and a GraphQL query's body
QUICK_ONLY_THREADS = 1
# Urgency of a request, most urgent first: a query the answer cache may hold; any other reader's request
# (an executed query, a search, an opinion, a page); an editor's (the admin: a publish costs 100 times a
# cached answer, and an editor waits a moment more far better than a reader does).
QUICK, READER, EDITOR = 0, 1, 2
# Seconds an editor's request waits at most behind readers' requests (then it goes before them). Under a lasting
# rush editors then take the waiting readers would otherwise have (measured: 2 s made readers' executed queries
# wait about twice as long at p99 as first come, first served), yet never starve.
EDITOR_WAIT_LIMIT = 10.0


def urgency(head: bytes) -> int:
    """How soon the request that starts with `head` (its bytes that arrived) should be taken. Unsure (a request
    not fully arrived) is READER: the order then is what stock gthread would have given it."""
    line_end = head.find(b"\r\n")
    if line_end < 0:
        return READER
    method, _, rest = head[:line_end].partition(b" ")
    if rest.startswith(b"/admin/"):
        return EDITOR
    if method not in (b"GET", b"POST") or not rest.startswith(b"/graphql") or rest.startswith(b"/graphql/batch"):
        return READER
    lowered = head.lower()
    headers_end = lowered.find(b"\r\n\r\n")
    if headers_end < 0:
        return READER  # the headers did not all arrive yet: nothing to judge by
    for header in lowered[:headers_end].split(b"\r\n")[1:]:
        name, _, value = header.partition(b":")
        if name.strip() == b"cache-control" and b"no-cache" in value:
            return READER  # asks for a fresh answer: executed
    return READER if b"mutation" in lowered else QUICK  # in the URL of a GET or the body of a POST


class LanePool:
    """A thread pool with a queue per urgency: the most urgent work waiting is taken first (an editor's that
    waited EDITOR_WAIT_LIMIT goes before readers'). `threads` threads take any; `quick_only` more take QUICK
    work only. The interface gthread uses: submit() and shutdown()."""

    def __init__(self, threads: int, *, quick_only: int = QUICK_ONLY_THREADS):
        self._queues: tuple[deque, ...] = (deque(), deque(), deque())
        self._ready = threading.Condition()
        self._stopping = False
        self._threads = [threading.Thread(target=self._serve, args=(False,), daemon=True) for _ in range(threads)]
        self._threads += [threading.Thread(target=self._serve, args=(True,), daemon=True) for _ in range(quick_only)]
        for thread in self._threads:
            thread.start()

    def submit(self, fn, *args, urgency: int = READER) -> futures.Future:
        future: futures.Future = futures.Future()
        with self._ready:
            if self._stopping:
                raise RuntimeError("cannot schedule new work after shutdown")
            self._queues[urgency].append((future, fn, args, time.monotonic()))
            if urgency == QUICK:
                self._ready.notify()  # any thread takes quick work
            else:
                self._ready.notify_all()  # one woken must be a thread that takes other work
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._ready:
            self._stopping = True
            if cancel_futures:
                for queue in self._queues:
                    while queue:
                        queue.popleft()[0].cancel()
            self._ready.notify_all()
        if wait:
            for thread in self._threads:
                thread.join()

    def _next(self, quick_only: bool):
        quick, reader, editor = self._queues
        with self._ready:
            while True:
                if quick:
                    return quick.popleft()
                if not quick_only:
                    # An editor's request that has waited long enough goes before readers' requests: under a
                    # lasting rush an editor (taking an article down, say) still gets through.
                    if editor and (not reader or time.monotonic() - editor[0][3] >= EDITOR_WAIT_LIMIT):
                        return editor.popleft()
                    if reader:
                        return reader.popleft()
                if self._stopping:
                    return None
                self._ready.wait()

    def _serve(self, quick_only: bool) -> None:
        while (work := self._next(quick_only)) is not None:
            future, fn, args, _ = work
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as error:  # as ThreadPoolExecutor: the future carries it to gthread
                future.set_exception(error)
            else:
                future.set_result(result)


class LaneThreadWorker(ThreadWorker):
    """gthread with quick requests first (see the module's docstring). `cms up` and the benchmarks run it."""

    def get_thread_pool(self):
        return LanePool(self.cfg.threads)

    def enqueue_req(self, conn):
        head = _peek(conn)
        if head is None and not conn.initialized and not conn.data_ready and self.alive:
            # A new connection whose request has not arrived: wait for it on the poller, as gthread does for
            # one that stays silent, so the request is judged by its bytes rather than queued unjudged. It
            # may take as long to come as gthread allows (a thread's wait, then the poller's).
            conn.sock.setblocking(False)
            conn.timeout = time.monotonic() + DEFAULT_WORKER_DATA_TIMEOUT + self.cfg.keepalive
            self.pending_conns.append(conn)
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))
            return
        future = self.tpool.submit(self.handle, conn, urgency=urgency(head or b""))
        future.add_done_callback(lambda done: self.method_queue.defer(self.finish_request, conn, done))


def _peek(conn) -> bytes | None:
    """The bytes of the connection's next request that have arrived, without reading them; None if none."""
    unreader = getattr(conn.parser, "unreader", None)
    if unreader is not None and unreader.buf.getvalue():
        return b""  # bytes already read from the socket begin this request: judge nothing by the rest
    try:
        return conn.sock.recv(PEEK_BYTES, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return None
    except (OSError, ValueError):  # a closed socket, an SSL one: the handler will find out
        return b""
