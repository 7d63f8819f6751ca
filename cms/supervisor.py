"""What `cms up` needs to keep the network running without a person: children that die with it,
restarts with backoff, and a watch on the embedded PostgreSQL."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """preexec_fn of every child: the kernel sends it SIGTERM when `cms up` dies, even by `kill -9`,
    so no gunicorn or worker is left serving (and holding the port) without its supervisor."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    os.setpgrp()  # and Ctrl-C in the terminal reaches only `cms up`, which stops them in order


def spawn(argv: list[str], *, env: dict, keep_fds: tuple[int, ...] = ()) -> subprocess.Popen:
    """A child that dies with us and inherits `keep_fds` (the data folder's lock: while any of our
    processes lives, the folder is held, so no other `cms` stops the database under it)."""
    return subprocess.Popen(argv, env=env, preexec_fn=die_with_parent, pass_fds=keep_fds)


def gunicorn_command(
    *, bind: str, workers: int, threads: int, access_log: bool = False, stock_worker: bool = False
) -> list[str]:
    """The web server, the same for `cms up` and the benchmarks. With threads > 1, each worker answers
    several requests at once, quick ones (queries the answer cache may hold) before the others waiting
    (cms/webserver.py), so a cached answer is not queued behind a slow one."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "cms.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--graceful-timeout",
        "5",
    ]
    if threads > 1:
        # stock_worker: gunicorn's own gthread, first come first served (`cms loadtest --stock-worker` compares)
        worker_class = "gthread" if stock_worker else "cms.webserver.LaneThreadWorker"
        command += ["--worker-class", worker_class, "--threads", str(threads)]
    if access_log:
        command += ["--access-logfile", "-", "--error-logfile", "-"]
    return command


class Backoff:
    """Delays between restarts: 1 s, 2 s, 4 s ... up to `most`; back to the first after a good run."""

    def __init__(self, *, first: float = 1.0, most: float = 30.0, good_run: float = 60.0):
        self.first, self.most, self.good_run = first, most, good_run
        self.delay, self.next_at, self.started_at = first, 0.0, time.monotonic()

    def failed(self) -> float:
        """Record a failure; returns the seconds until the next try."""
        now = time.monotonic()
        if now - self.started_at >= self.good_run:
            self.delay = self.first
        wait, self.next_at = self.delay, now + self.delay
        self.delay = min(self.delay * 2, self.most)
        return wait

    def due(self) -> bool:
        return time.monotonic() >= self.next_at

    def started(self) -> None:
        self.started_at = time.monotonic()


def postgres_running(pgdata: Path) -> bool:
    """Whether the postmaster named in the data folder's postmaster.pid is alive."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PostgresWatch:
    """Restarts the embedded PostgreSQL when it dies, with backoff, saying so in one line each time."""

    def __init__(self, pgdata: Path, start, say):
        self.pgdata, self.start, self.say = pgdata, start, say
        self.backoff = Backoff(first=0.5, most=10.0)
        self.down_since: float | None = None

    def check(self) -> None:
        now = time.monotonic()
        if postgres_running(self.pgdata):
            if self.down_since is not None:  # a start that timed out may still have finished
                self._back(now)
            return
        if self.down_since is None:
            self.down_since = now
            self.say("cms: PostgreSQL stopped unexpectedly; restarting it (requests get 503 until it is back).")
        if not self.backoff.due():
            return
        try:
            self.start(self.pgdata)
        except Exception as error:  # e.g. its old processes still hold shared memory: try again shortly
            wait = self.backoff.failed()
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            self.say(f"cms: PostgreSQL is not up yet ({reason[:200]}); trying again in {wait:.1f} s.")
            return
        self._back(time.monotonic())

    def _back(self, now: float) -> None:
        self.say(f"cms: PostgreSQL is back after {now - self.down_since:.1f} s.")
        self.down_since = None
        self.backoff = Backoff(first=0.5, most=10.0)
