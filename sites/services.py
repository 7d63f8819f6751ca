"""Writes to the site registry: creating sites and keeping each Wagtail Site in step with its domain."""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists
from wagtail.log_actions import LogContext
from wagtail.models import Page, Site

from cms.accounts.services import validate_admin_password
from cms.audit.services import record as audit_record
from themes.blueprint import DEFAULT_THEME_FOR_KIND, ThemeError, get_theme
from themes.install import install_home_page

from .faults import failpoint
from .models import SLUG_PATTERN, Association, Domain
from .provisioning import claim_spare, copy_template_media, ensure_template, replay_template
from .signals import provisioning, site_provisioned

log = logging.getLogger(__name__)
SLUG_LOCK_NAMESPACE = 0x73697465  # "site": advisory locks held while a slug is being created

Kind = Association.Kind

# Which level may sit under which: the federation's hierarchy.
ALLOWED_PARENT_KINDS: dict[str, set[str | None]] = {
    Kind.CENTRAL: {None},
    Kind.NATIONAL_FEDERATION: {None},
    Kind.NATIONAL_ASSOCIATION: {Kind.NATIONAL_FEDERATION},
    Kind.PROVINCIAL: {Kind.NATIONAL_FEDERATION},
    Kind.MUNICIPAL: {Kind.PROVINCIAL},
    Kind.COUNTY: {Kind.MUNICIPAL, Kind.PROVINCIAL},
}

DOMAIN_PATTERN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


IP_LITERAL = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def _www_twins(domain: str) -> list[str]:
    """The other spelling of a domain with or without `www.`: routing sends `www.` + a site's domain to it."""
    return [domain.removeprefix("www.")] if domain.startswith("www.") else [f"www.{domain}"]


@dataclass(frozen=True)
class SiteAdmin:
    username: str
    password: str
    email: str = ""


def schema_name_for(slug: str) -> str:
    return slug.replace("-", "_")


def validate_new_site(
    *,
    name: str,
    short_name: str,
    slug: str,
    kind: str,
    parent: Association | None,
    domain: str,
    admin: SiteAdmin | None = None,
) -> None:
    """Every reason a site cannot be created, in one ValidationError, before anything is made.

    A media folder left by a creation of the same slug that was killed half-way is removed here."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not name.strip():
        add("name", "名称不能为空。")
    elif Association.objects.filter(name=name).exists():
        add("name", f"名称“{name}”已被其他网站使用。")
    if not short_name.strip():
        add("short_name", "简称不能为空。")
    if not re.match(SLUG_PATTERN, slug):
        add("slug", f"标识“{slug}”无效：须以小写字母开头，只含小写字母、数字和连字符，2 至 40 个字符。")
    elif Association.objects.filter(slug=slug).exists() or schema_exists(schema_name_for(slug)):
        add("slug", f"标识“{slug}”已被其他网站使用。")
    else:
        _clear_leftover_media(slug)
    if kind not in Kind.values or kind == Kind.CENTRAL:
        add("kind", f"级别“{kind}”无效，可选：{', '.join(k for k in Kind.values if k != Kind.CENTRAL)}。")
    else:
        allowed = ALLOWED_PARENT_KINDS[kind]
        parent_kind = parent.kind if parent else None
        if parent_kind not in allowed:
            wanted = "、".join(Kind(k).label for k in allowed if k) or "无上级"
            add("parent", f"{Kind(kind).label}的上级须为：{wanted}。")
    if not DOMAIN_PATTERN.match(domain or ""):
        add("domain", f"域名“{domain}”无效。")
    elif IP_LITERAL.match(domain):
        add("domain", f"“{domain}”是 IP 地址，不是域名：网站须使用域名。")
    elif Domain.objects.filter(domain__in=_www_twins(domain)).exists():
        add("domain", f"域名“{domain}”与已有网站的域名只差“www.”，会被当作同一网站，请换一个域名。")
    elif Domain.objects.filter(domain=domain).exists():
        add("domain", f"域名“{domain}”已被其他网站使用。")
    if admin is not None:
        try:
            validate_site_admin(admin)
        except ValidationError as error:
            errors.setdefault("admin_password", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)


def _clear_leftover_media(slug: str) -> None:
    """A media folder for a slug that no site and no schema has is what a creation killed half-way
    (`kill -9`, a power cut) left behind: its database work rolled back, its files did not. Remove it,
    so that creating the site again just works. (create_site holds the slug's lock meanwhile, so this
    is never another creation's folder.)"""
    folder = Path(django_settings.MEDIA_ROOT) / schema_name_for(slug)
    if folder.exists():
        log.warning("Removing %s, left over from a site creation that did not finish", folder)
        shutil.rmtree(folder)


@contextmanager
def _slug_lock(slug: str):
    """Only one creation of a slug at a time, across processes: a session lock in PostgreSQL, which
    goes with the connection if the process dies."""
    key = int.from_bytes(hashlib.sha256(slug.encode()).digest()[:4], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [SLUG_LOCK_NAMESPACE, key])
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [SLUG_LOCK_NAMESPACE, key])
        except DatabaseError:  # the connection (and the lock with it) is gone, or its transaction failed
            log.warning("Could not release the creation lock of %s", slug, exc_info=True)


