"""The `cms` command: run the whole network, or any management command, with one word.

    cms up                   start PostgreSQL, migrate, build the demo network once, serve
    cms manage <command>     any Django management command (migrate_schemas, createsuperuser, ...)
    cms worker               run background tasks, each in its site's schema
    cms publish-scheduled    publish and unpublish scheduled pages on every site
    cms benchmark graphql    our GraphQL endpoint against stock wagtail-grapple, side by side
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from cms import dbserver
from cms.dbserver import DataDir, DataDirError

DEFAULT_SETTINGS = "cms.settings.dev"
SCHEDULE_INTERVAL_SECONDS = 60


class CmsError(RuntimeError):
    """Stops the command with one plain sentence and a non-zero exit."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except (CmsError, DataDirError) as error:
        print(f"cms: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cms", description="The federation network CMS (文联网站群).")
    sub = parser.add_subparsers(dest="command")

    def with_data_dir(p):
        p.add_argument("--data-dir", help="data folder (default: $CMS_DATA_DIR or ./var)")
        return p

    up = with_data_dir(sub.add_parser("up", help="start the database, migrate, build the demo network, serve"))
    up.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)), help="HTTP port (default 8000)")
    up.add_argument("--host", default=os.environ.get("CMS_HOST", "127.0.0.1"), help="address to bind (default 127.0.0.1)")
    up.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)), help="web worker processes")
    up.add_argument("--no-demo", action="store_true", help="do not build the demo network on first run")
    up.set_defaults(handler=cmd_up)

    manage = with_data_dir(sub.add_parser("manage", help="run a Django management command"))
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=cmd_manage)

    worker = with_data_dir(sub.add_parser("worker", help="run background tasks"))
    worker.set_defaults(handler=cmd_worker)

    scheduled = with_data_dir(sub.add_parser("publish-scheduled", help="publish scheduled pages on every site"))
    scheduled.set_defaults(handler=cmd_publish_scheduled)

    bench = sub.add_parser("benchmark", help="measure against the stock peers, on a throwaway database")
    bench.add_argument("target", choices=["graphql"], help="what to measure")
    bench.add_argument("--articles", type=int, default=100, help="articles in the benchmark site (default 100)")
    bench.add_argument("--seconds", type=float, default=10, help="seconds of load per endpoint (default 10)")
    bench.add_argument("--concurrency", type=int, default=4, help="concurrent client connections (default 4)")
    bench.add_argument("--requests", type=int, default=50, help="sequential requests for latency (default 50)")
    bench.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    bench.set_defaults(handler=cmd_benchmark)
    return parser


# --- database and Django bootstrapping ---


def _data_dir(args) -> DataDir:
    root = Path(args.data_dir or os.environ.get("CMS_DATA_DIR") or "var").expanduser().resolve()
    os.environ["CMS_DATA_DIR"] = str(root)
    return DataDir(root)


@contextlib.contextmanager
def database(data_dir: DataDir, *, exclusive: bool):
    """Yield with DATABASE_URL pointing at a reachable PostgreSQL.

    Without DATABASE_URL the embedded server of the data folder is used. `exclusive`
    (cms up) holds the folder for this process and stops the server on exit; other
    commands reuse the server of a running `cms up`, or start and stop one themselves.
    """
    external = os.environ.get("DATABASE_URL")
    if external:
        dbserver.check_reachable(external)
        yield external
        return
    data_dir.ensure_writable()
    try:
        lock = data_dir.lock()
    except DataDirError:
        if exclusive:
            raise
        lock = None  # a running `cms up` owns the server: use it, leave it running
    try:
        url = dbserver.start(data_dir.pgdata)
    except Exception as error:
        if lock:
            lock.release()
        raise CmsError(f"Could not start the embedded PostgreSQL in {data_dir.pgdata}: {error}") from error
    os.environ["DATABASE_URL"] = url
    try:
        yield url
    finally:
        if lock:
            dbserver.stop(data_dir.pgdata)
            lock.release()


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    import django

    django.setup()


