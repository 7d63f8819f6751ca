"""The `cms` command: run the whole network, or any management command, with one word.

cms up                   start PostgreSQL, migrate, build the demo network once, serve
cms manage <command>     any Django management command (migrate_schemas, createsuperuser, ...)
cms worker               run background tasks, each in its site's schema
cms publish-scheduled    publish and unpublish scheduled pages on every site
cms migrate              apply pending migrations to every site (fast when there are none)
cms sites ...            create, list, archive, delete, back up, restore, import sites
cms audit verify|purge   check the audit log's hash chains; remove entries past the retention (>= 180 days)
cms accounts ...         unlock locked logins, list them, reset a user's two-factor login
cms review policy <site> review levels (三审/两审/一审), proofreading steps, overdue days of a site
cms themes ...           site templates: list, check, upgrade, from-site <slug> (a model site as a theme)
cms oversight ...        inspection scores (refresh) and link checks (check-links), 网站监管
cms network reindex      rebuild the national index from every site, with progress
cms search reindex       rebuild every site's search index (and Elasticsearch's), with progress
cms media check          files no row references, per site (--delete removes them)
cms benchmark graphql    our GraphQL endpoint against stock wagtail-grapple, side by side
cms benchmark network    the national feeds over a national index of 1,000 sites, p50/p95 over HTTP
cms benchmark search     Chinese search: P@10, R@10, nDCG@10 and p50/p95 against plain PostgreSQL, 100,000 documents
cms benchmark screening  sensitive words: chars/s, one article's time, recall on evasions, false alarms
cms benchmark opinions   opinions: submissions at 50/s through the real server (p95, none lost), a 100,000-opinion inbox
cms benchmark oversight  dashboard over N sites, a publish moving a score, a link check against local servers
cms loadtest             the real server under a mixed load across N sites (source checkout only)
cms bench                every benchmark in one run, one summary table (source checkout only)
"""

from __future__ import annotations

import argparse
import contextlib
import io
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
# After `cms up` was killed, its children take a few seconds to stop and let go of the folder and port.
LOCK_WAIT_SECONDS = 15
WORKER_ARGS = ["-m", "django", "tenant_worker", "--interval", "1", "--no-startup-delay", "--verbosity", "0"]


def worker_args() -> list[str]:
    """The worker `cms up` runs keeps a template warm for every theme, so that the first site of a theme is
    created as fast as the rest (CMS_WARM_TEMPLATES=0 turns that off)."""
    warm = os.environ.get("CMS_WARM_TEMPLATES", "1") != "0"
    return [*WORKER_ARGS, "--warm-templates"] if warm else list(WORKER_ARGS)


# Top-level words whose commands their domains own: word -> (management command, help).
DOMAIN_COMMANDS = {
    "sites": ("sites", "the site registry: create, list, archive, delete, back up, restore, import"),
    "audit": ("audit", "the audit log: verify its hash chains, purge entries past the retention"),
    "accounts": ("accounts", "logins: unlock, list locked logins, reset two-factor login"),
    "review": ("review", "review settings per site: levels of review, proofreading steps, overdue days"),
}

_held_lock = None  # the data folder's lock while this process holds it (its children inherit it)
_embedded_pgdata: Path | None = None  # the embedded server's folder, when this process started or uses it


