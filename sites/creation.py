"""Creating a site from the central office's admin as a background job, with progress; and keeping a
template warm for every theme, so that no creation waits for one to be built.

The request checks what it can at once (the form, the registry, the password) and queues the job; the
worker runs `create_site` (which leaves nothing half-made when it fails) and writes each step to the
job's row, which the admin's progress page polls. A job whose worker died is run again by another
worker (sites.worker): it finds the site if the first run had finished, and otherwise starts over.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from themes.blueprint import DEFAULT_THEME_FOR_KIND, ThemeError, available_themes, get_theme

from .models import Association, SiteCreation, SiteTemplate
from .provisioning import ensure_template, migration_fingerprint
from .services import SiteAdmin, create_site, validate_new_site

log = logging.getLogger(__name__)
ADMIN_USERNAME = "admin"
PARAMS = ("name", "short_name", "slug", "kind", "domain", "region", "theme")
STEPS = 3


def request_site_creation(
    *,
    name: str,
    short_name: str,
    slug: str,
    kind: str,
    domain: str,
    parent: Association | None = None,
    region: str = "",
    theme: str | None = None,
    admin_password: str | None = None,
    requested_by: str = "",
) -> SiteCreation:
    """Check the request now (a ValidationError names each field that is wrong) and queue the job."""
    domain = domain.strip().lower()
    admin = SiteAdmin(ADMIN_USERNAME, admin_password) if admin_password else None
    validate_new_site(name=name, short_name=short_name, slug=slug, kind=kind, parent=parent, domain=domain, admin=admin)
    if theme:
        try:
            get_theme(theme)
        except ThemeError as error:
            raise ValidationError({"theme": [str(error)]}) from None
    with transaction.atomic():
        creation = SiteCreation.objects.create(
            params={
                "name": name,
                "short_name": short_name,
                "slug": slug,
                "kind": kind,
                "domain": domain,
                "region": region,
                "theme": theme or "",
                "parent_id": parent.pk if parent else None,
            },
            admin_password_hash=make_password(admin_password) if admin_password else "",
            steps=STEPS,
            message="排队等待后台任务处理…",
            requested_by=requested_by,
        )
        transaction.on_commit(lambda: create_site_job.enqueue(creation.pk))
    return creation


def _progress(creation: SiteCreation, step: int, message: str) -> None:
    creation.step, creation.message = step, message
    SiteCreation.objects.filter(pk=creation.pk).update(step=step, message=message)


def run_site_creation(*, creation_id: int) -> str:
    """The job: create the site the row asks for, writing progress to it; returns the final status."""
    creation = SiteCreation.objects.filter(pk=creation_id).first()
    if creation is None or creation.finished:
        return creation.status if creation else "missing"
    params = creation.params
    # A run after a worker died half-way: the site may have been made (and committed) by it.
    made = Association.objects.filter(slug=params["slug"], name=params["name"]).first()
    if made is not None and creation.status == SiteCreation.Status.RUNNING:
        return _finish(creation, made)
    creation.status, creation.started_at, creation.error = SiteCreation.Status.RUNNING, timezone.now(), ""
    creation.save(update_fields=["status", "started_at", "error"])
    theme = get_theme(params["theme"] or DEFAULT_THEME_FOR_KIND.get(params["kind"], "blank"))
    try:
        if template_is_warm(theme.name):
            _progress(creation, 1, f"网站模板“{theme.title}”已就绪。")
        else:
            _progress(creation, 1, f"正在构建网站模板“{theme.title}”（该模板首次使用，约需半分钟）…")
            ensure_template(theme)
        _progress(creation, 2, "正在创建网站：数据库、域名、页面、媒体文件…")
        parent = Association.objects.filter(pk=params["parent_id"]).first() if params["parent_id"] else None
        if params["parent_id"] and parent is None:
            raise ValidationError({"parent": ["所选的上级网站已不存在，请重新选择。"]})
        site = create_site(
            name=params["name"],
            short_name=params["short_name"],
            slug=params["slug"],
            kind=params["kind"],
            domain=params["domain"],
            parent=parent,
            region=params["region"],
            theme=theme.name,
            populate=_admin_from_hash(creation.admin_password_hash) if creation.admin_password_hash else None,
        )
    except ValidationError as error:
        return _fail(creation, "；".join(_messages(error)))
    except Exception as error:
        log.exception("Site creation %s failed", creation.pk)
        _fail(creation, f"创建网站时出错（{type(error).__name__}：{error}）。")
        raise
    return _finish(creation, site)


def _admin_from_hash(password_hash: str):
    """Inside the new site's schema: its first administrator, with the password hashed in the request."""

    def populate() -> None:
        user = get_user_model().objects.create_superuser(username=ADMIN_USERNAME, email="", password=None)
        user.password = password_hash
        user.save(update_fields=["password"])

    return populate


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [message for messages in error.message_dict.values() for message in messages]
    return list(error.messages)


