"""`cms benchmark provisioning`: new sites from our templates vs stock django-tenants, as the fleet grows.

Stock peers, measured on the same database: a tenant created by running migrations into a
new schema (django-tenants' auto_create_schema), and django-tenants' clone_schema of an
existing site. The fleet check compares our one-pass pending-migration scan with stock
`migrate_schemas` on a sample of sites (extrapolated, and labelled so).

The fleet grows between checkpoints by creating sites (`fill="create"`), or, to reach thousands of sites in
minutes rather than hours, by replaying the template into schemas with registry rows (`fill="replay"`: each a
whole site's schema, tables and content, without the per-site steps of a creation: domain, personalised
settings, national index entries). The creations measured at each checkpoint are always complete ones. At the
end: PostgreSQL's catalogue (relations, sizes), its memory, and what VACUUM and ANALYZE of the catalogue cost.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from functools import partial

from django.core.management import call_command
from django.db import connection

from sites.fleet import migrate_fleet, pending_by_schema
from sites.models import Association
from sites.provisioning import ensure_template, refill_spares
from sites.services import create_site
from themes.blueprint import get_theme

NEW_MIGRATION = "0002_delete_contentversion"
FILLS = ("create", "replay")
# The catalogue tables that grow with every schema (a site's schema adds about 540 relations).
CATALOGUE = ("pg_class", "pg_attribute", "pg_depend", "pg_index", "pg_type", "pg_constraint", "pg_attrdef")


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def run(
    *,
    total: int,
    samples: int,
    stock_samples: int,
    progress: Callable[[str], None] = print,
    figures: dict | None = None,
    fill: str = "create",
) -> str:
    """The report as text; `figures`, if given, is filled with the key figures (for `cms benchmark --json`)."""
    if fill not in FILLS:
        raise ValueError(f"The fleet is filled by one of {', '.join(FILLS)}, not {fill!r}.")
    national = create_site(
        name="基准全国文联",
        short_name="基准",
        slug="bench-root",
        kind="national_federation",
        domain="bench-root.localhost",
        theme="national_association",
        progress=progress,
    )
    made = 0
    counter = iter(range(10**9))

    def ours():
        n = next(counter)
        create_site(
            name=f"基准省文联{n}",
            short_name=f"省{n}",
            slug=f"bench-{n}",
            kind="provincial",
            domain=f"bench-{n}.localhost",
            parent=national,
            theme="provincial_federation",
        )

    progress("Building the provincial template once...")
    template_seconds = _timed(ours)
    made += 1
    template = ensure_template(get_theme("provincial_federation"))
    rows = []
    checkpoints = [c for c in (0, 100, 1000) if c <= total] or [0]
    if total not in checkpoints:
        checkpoints.append(total)
    fill_started = time.perf_counter()
    for checkpoint in checkpoints:
        while made < checkpoint:
            if fill == "replay":
                _replayed_site(template, national)
            else:
                ours()
            made += 1
            if made % 50 == 0:
                progress(f"  {made}/{checkpoint} sites ({time.perf_counter() - fill_started:.0f} s)")
        pool_times = []
        for _ in range(samples):
            refill_spares(template, target=1)  # the worker's job between creations: not timed
            pool_times.append(_timed(ours))
        replay_times = [_timed(ours) for _ in range(samples)]  # the pool is empty now: replayed
        made += 2 * samples
        stock_names = [f"stock_{checkpoint}_{i}" for i in range(stock_samples)]
        clone_names = [f"clone_{checkpoint}_{i}" for i in range(stock_samples)]
        stock_times = [_timed(partial(_stock_migrations, name)) for name in stock_names]
        clone_times = [_timed(partial(_stock_clone, "bench_0", name)) for name in clone_names]
        for schema in stock_names + clone_names:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        rows.append(
            (
                made - 2 * samples,
                statistics.median(pool_times),
                statistics.median(replay_times),
                statistics.median(stock_times),
                statistics.median(clone_times),
            )
        )
        progress(
            f"  at {rows[-1][0]} sites: ours {rows[-1][1]:.2f} s (spare ready), {rows[-1][2]:.2f} s (replay);"
            f" stock migrations {rows[-1][3]:.2f} s, stock clone {rows[-1][4]:.2f} s"
        )

    sites = Association.objects.exclude(schema_name="public").count()
    check_seconds = _timed(pending_by_schema)
    sample = list(Association.objects.filter(slug__startswith="bench-").values_list("schema_name", flat=True)[:10])
    stock_check = _timed(
        lambda: [
            call_command("migrate_schemas", tenant=True, schema_name=s, interactive=False, verbosity=0) for s in sample
        ]
    ) / len(sample)
    # One new migration reaching every site: take the api app's last migration (api.0002, which drops the
    # api_contentversion table) back out of all schemas, as if it had just been written, with the table it
    # drops put back, and time the fleet migration that applies it.
    schemas = list(Association.objects.exclude(schema_name="public").values_list("schema_name", flat=True))
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(
                f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s',  # noqa: S608 (our own schema names)
                ["api", NEW_MIGRATION],
            )
            cursor.execute(f'CREATE TABLE "{schema}".api_contentversion (id bigint PRIMARY KEY)')
    report = migrate_fleet(progress=lambda line: None, stop_on_failure=False)
    catalogue = catalogue_figures()
    if figures is not None:
        figures.update(fill=fill, catalogue=catalogue)
        at, pool, replay, stock_migrations, stock_clone = rows[-1]
        figures.update(
            template_seconds=template_seconds,
            sites_present=at,
            ours_spare_ready_s=pool,
            ours_replayed_s=replay,
            stock_migrations_s=stock_migrations,
            stock_clone_s=stock_clone,
            noop_fleet_check_s=check_seconds,
            noop_fleet_sites=sites,
            stock_noop_check_s_per_site=stock_check,
            new_migration_s=report.seconds,
            new_migration_sites=len(report.migrated),
            new_migration_failed=len(report.failed),
            rows=[
                dict(
                    zip(
                        (
                            "sites_present",
                            "ours_spare_ready_s",
                            "ours_replayed_s",
                            "stock_migrations_s",
                            "stock_clone_s",
                        ),
                        row,
                        strict=True,
                    )
                )
                for row in rows
            ],
        )
    lines = [
        "Provisioning benchmark: a complete site (schema, registry entry, domain, Wagtail site, theme content, media)",
        f"Template build (once per theme version): {template_seconds:.1f} s",
        "",
        f"{'sites present':>14}{'ours, spare ready':>19}{'ours, replay':>14}{'stock migrations':>18}{'stock clone':>14}",
    ]
    lines += [f"{n:>14}{p:>18.2f}s{r:>13.2f}s{m:>17.2f}s{c:>13.2f}s" for n, p, r, m, c in rows]
    lines += [
        f"(ours: median of {samples} each; stock: median of {stock_samples}; stock makes an empty schema, ours a whole site."
        " 'spare ready': the worker had replayed a spare schema beforehand, as it does after every creation.)",
        "",
        f"No-op fleet migration over {sites} sites: ours {check_seconds:.2f} s (one scan);"
        f" stock migrate_schemas {stock_check:.2f} s a site, about {stock_check * sites:.0f} s for all"
        f" (extrapolated from {len(sample)}).",
        f"One new migration (api.0002, dropping a table) reaching {len(report.migrated)} sites: {report.seconds:.1f} s"
        f" ({report.seconds / max(len(report.migrated), 1):.2f} s a site), {len(report.failed)} failed.",
    ]
    if fill == "replay":
        lines.append(
            "(The fleet was filled by replaying the template into schemas with registry rows: whole schemas, without"
            " the per-site steps; each creation measured above is a complete one.)"
        )
    lines += ["", catalogue_report(catalogue)]
    return "\n".join(lines)


def _replayed_site(template, national: Association) -> None:
    """A schema replayed from the template and its registry row, committed: the fleet as PostgreSQL sees it."""
    from django.db import transaction

    from sites.provisioning import replay_template

    name = f"fill_{uuid.uuid4().hex[:12]}"
    with transaction.atomic():
        replay_template(template, name)
        Association.objects.bulk_create(
            [
                Association(
                    name=f"填充{name}",
                    short_name=name[-6:],
                    slug=name.replace("_", "-"),
                    schema_name=name,
                    kind=Association.Kind.COUNTY,
                    parent=national,
                    theme=template.theme,
                    theme_version=template.theme_version,
                )
            ]
        )


def catalogue_figures() -> dict:
    """PostgreSQL's catalogue with the fleet in it: relations, schemas, sizes, memory, VACUUM and ANALYZE costs."""
    import psutil

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class")
        relations = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_namespace")
        schemas = cursor.fetchone()[0]
        sizes = {}
        for table in CATALOGUE:
            cursor.execute("SELECT pg_total_relation_size(%s::regclass)", [f"pg_catalog.{table}"])
            sizes[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pg_catalog' AND c.relkind = 'r'"
        )
        catalogue_bytes = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        database_bytes = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
        cursor.execute("SELECT pg_backend_pid()")
        backend = psutil.Process(cursor.fetchone()[0])
        postmaster = backend.parent()
        processes = [postmaster, *postmaster.children()]
        rss = sum(p.memory_info().rss for p in processes)
        backend_rss = backend.memory_info().rss
        started = time.perf_counter()
        for table in CATALOGUE:
            cursor.execute(f"VACUUM pg_catalog.{table}")
        vacuum_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for table in CATALOGUE:
            cursor.execute(f"ANALYZE pg_catalog.{table}")
        analyze_seconds = time.perf_counter() - started
    return {
        "relations": relations,
        "schemas": schemas,
        "catalogue_bytes": catalogue_bytes,
        "table_bytes": sizes,
        "database_bytes": database_bytes,
        "shared_buffers": shared_buffers,
        "postgres_rss_bytes": rss,
        "postgres_processes": len(processes),
        "benchmark_backend_rss_bytes": backend_rss,
        "vacuum_seconds": vacuum_seconds,
        "analyze_seconds": analyze_seconds,
    }