class CmsError(RuntimeError):
    """Stops the command with one plain sentence and a non-zero exit."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in DOMAIN_COMMANDS:  # everything after the word is the domain command's, --help included
        args = argparse.Namespace(command=argv[0], handler=cmd_domain, domain=argv[0], args=argv[1:])
    else:
        args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    from django.core.exceptions import ImproperlyConfigured, ValidationError

    try:
        return args.handler(args)
    except (CmsError, DataDirError, ImproperlyConfigured) as error:
        print(f"cms: {error}", file=sys.stderr)
        return 1
    except ValidationError as error:  # what was wrong with the input, in one line, never a traceback
        print(f"cms: {' '.join(error.messages)}", file=sys.stderr)
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
    up.add_argument(
        "--host", default=os.environ.get("CMS_HOST", "127.0.0.1"), help="address to bind (default 127.0.0.1)"
    )
    up.add_argument(
        "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)), help="web worker processes"
    )
    up.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("WEB_THREADS", 4)),
        help="requests each web worker answers at once (default 4; 1: one at a time)",
    )
    up.add_argument("--no-demo", action="store_true", help="do not build the demo network on first run")
    up.add_argument("--dev", action="store_true", help="development: Django's debug pages (never on a shared network)")
    up.set_defaults(handler=cmd_up)

    manage = with_data_dir(sub.add_parser("manage", help="run a Django management command"))
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=cmd_manage)

    worker = with_data_dir(sub.add_parser("worker", help="run background tasks"))
    worker.set_defaults(handler=cmd_worker)

    scheduled = with_data_dir(sub.add_parser("publish-scheduled", help="publish scheduled pages on every site"))
    scheduled.set_defaults(handler=cmd_publish_scheduled)

    migrate = with_data_dir(sub.add_parser("migrate", help="apply pending migrations to every site, with progress"))
    migrate.add_argument("--keep-going", action="store_true", help="carry on past a site that fails")
    migrate.set_defaults(handler=cmd_migrate)

    # Domains own their commands (Django management commands in their apps); `cms` forwards to them.
    for word, (_, text) in DOMAIN_COMMANDS.items():
        domain = sub.add_parser(word, help=text, add_help=False)
        domain.add_argument("args", nargs=argparse.REMAINDER)
        domain.set_defaults(handler=cmd_domain, domain=word)

    media = sub.add_parser("media", help="media files")
    media_sub = media.add_subparsers(dest="action", required=True)
    media_check = with_data_dir(
        media_sub.add_parser("check", help="list (or --delete) files no row references, per site")
    )
    media_check.add_argument("--site", help="one site's slug (default: every site)")
    media_check.add_argument("--delete", action="store_true", help="remove the files found")
    media_check.add_argument(
        "--older-than-minutes", type=float, default=60, help="leave younger files alone (default 60)"
    )
    media.set_defaults(handler=cmd_media)

    themes = sub.add_parser("themes", help="site templates")
    themes_sub = themes.add_subparsers(dest="action", required=True)
    themes_sub.add_parser("list", help="the themes and their versions")
    check = themes_sub.add_parser("check", help="validate theme files")
    check.add_argument("paths", nargs="*", help="theme.yaml files (default: all themes)")
    upgrade = with_data_dir(
        themes_sub.add_parser("upgrade", help="report (or --apply) what sites on older theme versions get")
    )
    upgrade.add_argument("--theme", help="only this theme (default: all)")
    upgrade.add_argument("--apply", action="store_true", help="make the changes (default: a dry-run report)")
    upgrade.add_argument("--batch-size", type=int, default=50)
    from_site = with_data_dir(
        themes_sub.add_parser("from-site", help="turn a model site's structure into a new theme version (示范推广)")
    )
    from_site.add_argument("slug", help="the model site")
    from_site.add_argument("--name", help="theme name (default: model_<slug>)")
    from_site.add_argument("--out", help="themes folder to write to (default: the installed themes/)")
    themes.set_defaults(handler=cmd_themes)

    network = sub.add_parser("network", help="the network layer: national index")
    network_sub = network.add_subparsers(dest="action", required=True)
    with_data_dir(network_sub.add_parser("reindex", help="rebuild the national index from every site's pages"))
    network.set_defaults(handler=cmd_network)

    oversight = sub.add_parser("oversight", help="网站监管: inspection scores and link checks")
    oversight_sub = oversight.add_subparsers(dest="action", required=True)
    with_data_dir(oversight_sub.add_parser("refresh", help="score every site again (the daily pass)"))
    check_links = with_data_dir(
        oversight_sub.add_parser("check-links", help="check links and images of published content")
    )
    check_links.add_argument("--site", help="only this site (slug)")
    check_links.add_argument("--queue", action="store_true", help="queue the checks for `cms worker` instead of now")
    oversight.set_defaults(handler=cmd_oversight)

    search = sub.add_parser("search", help="search indexes")
    search_sub = search.add_subparsers(dest="action", required=True)
    with_data_dir(search_sub.add_parser("reindex", help="rebuild every site's search index (and Elasticsearch's)"))
    search.set_defaults(handler=cmd_search)

    bench = sub.add_parser("benchmark", help="measure against the stock peers, on a throwaway database")
    bench.add_argument(
        "target",
        choices=["graphql", "provisioning", "network", "search", "screening", "opinions", "oversight"],
        help="what to measure",
    )
    bench.add_argument(
        "--inbox", type=int, default=100_000, help="opinions: opinions already in the inbox (default 100000)"
    )
    bench.add_argument("--rate", type=float, default=50, help="opinions: submissions a second (default 50)")
    bench.add_argument(
        "--screening-words", type=int, default=10_000, help="screening: words in the generated lexicon (default 10000)"
    )
    bench.add_argument(
        "--sites",
        type=int,
        default=1000,
        help="provisioning: sites to grow the fleet to; network: sites in the index (default 1000)",
    )
    bench.add_argument("--items", type=int, default=50, help="network: published items a site (default 50)")
    bench.add_argument("--links", type=int, default=10_000, help="oversight: links to check (default 10000)")
    bench.add_argument("--hosts", type=int, default=20, help="oversight: local servers the links point at (default 20)")
    bench.add_argument(
        "--documents", type=int, default=100_000, help="search: documents in the national index (default 100000)"
    )
    bench.add_argument(
        "--fill",
        choices=["create", "replay"],
        default="create",
        help="provisioning: grow the fleet by creating sites (default), or by replaying the template into schemas"
        " with registry rows (thousands of sites in minutes; the creations measured are complete ones)",
    )
    bench.add_argument("--samples", type=int, default=5, help="provisioning: our samples at each checkpoint")
    bench.add_argument("--stock-samples", type=int, default=2, help="provisioning: stock samples at each checkpoint")
    bench.add_argument("--articles", type=int, default=100, help="articles in the benchmark site (default 100)")
    bench.add_argument("--seconds", type=float, default=10, help="seconds of load per endpoint (default 10)")
    bench.add_argument("--concurrency", type=int, default=4, help="concurrent client connections (default 4)")
    bench.add_argument("--requests", type=int, default=50, help="sequential requests for latency (default 50)")
    bench.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    bench.add_argument("--json", metavar="PATH", help="also write the key figures to this JSON file")
    bench.set_defaults(handler=cmd_benchmark)

    load = sub.add_parser("loadtest", help="the real server under a mixed load across N sites, on a throwaway database")
    load.add_argument("--sites", type=int, default=20, help="sites to build and spread the load over (default 20)")
    load.add_argument("--articles", type=int, default=5, help="published articles with images a site (default 5)")
    load.add_argument("--connections", type=int, default=32, help="concurrent client connections (default 32)")
    load.add_argument("--seconds", type=float, default=30, help="seconds of load (default 30)")
    load.add_argument("--requests", type=int, default=None, help="a cap on the total requests (default: none)")
    load.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    load.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker, as `cms up` (default 4)")
    load.add_argument(
        "--stock-worker",
        action="store_true",
        help="serve with gunicorn's own threaded worker (first come, first served) instead of ours, to compare",
    )
    # A front end's traffic: page views mostly answered from the answer cache (content changes far less often
    # than it is read), some executed, the national feed and search, an editor publishing now and then, and the
    # public sending opinions through the sites' mailboxes.
    load.add_argument(
        "--mix",
        default="cached=6,executed=1,feed=2,search=1,publish=0.1,opinion=0.2",
        help="weights of page views from the answer cache and executed, the national feed, search, editors'"
        " publishes and the public's opinions (default cached=6,executed=1,feed=2,search=1,publish=0.1,opinion=0.2)",
    )
    load.add_argument("--json", metavar="PATH", help="also write the key figures to this JSON file")
    load.set_defaults(handler=cmd_loadtest)

    suite = sub.add_parser(
        "bench", help="every benchmark (graphql, provisioning, network, search, loadtest), one table"
    )
    suite.add_argument(
        "--size",
        choices=["smoke", "full", "federation"],
        required=True,
        help="smoke: tiny, seconds each (a CI smoke run); full: each benchmark's defaults (an hour or more);"
        " federation: full, with 5,000 sites and 500,000 documents (about an hour and a half more)",
    )
    suite.add_argument("--only", help="comma-separated subset of graphql,provisioning,network,search,loadtest")
    suite.set_defaults(handler=cmd_bench)
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
    global _held_lock, _embedded_pgdata
    external = os.environ.get("DATABASE_URL")
    if external:
        dbserver.check_reachable(external)
        yield external
        return
    data_dir.ensure_writable()
    try:
        lock = data_dir.lock(wait_seconds=LOCK_WAIT_SECONDS if exclusive else 0)
    except DataDirError:
        if exclusive:
            raise
        lock = None  # a running `cms up` owns the server: use it, leave it running
    _held_lock, _embedded_pgdata = lock, data_dir.pgdata
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
        _held_lock = _embedded_pgdata = None
        if lock:
            dbserver.stop(data_dir.pgdata)
            lock.release()


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    import django

    django.setup()


def setup_django_without_database() -> None:
    """Django for what reads no data (help, theme checks): settings need a database URL and a secret to load."""
    os.environ.setdefault("DATABASE_URL", "postgres://localhost/unused")
    os.environ.setdefault("SECRET_KEY", "no-database-needed-here-" + "x" * 40)
    setup_django()


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
    # Absolute URLs carry the port readers use; behind a proxy on another port, set CMS_PUBLIC_PORT.
    os.environ.setdefault("CMS_PUBLIC_PORT", str(args.port))
    # Debug pages show settings and grow memory with every query: only when asked for.
    os.environ["DEBUG"] = "1" if args.dev else "0"
    _check_port_free(args.host, args.port, wait_seconds=LOCK_WAIT_SECONDS if data_dir.held_by_dead_process() else 0)
    started = time.monotonic()
    with database(data_dir, exclusive=True):
        setup_django()
        from sites.fleet import migrate_fleet

        report = migrate_fleet(progress=_say)
        if not report.ok:
            raise CmsError("Migrations failed; fix the cause and run `cms up` again (it resumes).")
        credentials = _admin_credentials(data_dir)
        _check_admin_password(credentials)
        from cms.core import demo
        from sites.services import ensure_central_office

        ensure_central_office(domain="localhost", admin=_site_admin(credentials))
        if not args.no_demo and not demo.network_is_built():
            _say("First run: building the demo network...")
            demo.build_demo_network(admin_password=credentials[1], progress=_say)
        from cms.network.index import index_is_missing, reindex_network

        if index_is_missing():  # a data folder from before the national index existed
            _say("Building the national index...")
            reindex_network(progress=_say)
        from django.db import connections

        connections.close_all()
        return _serve(args, data_dir, credentials, started)


def _serve(args, data_dir: DataDir, credentials: tuple[str, str], started: float) -> int:
    """Run gunicorn and the worker until Ctrl-C, healing what dies: the worker and the embedded
    PostgreSQL are restarted with backoff; gunicorn restarts its own workers."""
    from cms import supervisor

    env = dict(os.environ)
    keep_fds = (_held_lock.fileno(),) if _held_lock else ()
    web = supervisor.spawn(
        supervisor.gunicorn_command(
            bind=f"{args.host}:{args.port}", workers=args.workers, threads=args.threads, access_log=True
        ),
        env=env,
        keep_fds=keep_fds,
    )
    worker = supervisor.spawn([sys.executable, *worker_args()], env=env, keep_fds=keep_fds)
    worker_backoff = supervisor.Backoff()
    database_watch = (
        supervisor.PostgresWatch(_embedded_pgdata, dbserver.start, _say_error) if _embedded_pgdata else None
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
        if database_watch is not None:
            database_watch.check()
        if worker is not None and worker.poll() is not None:
            wait = worker_backoff.failed()
            _say_error(f"cms: the background worker stopped unexpectedly; restarting it in {wait:.0f} s.")
            worker = None
        if worker is None and worker_backoff.due():
            worker = supervisor.spawn([sys.executable, *worker_args()], env=env, keep_fds=keep_fds)
            worker_backoff.started()
    _say("Stopping...")
    _terminate(*(process for process in (web, worker) if process is not None))
    return exit_code


def cmd_migrate(args) -> int:
    with database(_data_dir(args), exclusive=False):
        setup_django()
        from sites.fleet import migrate_fleet

        report = migrate_fleet(progress=_say, stop_on_failure=not args.keep_going)
        _say(
            f"Done in {report.seconds:.1f} s: {len(report.migrated)} migrated, {report.up_to_date} already up to date"
            + (f", {len(report.failed)} failed (run `cms migrate` again to resume)" if report.failed else ".")
        )
        return 0 if report.ok else 1


def cmd_network(args) -> int:
    return _run_management_command(args, "network_reindex")


def cmd_oversight(args) -> int:
    options = {"site": getattr(args, "site", None), "queue": getattr(args, "queue", False)}
    return _run_management_command(args, "oversight", args.action, **options)


def cmd_search(args) -> int:
    return _run_management_command(args, "search_reindex")


def cmd_media(args) -> int:
    options = {"site": args.site, "delete": args.delete, "older_than_minutes": args.older_than_minutes}
    return _run_management_command(args, "media_check", **options)


def _run_management_command(args, name: str, *positional, **options) -> int:
    with database(_data_dir(args), exclusive=False):
        setup_django()
        from django.core.management import CommandError, call_command

        try:
            call_command(name, *positional, **options)
        except CommandError as error:
            raise CmsError(str(error)) from None
        return 0


def cmd_domain(args) -> int:
    """`cms sites ...`, `cms accounts ...`: the domain's own management command, against the database."""
    command, _ = DOMAIN_COMMANDS[args.domain]
    rest, data_dir = _without_data_dir(args.args)
    if not rest or "-h" in rest or "--help" in rest:  # help needs no database
        setup_django_without_database()
        from django.core.management import call_command

        call_command(command, "--help")
        return 0
    with database(_data_dir(argparse.Namespace(data_dir=data_dir)), exclusive=False):
        setup_django()
        from django.core.management import CommandError, call_command

        try:
            call_command(command, *rest)
        except CommandError as error:
            raise CmsError(str(error)) from None
    return 0


