"""Installing a theme into the current schema: pages, groups, workflow, navigation, design tokens, logo."""

from __future__ import annotations

import io

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from cms.media.models import SiteImage
from cms.pages.models import HomePage, SectionPage, SiteSettings, StandardPage

from .blueprint import PageSpec, Theme

PAGE_PERMISSIONS = {
    "add": "add_page",
    "change": "change_page",
    "publish": "publish_page",
    "lock": "lock_page",
    "unlock": "unlock_page",
    "bulk_delete": "bulk_delete_page",
}
# The review step that cannot be passed alone (cms/review/workflow), named by label: themes sit below
# cms.review in the layers and do not import it.
REVIEW_TASK_MODEL = ("review_workflow", "ReviewTask")
SCREENING_PERMISSION = ("review_workflow", "manage_screening")
MEDIA_PERMISSIONS = ["add_image", "choose_image", "change_image", "add_document", "choose_document", "change_document"]


def install_theme(theme: Theme, *, site_name: str) -> None:
    home = install_home_page(title=site_name)
    for spec in theme.pages:
        add_page(home, spec)
    groups = _install_groups(theme, home)
    _install_workflow(theme, home, groups)
    _install_settings(theme, home, site_name=site_name)


def install_home_page(*, title: str) -> Page:
    """Replace Wagtail's welcome page with the site's home page and point the Site at it."""
    root = Page.get_first_root_node()
    placeholder_pages = list(
        root.get_children().filter(content_type__model="page", content_type__app_label="wagtailcore")
    )
    home = HomePage(title=title, slug="home-new" if placeholder_pages else "home")
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.order_by("id").first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=title)
    else:
        site.root_page = home
        site.site_name = title
        site.save()
    for page in placeholder_pages:
        page.delete()
    if home.slug != "home":
        home.slug = "home"
        home.save_revision().publish()
        # publish() saves a copy made from the revision: reload, or pages added under this
        # object would inherit its old url_path.
        home = type(home).objects.get(pk=home.pk)
    return home


def add_page(parent: Page, spec: PageSpec) -> Page:
    if spec.type == "section":
        page = SectionPage(
            title=spec.title,
            slug=spec.slug,
            show_in_menus=spec.in_menu,
            intro=spec.body,
            update_cadence_days=spec.cadence_days or 30,
        )
    else:
        page = StandardPage(
            title=spec.title,
            slug=spec.slug,
            show_in_menus=spec.in_menu,
            body=[{"type": "paragraph", "value": f"<p>{spec.body}</p>"}] if spec.body else [],
        )
    parent.add_child(instance=page)
    page.save_revision().publish()
    for child in spec.children:
        add_page(page, child)
    return page


def _install_groups(theme: Theme, home: Page) -> dict[str, Group]:
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    root_collection = Collection.get_first_root_node()
    media_permissions = list(Permission.objects.filter(codename__in=MEDIA_PERMISSIONS))
    groups = {}
    for spec in theme.groups:
        group, _ = Group.objects.get_or_create(name=spec.name)
        group.permissions.add(access_admin)
        for name in spec.permissions:
            permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=PAGE_PERMISSIONS[name])
            GroupPagePermission.objects.get_or_create(group=group, page=home, permission=permission)
        if "publish" in spec.permissions:  # those who publish keep the site's sensitive-word screening
            app_label, codename = SCREENING_PERMISSION
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        for permission in media_permissions:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=permission
            )
        groups[spec.name] = group
    return groups


def _install_workflow(theme: Theme, home: Page, groups: dict[str, Group]) -> None:
    if not theme.workflow_tasks:
        return
    # The theme's review replaces Wagtail's default "Moderators approval" (which the migration
    # review_workflow 0002 already removes from a fresh schema).
    Workflow.objects.all().delete()
    workflow = Workflow.objects.create(name=theme.workflow_name or "审核")
    review_task = apps.get_model(*REVIEW_TASK_MODEL)
    for order, step in enumerate(theme.workflow_steps):
        task = review_task.objects.create(name=step.name, kind=step.kind, levels=list(step.levels))
        task.groups.set([groups[step.group]])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=order)
    WorkflowPage.objects.create(page=home, workflow=workflow)


def _install_settings(theme: Theme, home: Page, *, site_name: str) -> None:
    site = Site.objects.get(root_page=home)
    settings = SiteSettings.for_site(site)
    children = {page.slug: page for page in home.get_children()}
    settings.navigation = [
        {"type": "menu", "value": {"label": "", "page": children[slug].pk, "url": "", "children": []}}
        for slug in theme.navigation
    ]
    settings.design_tokens = {"theme": theme.name, "version": theme.version, **theme.tokens}
    settings.logo = _logo(theme)
    settings.save()


def _logo(theme: Theme):
    """A plain square logo in the theme's primary colour, until the site uploads its own."""
    colour = (theme.tokens.get("colors") or {}).get("primary", "#333333").lstrip("#")
    rgb = tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4)) if len(colour) == 6 else (51, 51, 51)
    buffer = io.BytesIO()
    PILImage.new("RGB", (256, 256), rgb).save(buffer, format="PNG")
    image = SiteImage(title=str(theme.tokens.get("logo") or "网站标志"))
    image.file = ImageFile(buffer, name="logo.png")
    image.save()
    return image
