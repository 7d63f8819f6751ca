"""`cms benchmark provisioning`: new sites from our templates vs stock django-tenants, as the fleet grows.

Stock peers, measured on the same database: a tenant created by running migrations into a
new schema (django-tenants' auto_create_schema), and django-tenants' clone_schema of an
existing site. The fleet check compares our one-pass pending-migration scan with stock
`migrate_schemas` on a sample of sites (extrapolated, and labelled so).
"""

from __future__ import annotations

import statistics
import time
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
) -> str:
    """The report as text; `figures`, if given, is filled with the key figures (for `cms benchmark --json`)."""
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
    for checkpoint in checkpoints:
        while made < checkpoint:
            ours()
            made += 1
            if made % 50 == 0:
                progress(f"  {made}/{checkpoint} sites")
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
    if figures is not None:
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
    return "\n".join(lines)


def _stock_migrations(schema: str) -> None:
    Association(schema_name=schema).create_schema(check_if_exists=False, verbosity=0)
    connection.set_schema_to_public()


def _stock_clone(base: str, schema: str) -> None:
    from django_tenants.clone import CloneSchema

    CloneSchema().clone_schema(base, schema)
    connection.set_schema_to_public()
