"""Theme upgrades: give sites on an older theme version what the new version adds, never touching what editors made.

A dry run reports, per site, the pages it would get and the drift found: pages the theme
once installed that editors have since removed or renamed. Drifted pages are not
recreated, and nothing below them is added; everything else is purely additive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django_tenants.utils import schema_context
from wagtail.log_actions import LogContext
from wagtail.models import Page, Site

from cms.pages.models import SiteSettings
from themes.blueprint import PageSpec, Theme
from themes.install import add_page

from .models import Association


@dataclass
class SitePlan:
    site: Association
    add: list[tuple[tuple[str, ...], PageSpec]] = field(default_factory=list)
    drifted: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.add)


def _existing_paths() -> set[tuple[str, ...]]:
    home = Site.objects.get(is_default_site=True).root_page
    paths = set()
    for url_path in Page.objects.descendant_of(home).values_list("url_path", flat=True):
        relative = url_path[len(home.url_path) :].strip("/")
        if relative:
            paths.add(tuple(relative.split("/")))
    return paths


def plan_upgrade(site: Association, theme: Theme) -> SitePlan:
    plan = SitePlan(site=site)
    installed = set(site.theme_pages)
    with schema_context(site.schema_name):
        existing = _existing_paths()
    missing_parents: set[tuple[str, ...]] = set()
    for path, spec in theme.all_pages():
        joined = "/".join(path)
        if path in existing:
            continue
        if joined in installed:
            plan.drifted.append(joined)  # the theme made it; an editor removed or renamed it
            missing_parents.add(path)
        elif path[:-1] in missing_parents:
            plan.blocked.append(joined)  # new, but its parent is gone
            missing_parents.add(path)
        else:
            plan.add.append((path, spec))
    return plan


def apply_plan(plan: SitePlan, theme: Theme) -> None:
    """Add the new pages (and new top-level menu entries and design tokens) in one transaction."""

    site = plan.site
    with LogContext(user=None), transaction.atomic(), schema_context(site.schema_name):
        wagtail_site = Site.objects.get(is_default_site=True)
        home = wagtail_site.root_page
        added_top = []
        for path, spec in plan.add:
            parent = home if len(path) == 1 else Page.objects.get(url_path=home.url_path + "/".join(path[:-1]) + "/")
            add_page(parent, PageSpec(**{**spec.__dict__, "children": ()}))
            if len(path) == 1:
                added_top.append(path[0])
        settings = SiteSettings.for_site(wagtail_site)
        new_menu = [slug for slug in theme.navigation if slug in added_top]
        if new_menu:
            pages = {p.slug: p for p in home.get_children()}
            settings.navigation = list(settings.navigation.raw_data) + [
                {"type": "menu", "value": {"label": "", "page": pages[slug].pk, "url": "", "children": []}}
                for slug in new_menu
            ]
        # New token keys arrive; values a site already has (perhaps edited) stay.
        settings.design_tokens = {
            **theme.tokens,
            **settings.design_tokens,
            "theme": theme.name,
            "version": theme.version,
        }
        settings.save()
        site.theme_version = theme.version
        site.theme_pages = sorted(set(site.theme_pages) | {"/".join(path) for path, _ in plan.add})
        site.save(update_fields=["theme_version", "theme_pages"])


def upgrade_sites(
    theme: Theme, *, apply: bool, batch_size: int = 50, progress: Callable[[str], None] = print
) -> list[SitePlan]:
    """Plan (and with `apply`, carry out) the upgrade of every site on an older version of `theme`."""
    sites = list(Association.objects.filter(theme=theme.name, theme_version__lt=theme.version).order_by("id"))
    plans = []
    for start in range(0, len(sites), batch_size):
        batch = sites[start : start + batch_size]
        for site in batch:
            plan = plan_upgrade(site, theme)
            plans.append(plan)
            verb = "added" if apply else "would add"
            line = f"{site.slug} (v{site.theme_version} -> v{theme.version}): {verb} {len(plan.add)}"
            if plan.add:
                line += " [" + ", ".join("/".join(path) for path, _ in plan.add) + "]"
            if plan.drifted:
                line += f"; drifted, left alone: {', '.join(plan.drifted)}"
            if plan.blocked:
                line += f"; not added (their parent drifted): {', '.join(plan.blocked)}"
            if apply:
                apply_plan(plan, theme)
            progress(line)
        progress(f"  {min(start + batch_size, len(sites))}/{len(sites)} sites {'upgraded' if apply else 'checked'}")
    return plans