def validate_site_admin(admin: SiteAdmin) -> None:
    """A site's first administrator: a username and a password that passes the validators (12+ characters)."""
    if not admin.username.strip():
        raise ValidationError("管理员用户名不能为空。")
    validate_admin_password(username=admin.username, password=admin.password, email=admin.email)


def create_site(
    *,
    name: str,
    short_name: str,
    slug: str,
    kind: str,
    domain: str,
    parent: Association | None = None,
    region: str = "",
    theme: str | None = None,
    admin: SiteAdmin | None = None,
    populate: Callable[[], None] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Association:
    """Create a complete site from a theme: schema, registry entry, domain, Wagtail site, content, media, admin.

    The schema is replayed from the theme's template (built once per theme version and
    migration state) in the same transaction as the registry rows; `populate`, if given,
    adds content inside it too. A failure at any step leaves no schema, no rows, no files.
    """
    domain = domain.strip().lower()
    blueprint = _theme_or_error(theme or DEFAULT_THEME_FOR_KIND.get(kind, "blank"))
    # Users live in their own schema: the central office user who asked for the site must
    # not be written into the new site's (or the template's) page history.
    with _slug_lock(slug), LogContext(user=None):
        validate_new_site(
            name=name, short_name=short_name, slug=slug, kind=kind, parent=parent, domain=domain, admin=admin
        )
        association = _create_from_template(
            blueprint,
            name=name,
            short_name=short_name,
            slug=slug,
            kind=kind,
            domain=domain,
            parent=parent,
            region=region,
            admin=admin,
            populate=populate,
            progress=progress,
        )
    log.info(
        "Created site %s (schema %s, theme %s v%s, domain %s)",
        slug,
        association.schema_name,
        blueprint.name,
        blueprint.version,
        domain,
    )
    return association


def _create_from_template(
    blueprint, *, name, short_name, slug, kind, domain, parent, region, admin, populate, progress
) -> Association:
    template = ensure_template(blueprint, progress=progress)
    schema = schema_name_for(slug)
    media_dir = None
    try:
        with transaction.atomic(), provisioning(schema):
            association = Association.objects.create(
                schema_name=schema,
                name=name,
                short_name=short_name,
                slug=slug,
                kind=kind,
                parent=parent,
                region=region,
                sponsor=name,  # the footer's 主办单位 until the central office records another
                theme=blueprint.name,
                theme_version=blueprint.version,
                theme_pages=["/".join(path) for path, _ in blueprint.all_pages()],
            )
            if not claim_spare(template, schema):
                replay_template(template, schema)
            # (validation made sure no folder of this name exists, so removing it on failure is safe)
            media_dir = copy_template_media(template, schema)
            failpoint("sites.create.media_copied")
            with schema_context(schema):
                _personalise(name=name)
                if admin:
                    _create_admin(admin)
                if populate:
                    populate()
            Domain.objects.create(domain=domain, tenant=association, is_primary=True)
            site_provisioned.send(sender=Association, association=association)
            _audit("site.create", association, domain=domain, theme=f"{blueprint.name} v{blueprint.version}")
    except BaseException:
        if media_dir is not None:
            shutil.rmtree(media_dir, ignore_errors=True)
        connection.set_schema_to_public()
        raise
    _schedule_refill(template)
    return association


def _schedule_refill(template) -> None:
    """The worker replays a new spare for the next site (each site's creation then only renames one)."""
    if django_settings.CMS_SPARE_SCHEMAS:
        from .jobs import refill_spare_schemas

        refill_spare_schemas.enqueue(template.pk)


def _theme_or_error(name: str):
    try:
        return get_theme(name)
    except ThemeError as error:
        raise ValidationError({"theme": [str(error)]}) from None


def _personalise(*, name: str) -> None:
    """Turn the template's placeholders into this site's name."""
    from cms.pages.models import SiteSettings

    site = Site.objects.select_related("root_page").get(is_default_site=True)
    site.site_name = name
    site.save()
    home = site.root_page.specific
    home.title = home.draft_title = name
    home.save_revision().publish()
    settings = SiteSettings.for_site(site)
    settings.sponsor = name
    settings.copyright = f"版权所有 © {name}"
    settings.save()


def archive_site(*, association: Association) -> Association:
    """Take a site offline, keeping everything: its hosts answer 410 until it is restored to service."""
    if association.schema_name == get_public_schema_name():
        raise ValidationError("The central office cannot be archived.")
    association.archived_at = timezone.now()
    association.state = Association.State.ARCHIVED
    with transaction.atomic():
        association.save(update_fields=["archived_at", "state"])
        _audit("site.archive", association)
    log.info("Archived site %s", association.slug)
    return association


def unarchive_site(*, association: Association) -> Association:
    association.archived_at = None
    association.state = Association.State.RUNNING
    with transaction.atomic():
        association.save(update_fields=["archived_at", "state"])
        _audit("site.unarchive", association)
    log.info("Unarchived site %s", association.slug)
    return association


def delete_site(*, association: Association) -> None:
    """Remove a site for good: schema, registry rows, media."""
    if association.schema_name == get_public_schema_name():
        raise ValidationError("The central office cannot be deleted.")
    if association.children.exists():
        raise ValidationError(f"“{association.name}”下还有下级网站，请先处理下级网站。")
    _discard(association)
    shutil.rmtree(Path(django_settings.MEDIA_ROOT) / association.schema_name, ignore_errors=True)
    log.info(
        "Deleted site %s: schema %s dropped, registry rows and media removed", association.slug, association.schema_name
    )


def _discard(association: Association) -> None:
    """Remove a site's schema and registry rows in one transaction."""
    connection.set_schema_to_public()
    with transaction.atomic():
        if schema_exists(association.schema_name):
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA "{association.schema_name}" CASCADE')
        Domain.objects.filter(tenant_id=association.pk).delete()
        Association.objects.filter(pk=association.pk).delete()
        _audit("site.delete", association)


def _audit(action: str, association: Association, **detail) -> None:
    """In the central office's chain: it is the central office that creates, archives and deletes sites."""
    audit_record(
        action,
        schema_name=get_public_schema_name(),
        object_type="site",
        object_id=association.slug,
        object_label=association.name,
        detail={"schema": association.schema_name, **detail},
    )


def ensure_central_office(
    *, domain: str, name: str = "文联网站群管理中心", admin: SiteAdmin | None = None
) -> Association:
    """The public schema's own registry entry and domain (the central office); idempotent."""
    public = get_public_schema_name()
    if admin is not None and not Association.objects.filter(schema_name=public).exists():
        validate_site_admin(admin)
    with transaction.atomic():
        central, created = Association.objects.get_or_create(
            schema_name=public,
            defaults={"name": name, "short_name": "管理中心", "slug": "central", "kind": Kind.CENTRAL},
        )
        if created:
            with schema_context(public):
                install_home_page(title=name)
                if admin:
                    _create_admin(admin)
        if not central.domains.filter(domain=domain).exists():
            Domain.objects.create(domain=domain, tenant=central, is_primary=True)
    return central


def sync_wagtail_site(*, association: Association) -> None:
    """Make the site's Wagtail Site answer to its primary domain (Wagtail and grapple route by host)."""
    domain = association.primary_domain
    if not domain:
        return
    if association.schema_name != get_public_schema_name() and not schema_exists(association.schema_name):
        return
    with schema_context(association.schema_name):
        site = Site.objects.filter(is_default_site=True).first() or Site.objects.order_by("id").first()
        if site is None:
            root = Page.get_first_root_node().get_children().first()
            site = Site(root_page=root)
        site.hostname = domain
        site.port = 80
        site.site_name = association.name
        site.is_default_site = True
        site.save()


def _create_admin(admin: SiteAdmin) -> None:
    get_user_model().objects.create_superuser(username=admin.username, email=admin.email, password=admin.password)