def _without_data_dir(argv: list[str]) -> tuple[list[str], str | None]:
    """`--data-dir X` (or `--data-dir=X`) anywhere in a domain command's arguments: the CLI's, not the command's."""
    rest, data_dir, skip = [], None, False
    for index, arg in enumerate(argv):
        if skip:
            skip = False
        elif arg == "--data-dir" and index + 1 < len(argv):
            data_dir, skip = argv[index + 1], True
        elif arg.startswith("--data-dir="):
            data_dir = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    return rest, data_dir


def cmd_themes(args) -> int:
    if args.action == "upgrade":
        return _upgrade_themes(args)
    if args.action == "from-site":
        return _theme_from_site(args)
    # Checking a theme needs the page models (for the parent/child rules), not a database or a secret.
    setup_django_without_database()
    from themes.blueprint import THEMES_DIR, ThemeError, available_themes, get_theme, load_theme

    if args.action == "list":
        for name in available_themes():
            theme = get_theme(name)
            print(f"{theme.name:24} v{theme.version}  {theme.title}  ({len(list(theme.all_pages()))} pages)")
        return 0
    paths = [Path(p) for p in args.paths] or sorted(THEMES_DIR.glob("*/theme.yaml"))
    failed = 0
    for path in paths:
        try:
            theme = load_theme(path)
            print(f"ok   {path}: {theme.name} v{theme.version}")
        except ThemeError as error:
            failed += 1
            print(f"bad  {error}", file=sys.stderr)
    return 1 if failed else 0


