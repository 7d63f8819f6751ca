"""A theme from a live site (示范推广): its section tree, navigation, groups, workflow and design tokens.

Reads the current schema (a model site's) and writes a blueprint in the same format as the themes
in this folder, so that it is checked by the same loader and installed by the same code. Content
(articles, the text of standard pages, images) stays with the site: a theme is a structure.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from django.contrib.auth.models import Group
from wagtail.models import GroupApprovalTask, GroupPagePermission, Page, Site, WorkflowPage

from cms.pages.models import SectionPage, SiteSettings, StandardPage

from .blueprint import ThemeError, load_theme
from .install import PAGE_PERMISSIONS

CODENAMES = {codename: name for name, codename in PAGE_PERMISSIONS.items()}


def _page(page) -> dict | None:
    if isinstance(page, SectionPage):
        spec = {"type": "section", "title": page.title, "slug": page.slug, "cadence_days": page.update_cadence_days}
        if page.intro:
            spec["body"] = page.intro
    elif isinstance(page, StandardPage):
        spec = {"type": "standard", "title": page.title, "slug": page.slug}
    else:
        return None  # content pages stay with the site
    if page.show_in_menus:
        spec["in_menu"] = True
    children = [child for child in (_page(c) for c in page.get_children().specific().order_by("path")) if child]
    if children:
        spec["children"] = children
    return spec


def blueprint_of_current_schema(*, name: str, title: str, version: int, description: str) -> dict:
    site = Site.objects.select_related("root_page").get(is_default_site=True)
    home = site.root_page
    pages = [spec for spec in (_page(c) for c in home.get_children().specific().order_by("path")) if spec]
    top = {page.pk: page.slug for page in Page.objects.child_of(home)}
    settings = SiteSettings.for_site(site)
    navigation = []
    for item in settings.navigation.raw_data:
        slug = top.get((item.get("value") or {}).get("page"))
        if slug and slug not in navigation and any(spec["slug"] == slug for spec in pages):
            navigation.append(slug)
    groups = []
    for group in Group.objects.order_by("id"):
        permissions = sorted(
            {
                CODENAMES[codename]
                for codename in GroupPagePermission.objects.filter(group=group, page=home).values_list(
                    "permission__codename", flat=True
                )
                if codename in CODENAMES
            },
            key=list(PAGE_PERMISSIONS).index,
        )
        if permissions:
            groups.append({"name": group.name, "permissions": permissions})
    group_names = {group["name"] for group in groups}
    workflow = {}
    attached = WorkflowPage.objects.filter(page=home).select_related("workflow").first()
    if attached is not None:
        tasks = []
        for task in attached.workflow.tasks.order_by("workflow_tasks__sort_order").specific():
            group = task.groups.order_by("id").first() if isinstance(task, GroupApprovalTask) else None
            if group is not None and group.name in group_names:
                tasks.append({"name": task.name, "group": group.name})
        if tasks:
            workflow = {"name": attached.workflow.name, "tasks": tasks}
    tokens = {k: v for k, v in (settings.design_tokens or {}).items() if k not in ("theme", "version")}
    blueprint = {"name": name, "title": title, "version": version, "description": description, "tokens": tokens}
    blueprint["groups"] = groups
    if workflow:
        blueprint["workflow"] = workflow
    blueprint["pages"] = pages
    blueprint["navigation"] = navigation
    return blueprint


def write_blueprint(blueprint: dict, *, themes_dir: Path, source: str) -> Path:
    """Write `<themes_dir>/<name>/theme.yaml` and check it with the loader; a bad blueprint is not kept."""
    folder = Path(themes_dir) / blueprint["name"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "theme.yaml"
    previous = path.read_text(encoding="utf-8") if path.exists() else None
    header = f"# 由示范网站“{source}”生成（cms themes from-site）：栏目结构、导航、用户组、审核流程与设计参数。\n"
    path.write_text(header + yaml.safe_dump(blueprint, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        load_theme(path)
    except ThemeError:
        if previous is None:
            path.unlink()
        else:
            path.write_text(previous, encoding="utf-8")
        raise
    return path
