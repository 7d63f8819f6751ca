"""Site templates built once per theme version, and new sites made by replaying them.

Building a template migrates a scratch schema, installs the theme (pages, groups,
workflow, settings, logo) and keeps the schema as SQL from pg_dump. Creating a site
replays that SQL under the new schema's name inside the same transaction as the
registry rows, so a site is made in a fraction of a second, whatever the number of
sites already there, and a failure leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_context, schema_exists

from cms.dbserver import PgDumpError, pg_dump_for
from cms.text.segmentation import INDEX_FORMAT
from themes.blueprint import Theme

from .models import Association, SiteTemplate, SpareSchema

# pg_dump's preamble sets session state (SET ..., set_config('search_path', ...)): dropped, so
# that nothing of it outlives the transaction. Its psql-only \restrict lines are dropped too.
_PREAMBLE_LINE = re.compile(r"^(SET |SELECT pg_catalog\.set_config|--|\s*$)")
_RESTRICT_KEY = re.compile(r"^\\restrict (\w+)\s*$", re.MULTILINE)


class ProvisioningError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def migration_fingerprint() -> str:
    """A short hash of every migration of the apps in a site's schema, as they are on disk.

    Computed once per process: the migrations on disk change only with a deploy (a restart)."""
    from django.apps import apps

    loader = MigrationLoader(None, ignore_no_migrations=True)
    tenant_apps = set(settings.TENANT_APPS)
    labels = {config.label for config in apps.get_app_configs() if config.name in tenant_apps}
    names = sorted(f"{app}.{name}" for app, name in loader.disk_migrations if app in labels)
    # A template also holds the search index of its pages: a new way of indexing text means a new template.
    names.append(f"search-index-format.{INDEX_FORMAT}")
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:10]


def template_schema_name(theme: Theme, fingerprint: str) -> str:
    return f"cms_tpl_{theme.name}_v{theme.version}_{fingerprint}"


TEMPLATE_LOCK_NAMESPACE = 0x74706C74  # "tplt": held while a theme's template is being built


def ensure_template(theme: Theme, *, progress=None) -> SiteTemplate:
    fingerprint = migration_fingerprint()
    existing = SiteTemplate.objects.filter(
        theme=theme.name, theme_version=theme.version, fingerprint=fingerprint
    ).first()
    if existing:
        return existing
    # One build of a theme at a time, across processes (the warming job and a creation may both ask):
    # whoever waited finds the template the other built.
    key = int.from_bytes(hashlib.sha256(theme.name.encode()).digest()[:4], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [TEMPLATE_LOCK_NAMESPACE, key])
    try:
        existing = SiteTemplate.objects.filter(
            theme=theme.name, theme_version=theme.version, fingerprint=fingerprint
        ).first()
        return existing or build_template(theme, fingerprint=fingerprint, progress=progress)
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [TEMPLATE_LOCK_NAMESPACE, key])
        except DatabaseError:  # the connection (and the lock with it) is gone, or its transaction failed
            pass


def build_template(theme: Theme, *, fingerprint: str, progress=None) -> SiteTemplate:
    from themes.install import install_theme

    schema = template_schema_name(theme, fingerprint)
    if progress:
        progress(f"Building the site template for theme {theme.name} v{theme.version} (once per version)...")
    _drop_schema(schema)  # a leftover of an interrupted build
    shutil.rmtree(Path(settings.MEDIA_ROOT) / schema, ignore_errors=True)
    try:
        Association(schema_name=schema).create_schema(check_if_exists=False, verbosity=0)
        with schema_context(schema):
            install_theme(theme, site_name="{{SITE_NAME}}")
        sql = dump_schema(schema)
        template = SiteTemplate.objects.create(
            theme=theme.name, theme_version=theme.version, fingerprint=fingerprint, schema_name=schema, sql=sql
        )
        drop_stale_spares(theme.name, template)
    finally:
        connection.set_schema_to_public()
        _drop_schema(schema)
    return template


def _drop_schema(schema: str) -> None:
    connection.set_schema_to_public()
    if schema_exists(schema):
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')


def dump_schema(schema: str) -> str:
    """The schema's tables, data, sequences and constraints as SQL, free of session settings."""
    db = connection.settings_dict
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host") or ""
    connection.ensure_connection()
    try:
        pg_dump = pg_dump_for(connection.pg_version)
    except PgDumpError as error:
        raise ProvisioningError(str(error)) from None
    command = [
        pg_dump,
        f"--schema={schema}",
        "--no-owner",
        "--no-privileges",
        "--no-comments",
        "--no-publications",
        "--no-subscriptions",
        "--no-security-labels",
        "--no-tablespaces",
        "--no-table-access-method",
        "--inserts",
        "--rows-per-insert=1000",
        "--dbname",
        db["NAME"],
    ]
    if host:
        command += ["--host", host]
    if db.get("PORT"):
        command += ["--port", str(db["PORT"])]
    if db.get("USER"):
        command += ["--username", db["USER"]]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    if done.returncode != 0:
        raise ProvisioningError(f"pg_dump of {schema} failed: {done.stderr.strip()}")
    key = _RESTRICT_KEY.search(done.stdout)
    meta = {f"\\restrict {key.group(1)}", f"\\unrestrict {key.group(1)}"} if key else set()
    lines = [line for line in io.StringIO(done.stdout) if line.strip() not in meta]
    body = next((i for i, line in enumerate(lines) if not _PREAMBLE_LINE.match(line)), len(lines))
    # Only the preamble is filtered: below it, a line may be part of a multi-line text value.
    return "".join(lines[body:])