def _theme_from_site(args) -> int:
    with database(_data_dir(args), exclusive=False):
        setup_django()
        from django.core.exceptions import ValidationError

        from sites.model_sites import theme_from_site
        from sites.models import Association
        from themes.blueprint import ThemeError, load_theme

        site = Association.objects.filter(slug=args.slug).first()
        if site is None:
            raise CmsError(f"No site with slug '{args.slug}'.")
        try:
            path = theme_from_site(site=site, name=args.name, themes_dir=Path(args.out) if args.out else None)
        except (ValidationError, ThemeError) as error:
            raise CmsError(" ".join(getattr(error, "messages", [str(error)]))) from None
        theme = load_theme(path)
        _say(f"Wrote {path}: {theme.name} v{theme.version} ({len(list(theme.all_pages()))} pages)")
    return 0


def _upgrade_themes(args) -> int:
    with database(_data_dir(args), exclusive=False):
        setup_django()
        from sites.theme_upgrades import upgrade_sites
        from themes.blueprint import ThemeError, available_themes, get_theme

        try:
            names = [args.theme] if args.theme else available_themes()
            themes = [get_theme(name) for name in names]
        except ThemeError as error:
            raise CmsError(str(error)) from None
        total = 0
        for theme in themes:
            plans = upgrade_sites(theme, apply=args.apply, batch_size=args.batch_size, progress=_say)
            total += len(plans)
        if not args.apply:
            _say(f"Dry run: {total} site(s) on older theme versions. Run with --apply to make these changes.")
    return 0


