"""Reads of the page library, shared by the GraphQL API and the admin."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Left, Length
from wagtail.models import Page, PageViewRestriction

from .models import ArticlePage, ContentPage, EventPage, NoticePage, ProfilePage, SectionPage, SiteSettings, WorkPage

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