def catalogue_report(figures: dict) -> str:
    mib = 2**20
    tables = ", ".join(f"{name} {size / mib:,.0f} MiB" for name, size in figures["table_bytes"].items())
    return "\n".join(
        [
            f"PostgreSQL's catalogue: {figures['relations']:,} relations in {figures['schemas']:,} schemas;"
            f" {figures['catalogue_bytes'] / mib:,.0f} MiB of catalogue tables ({tables});"
            f" database {figures['database_bytes'] / mib:,.0f} MiB.",
            f"Memory: {figures['postgres_processes']} PostgreSQL processes, {figures['postgres_rss_bytes'] / mib:,.0f} MiB"
            f" resident in all (shared_buffers {figures['shared_buffers']}, counted in each process that touched it);"
            f" the benchmark's own backend, which has touched every schema's catalogue entries:"
            f" {figures['benchmark_backend_rss_bytes'] / mib:,.0f} MiB.",
            f"VACUUM of the catalogue tables: {figures['vacuum_seconds']:.1f} s; ANALYZE: {figures['analyze_seconds']:.1f} s.",
        ]
    )


def _stock_migrations(schema: str) -> None:
    Association(schema_name=schema).create_schema(check_if_exists=False, verbosity=0)
    connection.set_schema_to_public()


def _stock_clone(base: str, schema: str) -> None:
    from django_tenants.clone import CloneSchema

    CloneSchema().clone_schema(base, schema)
    connection.set_schema_to_public()