def cmd_benchmark(args) -> int:
    import shutil
    import tempfile

    from django.core.management.utils import get_random_secret_key

    _benchmarks_package(f"benchmark {args.target}")

    root = Path(tempfile.mkdtemp(prefix="cms-benchmark-"))
    os.environ.update(
        CMS_DATA_DIR=str(root),
        CMS_MEDIA_ROOT=str(root / "media"),
        DJANGO_SETTINGS_MODULE="cms.settings.benchmark",
        SECRET_KEY=get_random_secret_key(),
        HTTPS="0",
    )
    os.environ.pop("DATABASE_URL", None)
    (root / "static").mkdir()
    web = None
    try:
        _say("Starting a throwaway PostgreSQL...")
        # Durable settings for provisioning (commits are part of what is measured); reads need no fsync.
        os.environ["DATABASE_URL"] = dbserver.start(
            root / "pg", fast_unsafe=args.target in ("graphql", "network", "search")
        )
        setup_django()
        from django.core.management import call_command
        from django.db import connections

        if args.target == "screening":  # in process, on generated corpora (benchmarks/screening.py)
            from benchmarks import screening

            words = args.screening_words
            figures = screening.measure(words=words, evasions=min(2000, words), clean=min(2000, words))
            print(screening.report(figures))
            _write_json(args, {"target": "screening", **figures})
            return 0
        if args.target == "opinions":
            return _benchmark_opinions(args)
        if args.target == "provisioning":
            from benchmarks import provisioning
            from sites.fleet import migrate_fleet

            migrate_fleet(progress=lambda line: None)
            figures = {}
            report = provisioning.run(
                total=args.sites,
                samples=args.samples,
                stock_samples=args.stock_samples,
                progress=_say,
                figures=figures,
                fill=args.fill,
            )
            print()
            print(report, flush=True)
            _write_json(args, {"target": "provisioning", **figures})
            return 0
        if args.target == "oversight":
            from benchmarks import oversight
            from sites.services import ensure_central_office

            call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
            ensure_central_office(domain="localhost")
            figures = oversight.run(
                sites=args.sites, items=args.items, links=args.links, hosts=args.hosts, progress=_say
            )
            print(oversight.report(figures), flush=True)
            _write_json(args, {"target": "oversight", **figures})
            return 0
        if args.target == "network":
            from benchmarks import network as network_benchmark
            from sites.services import ensure_central_office

            call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
            ensure_central_office(domain="localhost")
            try:
                network = network_benchmark.build_network(sites=args.sites, items_per_site=args.items, progress=_say)
            except ValueError as error:
                raise CmsError(str(error)) from None
            _say("Counting SQL queries in-process...")
            in_process = network_benchmark.count_queries_in_process(network)
            connections.close_all()
            web, port = _start_benchmark_server(workers=args.workers)
            _say("Measuring the feeds (executed, then answer cache on)...")
            rows = network_benchmark.measure(
                base_url=f"http://127.0.0.1:{port}/graphql/", network=network, requests=args.requests, progress=_say
            )
            print()
            print(
                network_benchmark.report(
                    rows,
                    network,
                    sites=args.sites,
                    items_per_site=args.items,
                    workers=args.workers,
                    requests=args.requests,
                    in_process=in_process,
                ),
                flush=True,
            )
            _write_json(
                args,
                {
                    "target": "network",
                    "sites": args.sites,
                    "items_per_site": args.items,
                    "executed_p95_ms": max(row.executed.p95_ms for row in rows),
                    "cached_p95_ms": max(row.cached.p95_ms for row in rows),
                    "rows": [
                        {
                            "label": row.label,
                            "items": row.items,
                            "sql": row.executed.queries,
                            "executed_p50_ms": row.executed.p50_ms,
                            "executed_p95_ms": row.executed.p95_ms,
                            "cached_p50_ms": row.cached.p50_ms,
                            "cached_p95_ms": row.cached.p95_ms,
                        }
                        for row in rows
                    ],
                },
            )
            return 0
        if args.target == "search":
            from benchmarks import search as relevance
            from sites.services import ensure_central_office

            call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
            ensure_central_office(domain="localhost")
            try:
                corpus = relevance.build_corpus(documents=args.documents, progress=_say)
            except ValueError as error:
                raise CmsError(str(error)) from None
            relevance.add_baseline_index()
            _say(f"Judging {len(corpus.queries)} queries, ours and plain PostgreSQL...")
            evaluations = {name: relevance.evaluate(corpus, system) for name, system in relevance.SYSTEMS.items()}
            _say("Measuring latency in-process...")
            latency = relevance.measure_latency(corpus)
            connections.close_all()
            web, port = _start_benchmark_server(workers=args.workers)
            _say("Measuring national search over HTTP...")
            http = relevance.measure_http(base_url=f"http://127.0.0.1:{port}/graphql/", corpus=corpus, progress=_say)
            print()
            print(relevance.report(corpus, evaluations, latency, http=http, workers=args.workers), flush=True)
            means = {name: evaluation.mean() for name, evaluation in evaluations.items()}
            _write_json(
                args,
                {
                    "target": "search",
                    "documents": corpus.documents,
                    "sites": corpus.sites,
                    **{
                        f"{name}_{metric}": getattr(mean, metric)
                        for name, mean in means.items()
                        for metric in ("precision", "recall", "ndcg")
                    },
                    **{f"{name}_p{p}_ms": getattr(lat, f"p{p}_ms") for name, lat in latency.items() for p in (50, 95)},
                    "http_p50_ms": http.p50_ms,
                    "http_p95_ms": http.p95_ms,
                    "ndcg_by_kind": relevance.ndcg_by_kind(corpus, evaluations),
                },
            )
            return 0
        from benchmarks import graphql as benchmark
        from cms.api.examples import STOCK_PAGE_QUERY, TYPICAL_PAGE_QUERY
        from sites.services import ensure_central_office

        call_command("migrate_schemas", interactive=False, verbosity=0)
        ensure_central_office(domain="localhost")
        benchmark.build_site(articles=args.articles, progress=_say)
        connections.close_all()
        web, port = _start_benchmark_server(workers=args.workers)
        common = dict(requests_for_latency=args.requests, seconds=args.seconds, concurrency=args.concurrency)
        ours_url = f"http://127.0.0.1:{port}/graphql/"
        _say("Measuring our endpoint, answer cache on...")
        cached = benchmark.measure(
            name="ours", url=ours_url, query=TYPICAL_PAGE_QUERY, list_key="contentPages", **common
        )
        _say("Measuring our endpoint, every request executed...")
        executed = benchmark.measure(
            name="ours, executed", url=ours_url, query=TYPICAL_PAGE_QUERY, list_key="contentPages", fresh=True, **common
        )
        _terminate(web)
        # The same executed requests with the page-tree cache off: what execution costs on a cold cache.
        web, port = _start_benchmark_server(workers=args.workers, env={"GRAPHQL_PAGE_CACHE_MB": "0"})
        ours_url = f"http://127.0.0.1:{port}/graphql/"
        _say("Measuring our endpoint, every request executed, page-tree cache off...")
        cold = benchmark.measure(
            name="executed, no trees",
            url=ours_url,
            query=TYPICAL_PAGE_QUERY,
            list_key="contentPages",
            fresh=True,
            **common,
        )
        _say("Measuring stock wagtail-grapple...")
        stock = benchmark.measure(
            name="stock",
            url=f"http://127.0.0.1:{port}/graphql-stock/",
            query=STOCK_PAGE_QUERY,
            list_key="pages",
            **common,
        )
        print()
        print(
            benchmark.report(
                [cached, executed, cold],
                stock,
                articles=args.articles,
                workers=args.workers,
                concurrency=args.concurrency,
                seconds=args.seconds,
            ),
            flush=True,
        )
        _write_json(
            args,
            {
                "target": "graphql",
                "articles": args.articles,
                **{
                    key: {
                        "queries": r.queries,
                        "items": r.items,
                        "median_ms": r.median_ms,
                        "p95_ms": r.p95_ms,
                        "throughput": r.throughput,
                    }
                    for key, r in (
                        ("cached", cached),
                        ("executed", executed),
                        ("executed_no_page_trees", cold),
                        ("stock", stock),
                    )
                },
            },
        )
        return 0
    finally:
        if web is not None:
            _terminate(web)
        from django.db import connections

        connections.close_all()
        dbserver.stop(root / "pg")
        shutil.rmtree(root, ignore_errors=True)


