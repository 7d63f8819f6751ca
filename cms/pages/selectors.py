"""Reads of the page library, shared by the GraphQL API and the admin."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Left, Length
from wagtail.models import Page, PageViewRestriction

from .models import (
    ArticlePage,
    ContentPage,
    EventPage,
    HomePage,
    NoticePage,
    ProfilePage,
    SectionPage,
    SiteSettings,
    StandardPage,
    WorkPage,
)

CONTENT_MODELS: dict[str, type[ContentPage]] = {
    "article": ArticlePage,
    "notice": NoticePage,
    "event": EventPage,
    "profile": ProfilePage,
    "work": WorkPage,
}

ORDERINGS = {
    "newest": ("-date", "-pk"),
    "oldest": ("date", "pk"),
    "title": ("title", "pk"),
}


class SectionNotFound(LookupError):
    pass


def public(pages: QuerySet) -> QuerySet:
    """Pages under no view restriction, as Wagtail's .public(), but as a subquery.

    Wagtail's .public() first loads every restriction in a separate query; this keeps
    list queries to one statement.
    """
    restricted = PageViewRestriction.objects.filter(page__path=Left(OuterRef("path"), Length("page__path")))
    return pages.exclude(Exists(restricted))


def content_pages(
    *,
    kind: str,
    section_id: int | None = None,
    tag: str | None = None,
    art_form: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    order: str = "newest",
) -> QuerySet:
    """Published, public content pages of one kind in the current site, filtered and ordered."""
    model = CONTENT_MODELS[kind]
    pages = public(model.objects.live())
    if section_id is not None:
        section = public(SectionPage.objects.live()).filter(pk=section_id).only("path", "depth").first()
        if section is None:
            raise SectionNotFound(section_id)
        pages = pages.descendant_of(section)
    if tag:
        pages = pages.filter(tags__name=tag)
    if art_form:
        pages = pages.filter(art_forms__contains=[art_form])
    if date_from:
        pages = pages.filter(date__gte=date_from)
    if date_to:
        pages = pages.filter(date__lte=date_to)
    return pages.order_by(*ORDERINGS[order]).prefetch_related("tags")


def navigation(*, settings: SiteSettings, request=None) -> list[dict]:
    """The site's menus with their pages resolved in one query; unpublished pages are left out."""
    menus = list(settings.navigation.raw_data)
    page_ids = set()
    for menu in menus:
        value = menu.get("value") or {}
        page_ids.add(value.get("page"))
        for child in value.get("children") or []:
            page_ids.add((child.get("value") if "value" in child else child).get("page"))
    page_ids.discard(None)
    pages = {page.pk: page for page in public(Page.objects.live()).filter(pk__in=page_ids)}

    def item(value: dict) -> dict | None:
        page = pages.get(value.get("page"))
        if value.get("page") and page is None:
            return None
        return {
            "label": value.get("label") or (page.title if page else ""),
            "url": page.get_url(request) if page else value.get("url") or "",
            "page_id": page.pk if page else None,
        }

    result = []
    for menu in menus:
        value = menu.get("value") or {}
        entry = item(value)
        if entry is None:
            continue
        children = [item(c.get("value") if "value" in c else c) for c in value.get("children") or []]
        entry["children"] = [c for c in children if c is not None]
        result.append(entry)
    return result


# --- The built-in rendering (pages/page.html) and the footer ---

INTERNAL_SECTION_SLUGS = ("syndicated",)  # 转载: where syndicated copies land; never listed publicly
LATEST_ON_HOME = 10
ITEMS_PER_SECTION_PAGE = 20


def site_settings(*, request) -> SiteSettings:
    """The site's own settings (contacts, logo, navigation, design). The footer's filing numbers and sponsor
    are the registry's: GraphQL `siteSettings` and the built-in footer (sites/footer.html) read them through
    sites.selectors.site_footer, which takes these settings for the rest."""
    return SiteSettings.for_request(request)


def listed(pages: QuerySet) -> QuerySet:
    """Pages shown in public listings: live, public, and neither an internal section nor inside one."""
    pages = public(pages.live())
    for slug in INTERNAL_SECTION_SLUGS:
        internal = SectionPage.objects.filter(slug=slug, depth=3).values_list("path", flat=True).first()
        if internal:
            pages = pages.exclude(path__startswith=internal)
    return pages


def latest_items(*, under: Page, limit: int = LATEST_ON_HOME) -> list[ContentPage]:
    """The newest published content items anywhere below `under`, newest first (one query per page type)."""
    pages = listed(Page.objects.descendant_of(under).type(*CONTENT_MODELS.values()))
    return list(pages.order_by("-first_published_at", "-pk").specific()[:limit])


def sub_sections(*, section: Page) -> list[SectionPage]:
    return list(listed(SectionPage.objects.child_of(section)).order_by("path"))


def rendering_context(*, page: Page, request) -> dict:
    """What the built-in rendering (pages/page.html) shows around and below a page: the site's name and
    settings (footer, logo), its navigation, and the page's listings (latest items on the home page; a
    section's sub-sections, its items at any depth, paged, and its plain pages)."""
    from django.core.paginator import Paginator

    site = page.get_site()
    settings = site_settings(request=request)
    context = {"site_name": site.site_name if site else "", "site_settings": settings}
    menus = navigation(settings=settings, request=request)
    if not menus and site is not None:
        # No menu configured: the home page's sections marked 显示在菜单中.
        menus = [
            {"label": child.title, "url": child.get_url(request), "children": []}
            for child in listed(site.root_page.get_children().in_menu())
        ]
    context["navigation"] = menus
    if isinstance(page, HomePage):
        context["latest_items"] = latest_items(under=page)
        context["sections"] = sub_sections(section=page)
    elif isinstance(page, SectionPage):
        context["sections"] = sub_sections(section=page)
        items = listed(Page.objects.descendant_of(page).type(*CONTENT_MODELS.values()))
        paginator = Paginator(items.order_by("-first_published_at", "-pk").specific(), ITEMS_PER_SECTION_PAGE)
        context["items"] = paginator.get_page(request.GET.get("p") if request else None)
        context["others"] = list(listed(StandardPage.objects.child_of(page)).order_by("path"))
    return context
