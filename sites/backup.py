"""Back up one site (its schema, registry entry, domains and media) to a file, and restore it.

A backup is a .tar.gz holding `site.json` (registry entry and domains), `schema.sql`
(pg_dump of the site's schema) and `media/` (the site's files). A restore makes the site
again in one transaction, under its own slug or a new one; a failure leaves nothing.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from cms.audit.services import record as audit_record

from .models import Association, Domain
from .provisioning import dump_schema, replay_schema_sql
from .services import schema_name_for, sync_wagtail_site, validate_new_site
from .signals import provisioning, site_provisioned

FORMAT = 1

log = logging.getLogger(__name__)


def backup_site(*, association: Association, target: Path) -> Path:
    target = Path(target)
    record = {
        "format": FORMAT,
        "made_at": timezone.now().isoformat(),
        "site": {
            "name": association.name,
            "short_name": association.short_name,
            "slug": association.slug,
            "kind": association.kind,
            "region": association.region,
            "theme": association.theme,
            "theme_version": association.theme_version,
            "schema_name": association.schema_name,
            "parent": association.parent.slug if association.parent_id else None,
        },
        "domains": [{"domain": d.domain, "is_primary": d.is_primary} for d in association.domains.all()],
    }
    sql = dump_schema(association.schema_name)
    media = Path(settings.MEDIA_ROOT) / association.schema_name
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        _add_bytes(archive, "site.json", json.dumps(record, ensure_ascii=False, indent=2).encode())
        _add_bytes(archive, "schema.sql", sql.encode())
        if media.exists():
            archive.add(media, arcname="media")
    partial.replace(target)  # a backup file is either whole or absent
    audit_record(
        "site.backup",
        schema_name=get_public_schema_name(),
        object_type="site",
        object_id=association.slug,
        object_label=association.name,
        detail={"file": str(target)},
    )
    return target


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def read_backup(source: Path) -> tuple[dict, str, tarfile.TarFile]:
    try:
        archive = tarfile.open(source, "r:gz")
        record = json.loads(archive.extractfile("site.json").read())
        sql = archive.extractfile("schema.sql").read().decode()
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError, AttributeError) as error:
        raise ValidationError(f"{source} is not a site backup ({error}).") from None
    if record.get("format") != FORMAT:
        raise ValidationError(f"{source}: backup format {record.get('format')} is not supported.")
    return record, sql, archive


def restore_site(*, source: Path, slug: str | None = None, domain: str | None = None) -> Association:
    """Make the site in the backup again; `slug` and `domain` restore it beside the original."""
    record, sql, archive = read_backup(Path(source))
    site = record["site"]
    slug = slug or site["slug"]
    domains = [{"domain": domain, "is_primary": True}] if domain else record["domains"]
    parent = Association.objects.filter(slug=site["parent"]).first() if site["parent"] else None
    if site["parent"] and parent is None:
        raise ValidationError(f"The site's parent '{site['parent']}' does not exist here.")
    primary = next((d["domain"] for d in domains if d["is_primary"]), domains[0]["domain"] if domains else "")
    name = site["name"] if slug == site["slug"] else f"{site['name']}（恢复）"
    validate_new_site(
        name=name, short_name=site["short_name"], slug=slug, kind=site["kind"], parent=parent, domain=primary
    )
    taken = Domain.objects.filter(domain__in=[d["domain"] for d in domains]).values_list("domain", flat=True)
    if taken:
        raise ValidationError(f"Domains already in use: {', '.join(taken)}.")
    schema = schema_name_for(slug)
    media = Path(settings.MEDIA_ROOT) / schema
    try:
        with transaction.atomic(), provisioning(schema):
            association = Association.objects.create(
                schema_name=schema,
                name=name,
                short_name=site["short_name"],
                slug=slug,
                kind=site["kind"],
                parent=parent,
                region=site["region"],
                theme=site["theme"],
                theme_version=site["theme_version"],
            )
            replay_schema_sql(sql, dumped_as=site["schema_name"], schema=schema)
            _extract_media(archive, media)
            for entry in domains:
                Domain.objects.create(domain=entry["domain"], tenant=association, is_primary=entry["is_primary"])
            sync_wagtail_site(association=association)
            if name != site["name"]:
                with schema_context(schema):
                    from wagtail.models import Site

                    Site.objects.filter(is_default_site=True).update(site_name=name)
            # `restored`: the same site is back (its records elsewhere may name it by slug), not a copy beside it.
            site_provisioned.send(sender=Association, association=association, restored=slug == site["slug"])
            audit_record(
                "site.restore",
                schema_name=get_public_schema_name(),
                object_type="site",
                object_id=slug,
                object_label=name,
                detail={"schema": schema, "file": str(source)},
            )
    except BaseException:
        shutil.rmtree(media, ignore_errors=True)
        connection.set_schema_to_public()
        raise
    finally:
        archive.close()
    log.info("Restored site %s (schema %s) from %s", slug, schema, source)
    return association


def _extract_media(archive: tarfile.TarFile, media: Path) -> None:
    media.mkdir(parents=True, exist_ok=False)
    for member in archive.getmembers():
        if not member.name.startswith("media/") or not (member.isfile() or member.isdir()):
            continue
        relative = Path(member.name).relative_to("media")
        destination = (media / relative).resolve()
        if not str(destination).startswith(str(media.resolve())):
            raise ValidationError(f"Unsafe path in backup: {member.name}")
        if member.isdir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as source, open(destination, "wb") as out:
                shutil.copyfileobj(source, out)