def _write_json(args, figures: dict) -> None:
    """`--json PATH`: the key figures of the report just printed, for `cms bench`."""
    import json

    if getattr(args, "json", None):
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=2, default=str) + "\n")


def _benchmark_opinions(args) -> int:
    """Submissions at a steady rate through gunicorn and the inbox of a big site (benchmarks/opinions.py)."""
    import secrets

    from django.core.management import call_command
    from django.db import connections

    from benchmarks import opinions
    from sites.services import ensure_central_office

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    ensure_central_office(domain="localhost")
    password = secrets.token_urlsafe(18)
    _say(f"Building a site with {args.inbox:,} opinions...")
    opinions.build(inbox=args.inbox, password=password, progress=_say)
    connections.close_all()
    env = {"CMS_CLIENT_IP_HEADER": "X-Real-IP", "CMS_REQUIRE_2FA": "0", "CMS_OPINION_MIN_FILL_SECONDS": "1"}
    web, port = _start_benchmark_server(workers=args.workers, threads=4, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        figures = opinions.Figures(inbox_size=args.inbox, rate=args.rate, seconds=args.seconds)
        count = int(args.rate * args.seconds)
        _say(f"Fetching {count} form tokens, then waiting the minimum fill time...")
        tokens = opinions.tokens(base=base, count=count + 10)
        time.sleep(1.2)
        _say("Ten submissions one after another (unloaded latency)...")
        opinions.sequential(base=base, form_tokens=tokens[count:], figures=figures)
        tokens = tokens[:count]
        _say(f"Submitting {args.rate:g}/s for {args.seconds:g} s...")
        acknowledged = opinions.submit_load(
            base=base, rate=args.rate, seconds=args.seconds, form_tokens=tokens, figures=figures
        )
        opinions.check_stored(acknowledged=acknowledged, figures=figures)
        _say("Opening the inbox...")
        opinions.measure_inbox(base=base, password=password, requests_count=args.requests, figures=figures)
    finally:
        _terminate(web)
    print()
    print(opinions.report(figures, workers=args.workers), flush=True)
    _write_json(args, {"target": "opinions", **figures.as_json()})
    return 0


def _benchmarks_package(command: str):
    """The top-level `benchmarks` package of the source checkout (it is not installed with the product)."""
    import importlib

    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "benchmarks" / "__init__.py").is_file() and str(checkout) not in sys.path:
        sys.path.append(str(checkout))
    try:
        return importlib.import_module("benchmarks")
    except ImportError:
        raise CmsError(f"cms {command} needs the benchmarks/ folder of a source checkout.") from None


