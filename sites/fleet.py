"""Fleet migrations: apply pending migrations to every schema, skipping the ones that are up to date fast.

Which migrations each schema has is read in a few statements for all schemas at once
(not one `migrate` per schema), so a deploy with nothing to apply checks a thousand
sites in seconds. Only schemas with something pending are migrated, one at a time, with
progress. Migrations that are pure schema changes are rendered to SQL once and run in
each schema in its own transaction; others go through Django's migrate. A rerun after a
failure simply finds the schemas still pending: it resumes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import get_public_schema_name

from .models import Association

CHUNK = 200

log = logging.getLogger(__name__)


@dataclass
class FleetReport:
    checked: int = 0
    up_to_date: int = 0
    migrated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


def expected_migrations(app_names: list[str]) -> set[tuple[str, str]]:
    labels = {config.label for config in apps.get_app_configs() if config.name in set(app_names)}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {key for key in loader.graph.nodes if key[0] in labels}


def applied_migrations(schemas: list[str]) -> dict[str, set[tuple[str, str]]]:
    """{schema: {(app, name), ...}} for many schemas in one statement per chunk."""
    applied: dict[str, set] = {schema: set() for schema in schemas}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'django_migrations'"
            " AND table_schema = ANY(%s)",
            [schemas],
        )
        with_table = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(with_table), CHUNK):
            chunk = with_table[start : start + CHUNK]
            union = " UNION ALL ".join(
                f'SELECT %s AS schema, app, name FROM "{schema}".django_migrations'  # noqa: S608 (our schema names)
                for schema in chunk
            )
            cursor.execute(union, chunk)
            for schema, app, name in cursor.fetchall():
                applied[schema].add((app, name))
    return applied


def pending_by_schema() -> dict[str, set[tuple[str, str]]]:
    """Every schema (public first) with the migrations it still lacks; up-to-date ones map to an empty set."""
    public = get_public_schema_name()
    connection.set_schema_to_public()
    shared_missing = expected_migrations(settings.SHARED_APPS) - applied_migrations([public])[public]
    if ("sites", "0001_initial") in shared_missing:
        return {public: shared_missing}  # a new database: no registry of sites yet
    schemas = list(Association.objects.exclude(schema_name=public).order_by("id").values_list("schema_name", flat=True))
    applied = applied_migrations(schemas)
    tenant = expected_migrations(settings.TENANT_APPS)
    return {public: shared_missing, **{schema: tenant - applied[schema] for schema in schemas}}


def schema_only_sql(migrations: set[tuple[str, str]], schema: str) -> str | None:
    """The SQL of `migrations`, in dependency order, if they are pure schema changes; else None.

    Rendered once (against `schema`, for any names Django looks up) and then run in every
    schema that lacks exactly these migrations: far cheaper than a `migrate` per schema.
    """
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.operations.special import RunPython

    connection.set_schema(schema)
    try:
        executor = MigrationExecutor(connection)
        graph = executor.loader.graph
        ordered: list = []
        for leaf in sorted(graph.leaf_nodes()):
            for key in graph.forwards_plan(leaf):
                if key in migrations and key not in ordered:
                    ordered.append(key)
        plan = [(executor.loader.graph.nodes[key], False) for key in ordered]
        if len(plan) != len(migrations):
            return None
        if any(isinstance(op, RunPython) for migration, _ in plan for op in migration.operations):
            return None
        return "\n".join(executor.loader.collect_sql(plan))
    finally:
        connection.set_schema_to_public()


def _apply_sql(schema: str, sql: str, migrations: set[tuple[str, str]]) -> None:
    """Run rendered migration SQL in one schema, record it, and do what migrate's post_migrate would:
    content types and permissions for the apps concerned."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes
    from django.db import transaction
    from django_tenants.utils import schema_context

    with schema_context(schema), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            for app, name in sorted(migrations):
                cursor.execute("INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, now())", [app, name])
        for label in sorted({app for app, _ in migrations}):
            config = apps.get_app_config(label)
            create_contenttypes(config, verbosity=0)
            create_permissions(config, verbosity=0)


def migrate_fleet(*, progress: Callable[[str], None] = print, stop_on_failure: bool = True) -> FleetReport:
    """The public schema first, then every site with something pending, one at a time."""
    started = time.monotonic()
    report = FleetReport()
    public = get_public_schema_name()
    pending = pending_by_schema()
    if pending[public]:
        step = time.monotonic()
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        connection.set_schema_to_public()
        report.migrated.append(public)
        progress(f"  public: {len(pending[public])} applied in {time.monotonic() - step:.1f} s")
        pending = pending_by_schema()
    report.checked = len(pending)
    todo = [schema for schema, missing in pending.items() if missing]
    report.up_to_date = report.checked - len(todo)
    progress(
        f"Checked {report.checked} schemas in {time.monotonic() - started:.1f} s: "
        f"{report.up_to_date} up to date, {len(todo)} to migrate."
    )
    rendered: dict[frozenset, str | None] = {}
    for index, schema in enumerate(todo, start=1):
        step = time.monotonic()
        missing = frozenset(pending[schema])
        try:
            if missing not in rendered:
                rendered[missing] = schema_only_sql(set(missing), schema)
            if rendered[missing] is not None:
                _apply_sql(schema, rendered[missing], set(missing))
            else:  # data migrations and the like: Django's own path
                call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0)
        except Exception as error:  # report which site failed and why; a rerun resumes from here
            report.failed[schema] = f"{type(error).__name__}: {error}"
            log.error("Migrating %s failed: %s", schema, report.failed[schema])
            progress(f"  [{index}/{len(todo)}] {schema}: FAILED: {report.failed[schema]}")
            if stop_on_failure:
                break
            continue
        finally:
            connection.set_schema_to_public()
        report.migrated.append(schema)
        log.info("Migrated %s: %s", schema, ", ".join(f"{app}.{name}" for app, name in sorted(pending[schema])))
        progress(f"  [{index}/{len(todo)}] {schema}: {len(pending[schema])} applied in {time.monotonic() - step:.1f} s")
    report.seconds = time.monotonic() - started
    return report