# --- commands ---


def cmd_manage(args) -> int:
    data_dir = _data_dir(args)
    with database(data_dir, exclusive=False):
        setup_django()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["cms manage", *args.args])
    return 0


def cmd_worker(args) -> int:
    return cmd_manage(argparse.Namespace(data_dir=args.data_dir, args=["tenant_worker", "--interval", "1"]))


def cmd_publish_scheduled(args) -> int:
    return cmd_manage(argparse.Namespace(data_dir=args.data_dir, args=["publish_scheduled_all"]))


def cmd_up(args) -> int:
    data_dir = _data_dir(args)
    _check_port_free(args.host, args.port)
    started = time.monotonic()
    with database(data_dir, exclusive=True):
        setup_django()
        _say("Applying migrations to every site...")
        from django.core.management import call_command

        call_command("migrate_schemas", interactive=False, verbosity=0)
        credentials = _admin_credentials(data_dir)
        from cms.core import demo
        from sites.services import ensure_central_office

        ensure_central_office(domain="localhost", admin=_site_admin(credentials))
        if not args.no_demo and not demo.network_is_built():
            _say("First run: building the demo network...")
            demo.build_demo_network(admin_password=credentials[1], progress=_say)
        from django.db import connections

        connections.close_all()
        return _serve(args, data_dir, credentials, started)


def _serve(args, data_dir: DataDir, credentials: tuple[str, str], started: float) -> int:
    env = dict(os.environ)
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "cms.wsgi:application",
         "--bind", f"{args.host}:{args.port}", "--workers", str(args.workers),
         "--access-logfile", "-", "--error-logfile", "-", "--log-level", "warning", "--graceful-timeout", "5"],
        env=env,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "django", "tenant_worker", "--interval", "1", "--no-startup-delay", "--verbosity", "0"], env=env
    )
    stop = threading.Event()
    scheduler = threading.Thread(target=_run_scheduler, args=(stop,), daemon=True)
    scheduler.start()

    def request_stop(signum, frame):
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    if not _wait_until_listening(args.host, args.port, web):
        stop.set()
        _terminate(web, worker)
        raise CmsError(f"The web server did not start on {args.host}:{args.port}.")
    _print_addresses(args.port, credentials, time.monotonic() - started)
    exit_code = 0
    while not stop.wait(0.5):
        if web.poll() is not None:
            print("cms: the web server stopped unexpectedly.", file=sys.stderr)
            exit_code = 1
            break
        if worker.poll() is not None:
            print("cms: the background worker stopped unexpectedly; restarting it.", file=sys.stderr)
            worker = subprocess.Popen(worker.args, env=env)
    _say("Stopping...")
    _terminate(web, worker)
    return exit_code