def cmd_loadtest(args) -> int:
    import shutil
    import tempfile

    from django.core.management.utils import get_random_secret_key

    _benchmarks_package("loadtest")
    from benchmarks import loadtest

    try:
        mix = loadtest.parse_mix(args.mix)
    except ValueError as error:
        raise CmsError(str(error)) from None
    for name in ("sites", "connections", "workers"):
        if getattr(args, name) < 1:
            raise CmsError(f"--{name} must be at least 1.")
    if (
        args.seconds <= 0
        or args.seconds > 3600
        or args.articles < 0
        or (args.requests is not None and args.requests < 1)
    ):
        raise CmsError("--seconds must be above 0 and at most 3600, --articles 0 or more, --requests at least 1.")
    root = Path(tempfile.mkdtemp(prefix="cms-loadtest-"))
    os.environ.update(
        CMS_DATA_DIR=str(root),
        CMS_MEDIA_ROOT=str(root / "media"),
        DJANGO_SETTINGS_MODULE="cms.settings.benchmark",
        SECRET_KEY=get_random_secret_key(),
        HTTPS="0",
    )
    os.environ.pop("DATABASE_URL", None)
    (root / "static").mkdir()
    web = None
    editor_password = secrets.token_urlsafe(16)
    try:
        _say("Starting a throwaway PostgreSQL...")
        os.environ["DATABASE_URL"] = dbserver.start(root / "pg", fast_unsafe=True)
        setup_django()
        from django.core.management import call_command
        from django.db import connections

        from sites.services import ensure_central_office

        call_command("migrate_schemas", interactive=False, verbosity=0)
        ensure_central_office(domain="localhost")
        _say(
            f"Building {args.sites} sites with {args.articles} articles each "
            "(the first builds the blank theme's template)..."
        )
        sites = loadtest.build_sites(
            sites=args.sites, articles=args.articles, editor_password=editor_password, progress=_say
        )
        connections.close_all()
        port = _free_port()
        web, port = _start_benchmark_server(
            workers=args.workers,
            threads=args.threads,
            stock_worker=args.stock_worker,
            port=port,
            env={
                "CMS_PUBLIC_PORT": str(port),
                "CMS_REQUIRE_2FA": "0",
                # opinions come from many addresses, as behind a proxy, and may be sent a second after the form
                "CMS_CLIENT_IP_HEADER": loadtest.CLIENT_IP_HEADER,
                "CMS_OPINION_MIN_FILL_SECONDS": str(loadtest.MIN_FILL_SECONDS),
                # each answer says whether the answer cache gave it: the two kinds have their own targets
                "GRAPHQL_CACHE_STATUS_HEADER": "1",
            },
        )
        result = loadtest.run(
            port=port,
            sites=sites,
            editor_password=editor_password,
            mix=mix,
            connections=args.connections,
            seconds=args.seconds,
            max_requests=args.requests,
            workers=args.workers,
            threads=args.threads,
            articles=args.articles,
            gunicorn_pid=web.pid,
            pgdata=root / "pg",
            stock_worker=args.stock_worker,
            progress=_say,
        )
        print()
        print(loadtest.report(result), flush=True)
        _write_json(args, {"target": "loadtest", **loadtest.figures(result)})
        return 0
    finally:
        if web is not None:
            _terminate(web)
        from django.db import connections

        connections.close_all()
        dbserver.stop(root / "pg")
        shutil.rmtree(root, ignore_errors=True)