def _finish(creation: SiteCreation, site: Association) -> str:
    creation.status, creation.site, creation.finished_at = SiteCreation.Status.DONE, site, timezone.now()
    creation.step, creation.message = creation.steps, f"已创建网站“{site.name}”。"
    creation.admin_password_hash = ""  # not needed any more
    creation.save()
    return creation.status


def _fail(creation: SiteCreation, error: str) -> str:
    creation.status, creation.error, creation.finished_at = SiteCreation.Status.FAILED, error, timezone.now()
    creation.message = "创建失败，未留下任何半成品；请修改后重试。"
    creation.admin_password_hash = ""
    creation.save()
    return creation.status


def status_of(creation: SiteCreation) -> dict:
    """What the progress page shows (and polls as JSON)."""
    from .origins import public_origin

    site = creation.site
    return {
        "id": creation.pk,
        "status": creation.status,
        "statusDisplay": creation.get_status_display(),
        "finished": creation.finished,
        "step": creation.step,
        "steps": creation.steps,
        "message": creation.message,
        "error": creation.error,
        "name": creation.params.get("name", ""),
        "site": {"name": site.name, "domain": site.primary_domain, "url": public_origin(site.primary_domain) + "/"}
        if site is not None and site.primary_domain
        else None,
    }


# --- Warm templates ---


def template_is_warm(theme_name: str) -> bool:
    theme = get_theme(theme_name)
    return SiteTemplate.objects.filter(
        theme=theme.name, theme_version=theme.version, fingerprint=migration_fingerprint()
    ).exists()


def cold_themes(themes: list[str] | None = None) -> list[str]:
    """The themes (all available, or those named) without a template for this theme version and migration state."""
    return [name for name in (themes or available_themes()) if not template_is_warm(name)]


def warm_templates(*, themes: list[str] | None = None) -> list[str]:
    """Build the missing templates (one theme after another); returns the themes built."""
    built = []
    for name in cold_themes(themes):
        ensure_template(get_theme(name))
        built.append(name)
        log.info("Built the site template of theme %s", name)
    return built


def enqueue_template_warming(*, themes: list[str] | None = None) -> bool:
    """Queue the warming job when some theme has no current template and no warming job is waiting."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    if not cold_themes(themes):
        return False
    waiting = DBTaskResult.objects.filter(task_path=warm_site_templates.module_path).filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    )
    if waiting.exists():
        return False
    warm_site_templates.enqueue(themes or None)
    return True


# --- The worker's tasks ---


@task()
def create_site_job(creation_id: int) -> str:
    """A site creation asked for in the central office's admin."""
    return run_site_creation(creation_id=creation_id)


@task()
def warm_site_templates(themes: list[str] | None = None) -> list[str]:
    """Build the template of every theme (or of those named) that has none for its version and migrations."""
    return warm_templates(themes=themes)
