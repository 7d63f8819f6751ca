"""A real gunicorn serving the test database, for tests that need several worker processes and real HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import requests
from django.db import connection


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_database_url() -> str:
    """DATABASE_URL of the test database, for processes started by a test."""
    # From the connection itself, not $DATABASE_URL: commands run in-process by other tests may have changed that.
    conf = connection.settings_dict
    port = f":{conf['PORT']}" if conf.get("PORT") else ""
    return f"postgres://{quote(conf['USER'] or 'postgres')}@{quote(conf['HOST'] or '', safe='')}{port}/{conf['NAME']}"


def subprocess_env(**environment: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        **environment,
    }


def run_worker(timeout: int = 120, **environment: str) -> int:
    """The real task worker in a process of its own, until the queue is empty (or it is killed); its exit code."""
    return subprocess.run(
        [sys.executable, "-m", "django", "tenant_worker", "--batch", "--interval", "0", "--no-startup-delay"],
        env=subprocess_env(**environment),
        timeout=timeout,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ).returncode


class LiveServer:
    """gunicorn with `workers` processes on the test database; its access log names the worker of each request."""

    def __init__(self, *, workers: int = 2, threads: int | None = None, public_port: bool = False, **environment: str):
        """With `public_port`, the server is configured to be reached on its own port (CMS_PUBLIC_PORT, as
        `cms up --port N` does): absolute URLs carry it, and it is never the scheme's default. With `threads`,
        each worker is the threaded one `cms up` runs (cms/webserver.py), else gunicorn's plain one."""
        self.port = free_port()
        if public_port:
            environment = {**environment, "CMS_PUBLIC_PORT": str(self.port)}
        self.log = Path(tempfile.mkstemp(prefix="cms-access-", suffix=".log")[1])
        env = subprocess_env(**environment)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "cms.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--access-logfile",
                str(self.log),
                "--access-logformat",
                "%(p)s %(s)s %(U)s",
                "--log-level",
                "warning",
                *(["--worker-class", "cms.webserver.LaneThreadWorker", "--threads", str(threads)] if threads else []),
            ],
            env=env,
        )
        try:
            self._wait_until_listening()
        except BaseException:
            self.stop()
            raise

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=10)  # the first one loads Django
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start in 60 s")

    def get(self, path: str, host: str, **kwargs) -> requests.Response:
        """A request on a new connection (so that either worker may take it)."""
        return requests.get(
            f"http://127.0.0.1:{self.port}{path}",
            headers={"Host": host, "Connection": "close"},
            timeout=30,
            allow_redirects=False,
            **kwargs,
        )

    def workers_seen(self) -> Counter:
        """Requests answered per worker process so far."""
        time.sleep(0.2)  # gunicorn writes its access log after the response
        return Counter(re.match(r"<(\d+)>|(\d+)", line).group(0) for line in self.log.read_text().splitlines() if line)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.unlink(missing_ok=True)
