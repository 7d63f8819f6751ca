"""Files in a site's media folder that no database row references: what a failed upload or a killed
process can leave. `cms media check` lists them per site and, with --delete, removes them."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models
from django_tenants.utils import schema_context

from .models import Association

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrphanReport:
    site: Association
    files: list[Path]

    @property
    def size(self) -> int:
        return sum(path.stat().st_size for path in self.files if path.exists())


def _file_fields() -> list[tuple[type[models.Model], str]]:
    """Every file field of the models that live in a site's schema."""
    found = []
    for config in apps.get_app_configs():
        if config.name not in settings.TENANT_APPS:
            continue
        for model in config.get_models():
            found += [
                (model, field.name) for field in model._meta.concrete_fields if isinstance(field, models.FileField)
            ]
    return found


def orphan_files(*, site: Association, older_than_seconds: float = 3600) -> OrphanReport:
    """Files under the site's media folder that no row of its schema names. Files younger than
    `older_than_seconds` are left out: an upload may have written its file and not yet committed its row."""
    root = Path(settings.MEDIA_ROOT) / site.schema_name
    if not root.is_dir():
        return OrphanReport(site, [])
    referenced: set[str] = set()
    with schema_context(site.schema_name):
        for model, name in _file_fields():
            referenced.update(model._default_manager.exclude(**{name: ""}).values_list(name, flat=True))
    cutoff = time.time() - older_than_seconds
    files = sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and path.relative_to(root).as_posix() not in referenced and path.stat().st_mtime < cutoff
    )
    return OrphanReport(site, files)


def remove_orphans(report: OrphanReport) -> int:
    removed = 0
    for path in report.files:
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
        log.info("Removed %s of %s: no row referenced it", path, report.site.slug)
    return removed
