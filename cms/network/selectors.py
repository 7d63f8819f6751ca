"""Reads of the network layer: national feeds and the registry, from the public schema only.

Feeds read the national index, one table, never the sites' schemas.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django_tenants.utils import get_public_schema_name

from sites.models import Association

from .models import CONTENT_TYPES, IndexEntry

SEARCH_COLUMNS = ("search_title", "search_body", "search_vector")  # for search only: feeds never load them


class BadCursor(ValueError):
    pass


@dataclass
class FeedPage:
    items: list[IndexEntry]
    has_next: bool
    end_cursor: str | None


def feed_entries(
    *,
    kind: str | None = None,
    region: str | None = None,
    parent_id: int | None = None,
    under_id: int | None = None,
    site_id: int | None = None,
    page_type: str | None = None,
    section_id: int | None = None,
    art_form: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    default_types: list[str] = CONTENT_TYPES,
) -> QuerySet:
    """Index entries, newest first, filtered. Without `page_type`, those of `default_types` (content items:
    not sections or home pages)."""
    entries = IndexEntry.objects.all()
    entries = entries.filter(page_type=page_type) if page_type else entries.filter(page_type__in=default_types)
    if kind:
        entries = entries.filter(site_kind=kind)
    if region:
        entries = entries.filter(region=region)
    if parent_id is not None:
        entries = entries.filter(ancestor_ids__0=parent_id)
    if under_id is not None:
        entries = entries.filter(ancestor_ids__contains=[under_id])
    if site_id is not None:
        entries = entries.filter(site_id=site_id)
    if section_id is not None:
        entries = entries.filter(section_id=section_id)
    if art_form:
        entries = entries.filter(art_forms__contains=[art_form])
    if date_from:
        entries = entries.filter(date__gte=date_from)
    if date_to:
        entries = entries.filter(date__lte=date_to)
    return entries.order_by("-published_at", "-id")


def children_entries(*, site: Association, descendants: bool) -> QuerySet:
    """Entries of a site's children (or all its descendants). The central office's children are the top-level sites."""
    entries = IndexEntry.objects.filter(page_type__in=CONTENT_TYPES)
    if site.schema_name == get_public_schema_name():
        entries = entries.exclude(site=site)
        if not descendants:
            entries = entries.filter(ancestor_ids__0__isnull=True)  # top-level sites
    elif descendants:
        entries = entries.filter(ancestor_ids__contains=[site.pk])
    else:
        entries = entries.filter(ancestor_ids__0=site.pk)
    return entries.order_by("-published_at", "-id")


def page_of(entries: QuerySet, *, first: int, after: str | None) -> FeedPage:
    """A keyset page: stable while new items arrive at the top."""
    if after:
        published_at, pk = decode_cursor(after)
        entries = entries.filter(Q(published_at__lt=published_at) | Q(published_at=published_at, pk__lt=pk))
    window = list(entries.defer(*SEARCH_COLUMNS).select_related("site").prefetch_related("site__domains")[: first + 1])
    items, has_next = window[:first], len(window) > first
    return FeedPage(items=items, has_next=has_next, end_cursor=encode_cursor(items[-1]) if has_next else None)


def encode_cursor(entry: IndexEntry) -> str:
    return base64.urlsafe_b64encode(f"{entry.published_at.isoformat()}|{entry.pk}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        published, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        moment = parse_datetime(published)
        if moment is None:
            raise ValueError
        return moment, int(pk)
    except (ValueError, UnicodeDecodeError):
        raise BadCursor(cursor) from None


def entry(entry_id: int) -> IndexEntry | None:
    return (
        IndexEntry.objects.defer(*SEARCH_COLUMNS)
        .select_related("site")
        .prefetch_related("site__domains")
        .filter(pk=entry_id)
        .first()
    )


def registry() -> list[Association]:
    """Every site in service, with its domains, in one list (the tree is built from parent ids)."""
    return list(
        Association.objects.filter(archived_at__isnull=True)
        .exclude(schema_name=get_public_schema_name())
        .prefetch_related("domains")
        .order_by("pk")
    )