def cmd_benchmark(args) -> int:
    import shutil
    import tempfile

    from django.core.management.utils import get_random_secret_key

    root = Path(tempfile.mkdtemp(prefix="cms-benchmark-"))
    os.environ.update(
        CMS_DATA_DIR=str(root), CMS_MEDIA_ROOT=str(root / "media"), DJANGO_SETTINGS_MODULE="cms.settings.benchmark",
        SECRET_KEY=get_random_secret_key(), HTTPS="0",
    )
    os.environ.pop("DATABASE_URL", None)
    (root / "static").mkdir()
    web = None
    try:
        _say("Starting a throwaway PostgreSQL and building the benchmark site...")
        os.environ["DATABASE_URL"] = dbserver.start(root / "pg", fast_unsafe=True)
        setup_django()
        from django.core.management import call_command
        from django.db import connections

        from cms.api import benchmark
        from cms.api.examples import STOCK_PAGE_QUERY, TYPICAL_PAGE_QUERY
        from sites.services import ensure_central_office

        call_command("migrate_schemas", interactive=False, verbosity=0)
        ensure_central_office(domain="localhost")
        benchmark.build_site(articles=args.articles, progress=_say)
        connections.close_all()
        port = _free_port()
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "cms.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(args.workers), "--log-level", "warning"],
            env=dict(os.environ),
        )
        if not _wait_until_listening("127.0.0.1", port, web):
            raise CmsError("The benchmark server did not start.")
        common = dict(requests_for_latency=args.requests, seconds=args.seconds, concurrency=args.concurrency)
        ours_url = f"http://127.0.0.1:{port}/graphql/"
        _say("Measuring our endpoint, answer cache on...")
        cached = benchmark.measure(name="ours", url=ours_url, query=TYPICAL_PAGE_QUERY, list_key="contentPages", **common)
        _say("Measuring our endpoint, every request executed...")
        executed = benchmark.measure(name="ours, executed", url=ours_url, query=TYPICAL_PAGE_QUERY,
                                     list_key="contentPages", fresh=True, **common)
        _say("Measuring stock wagtail-grapple...")
        stock = benchmark.measure(name="stock", url=f"http://127.0.0.1:{port}/graphql-stock/", query=STOCK_PAGE_QUERY,
                                  list_key="pages", **common)
        print()
        print(benchmark.report([cached, executed], stock, articles=args.articles, workers=args.workers,
                               concurrency=args.concurrency, seconds=args.seconds), flush=True)
        return 0
    finally:
        if web is not None:
            _terminate(web)
        from django.db import connections

        connections.close_all()
        dbserver.stop(root / "pg")
        shutil.rmtree(root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_scheduler(stop: threading.Event) -> None:
    """Scheduled publishing for every site, once a minute, from this one process."""
    from django.core.management import call_command
    from django.db import connections

    while not stop.wait(SCHEDULE_INTERVAL_SECONDS):
        try:
            call_command("publish_scheduled_all")
        except BaseException as error:  # keep serving; report and try again next minute
            print(f"cms: scheduled publishing failed: {error}", file=sys.stderr)
        finally:
            connections.close_all()


def _terminate(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise CmsError(f"Port {port} on {host} is already in use; choose another with --port.") from None


def _wait_until_listening(host: str, port: int, process: subprocess.Popen, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return True
        time.sleep(0.2)
    return False


def _admin_credentials(data_dir: DataDir) -> tuple[str, str]:
    """The demo's admin login: $CMS_ADMIN_PASSWORD, or a password made once and kept in the data folder."""
    password = os.environ.get("CMS_ADMIN_PASSWORD")
    if not password:
        if data_dir.credentials_file.exists():
            password = data_dir.credentials_file.read_text().split(":", 1)[1].strip()
        else:
            password = secrets.token_urlsafe(12)
            data_dir.credentials_file.write_text(f"admin:{password}\n")
            data_dir.credentials_file.chmod(0o600)
    return "admin", password


def _site_admin(credentials: tuple[str, str]):
    from sites.services import SiteAdmin

    return SiteAdmin(username=credentials[0], password=credentials[1])


def _print_addresses(port: int, credentials: tuple[str, str], seconds: float) -> None:
    from sites.models import Association

    suffix = "" if port == 80 else f":{port}"
    lines = [f"\nThe network is up ({seconds:.1f} s). Sites:"]
    for site in Association.objects.prefetch_related("domains").order_by("id"):
        host = site.primary_domain
        if not host:
            continue
        lines.append(f"  {site.name}（{site.get_kind_display()}）")
        lines.append(f"      admin:   http://{host}{suffix}/admin/")
        lines.append(f"      GraphQL: http://{host}{suffix}/graphql/")
    lines.append(f"Log in to any admin as {credentials[0]} / {credentials[1]}")
    lines.append("Press Ctrl-C to stop.\n")
    from django.db import connections

    connections.close_all()
    print("\n".join(lines), flush=True)


def _say(message: str) -> None:
    print(message, flush=True)


if __name__ == "__main__":
    sys.exit(main())