def cmd_bench(args) -> int:
    _benchmarks_package("bench")
    from benchmarks import suite

    try:
        targets = suite.targets(args.only)
    except ValueError as error:
        raise CmsError(str(error)) from None
    return suite.run(size=args.size, targets=targets, progress=_say)


def _start_benchmark_server(
    *,
    workers: int,
    threads: int = 1,
    port: int | None = None,
    env: dict[str, str] | None = None,
    stock_worker: bool = False,
) -> tuple[subprocess.Popen, int]:
    from cms.supervisor import gunicorn_command

    port = port or _free_port()
    web = subprocess.Popen(
        gunicorn_command(bind=f"127.0.0.1:{port}", workers=workers, threads=threads, stock_worker=stock_worker),
        env={**os.environ, **(env or {})},
    )
    if not _wait_until_listening("127.0.0.1", port, web):
        _terminate(web)
        raise CmsError("The benchmark server did not start.")
    return web, port


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_scheduler(stop: threading.Event) -> None:
    """Scheduled publishing for every site, and queueing the opinion watch's due feeds, once a minute."""
    from django.core.management import call_command
    from django.db import connections

    while not stop.wait(SCHEDULE_INTERVAL_SECONDS):
        try:
            call_command("publish_scheduled_all")
        except BaseException as error:  # keep serving; report and try again next minute
            print(f"cms: scheduled publishing failed: {error}", file=sys.stderr)
        finally:
            connections.close_all()
        try:
            call_command("watch_fetch", stdout=io.StringIO())  # queue the opinion watch's due feeds
        except BaseException as error:
            print(f"cms: queueing the opinion watch's feeds failed: {error}", file=sys.stderr)
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


def _check_port_free(host: str, port: int, *, wait_seconds: float = 0) -> None:
    """Refuse a port in use, with one sentence; wait a little when it is being let go (the children of a
    `cms up` that was killed stop within seconds)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
                return
            except OSError:
                if time.monotonic() >= deadline:
                    raise CmsError(f"Port {port} on {host} is already in use; choose another with --port.") from None
        time.sleep(0.25)


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
            password = secrets.token_urlsafe(16)  # 22 characters
            data_dir.credentials_file.write_text(f"admin:{password}\n")
            data_dir.credentials_file.chmod(0o600)
    return "admin", password


def _check_admin_password(credentials: tuple[str, str]) -> None:
    from django.core.exceptions import ValidationError

    from cms.accounts.services import validate_admin_password

    try:
        validate_admin_password(username=credentials[0], password=credentials[1])
    except ValidationError as error:
        raise CmsError(f"CMS_ADMIN_PASSWORD: {' '.join(error.messages)}") from None


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
    from django.conf import settings

    if settings.CMS_REQUIRE_2FA:
        lines.append(
            "Two-factor login is on: the first admin login asks you to set up an authenticator app "
            "(CMS_REQUIRE_2FA=0 turns it off)."
        )
    lines.append("Press Ctrl-C to stop.\n")
    from django.db import connections

    connections.close_all()
    print("\n".join(lines), flush=True)


def _say(message: str) -> None:
    print(message, flush=True)


def _say_error(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