def replay_template(template: SiteTemplate, schema: str) -> None:
    """Make `schema` as a copy of the template; runs inside the caller's transaction."""
    replay_schema_sql(template.sql, dumped_as=template.schema_name, schema=schema)


def replay_schema_sql(sql: str, *, dumped_as: str, schema: str) -> None:
    """Run a schema's dump and give the result the name `schema`, inside the caller's transaction.

    The dump is replayed under the name it was taken with and then renamed, so no text
    of the dump (page content included) is ever rewritten. If a schema of that name is
    live (a site restored beside its original), it steps aside for the moment of the
    replay; PostgreSQL's DDL is transactional, so nothing of this is seen half-done.
    """
    aside = None
    with connection.cursor() as cursor:
        if dumped_as != schema and schema_exists(dumped_as):
            aside = f"{dumped_as[:40]}_aside_{os.getpid()}"
            cursor.execute(f'ALTER SCHEMA "{dumped_as}" RENAME TO "{aside}"')
        cursor.execute(sql)
        if dumped_as != schema:
            cursor.execute(f'ALTER SCHEMA "{dumped_as}" RENAME TO "{schema}"')
        if aside:
            cursor.execute(f'ALTER SCHEMA "{aside}" RENAME TO "{dumped_as}"')
    # The script may have changed the search_path; make django-tenants set ours again.
    connection.set_schema_to_public()


def copy_template_media(template: SiteTemplate, schema: str) -> Path:
    """The site's media folder, starting as a copy of the template's (its logo)."""
    source = Path(settings.MEDIA_ROOT) / template.schema_name
    target = Path(settings.MEDIA_ROOT) / schema
    if not source.exists():
        target.mkdir(parents=True, exist_ok=True)
        return target
    shutil.copytree(source, target)
    return target


def make_spare(template: SiteTemplate) -> str:
    """Replay the template into a spare schema now, so that a later site creation only renames it."""
    import uuid

    from django.db import transaction

    name = f"cms_spare_{template.pk}_{uuid.uuid4().hex[:12]}"
    with transaction.atomic():
        replay_schema_sql(template.sql, dumped_as=template.schema_name, schema=name)
        SpareSchema.objects.create(template=template, schema_name=name)
    return name


def refill_spares(template: SiteTemplate, *, target: int | None = None) -> int:
    """Top the template's spares up to `target` (CMS_SPARE_SCHEMAS); returns how many were made."""
    target = settings.CMS_SPARE_SCHEMAS if target is None else target
    made = 0
    while SpareSchema.objects.filter(template=template).count() < target:
        make_spare(template)
        made += 1
    return made


def claim_spare(template: SiteTemplate, schema: str) -> bool:
    """Inside the caller's transaction: rename a spare of this template to `schema`.

    The row is locked (other creations skip it) and deleted with the rename; if the
    caller's transaction rolls back, both come back and the spare is in the pool again.
    """
    spare = SpareSchema.objects.select_for_update(skip_locked=True).filter(template=template).order_by("id").first()
    if spare is None or not schema_exists(spare.schema_name):
        return False
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{spare.schema_name}" RENAME TO "{schema}"')
    spare.delete()
    connection.set_schema_to_public()
    return True


def drop_stale_spares(theme_name: str, current: SiteTemplate) -> None:
    """Spares of older templates of a theme (another version or migration state) are never used again."""
    for spare in SpareSchema.objects.filter(template__theme=theme_name).exclude(template=current):
        _drop_schema(spare.schema_name)
        spare.delete()
