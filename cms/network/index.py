"""The national index: writes. One row per published, public page of every site.

Called from the publishing signals (cms/network/signals.py) inside the transaction that
published, unpublished, moved or deleted the page, so the index commits or rolls back with
the change itself; `cms network reindex` rebuilds it from the sites' page trees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from django.dispatch import Signal
from django_tenants.utils import get_public_schema_name, schema_context
from wagtail.models import Page, PageViewRestriction

from cms.media.origin import host_of, portable_url
from cms.text.segmentation import index_text
from sites.models import Association

from .models import IndexEntry

# What the index did, for those who keep copies of it elsewhere (search sends them to Elasticsearch).
# Sent inside the transaction that wrote the rows. `entries` are every entry wanted for `pages` (not only
# the changed ones: a body edit changes no entry field but changes a document).
entries_synced = Signal()  # site, pages, entries, removed_page_ids
entries_removed = Signal()  # site, page_ids (None: every entry of the site)
placement_changed = Signal()  # site: its level, region or ancestors changed, and its entries with them

ENTRY_FIELDS = [
    "page_type",
    "section_id",
    "section_title",
    "title",
    "summary",
    "art_forms",
    "tags",
    "site_kind",
    "region",
    "ancestor_ids",
    "date",
    "published_at",
    "updated_at",
    "url",
    "canonical_url",
    "source_site_name",
    "search_title",
    "search_body",
]
PAGE_TYPES = {
    "articlepage": "article",
    "noticepage": "notice",
    "eventpage": "event",
    "profilepage": "profile",
    "workpage": "work",
    "sectionpage": "section",
    "standardpage": "standard",
    "homepage": "home",
}


@dataclass
class SiteCounts:
    added: int = 0
    updated: int = 0
    removed: int = 0


VERSION_SEQUENCE = "network_version_seq"


def _advance_network_version() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval('{get_public_schema_name()}.{VERSION_SEQUENCE}')")


def bump_network_version() -> None:
    """Move the network version on once the transaction commits (cached network answers key on it).

    A sequence, after commit: publishing on one site never waits for, or deadlocks with, another's.
    """
    transaction.on_commit(_advance_network_version)


def current_network_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value, is_called FROM {get_public_schema_name()}.{VERSION_SEQUENCE}")  # noqa: S608 (our own schema names)
        last_value, is_called = cursor.fetchone()
    return last_value if is_called else 0


def site_of_current_schema() -> Association | None:
    """The registry entry of the schema the connection is in (None in a template's scratch schema)."""
    return Association.objects.filter(schema_name=connection.schema_name).first()


def ancestor_ids(site: Association) -> list[int]:
    """Ids of the site's parent, its parent's parent, and so on (nearest first): one small query a
    level (the hierarchy is a few levels deep), not the whole registry on every publish."""
    chain, current = [], site.parent_id
    while current is not None and current not in chain:
        chain.append(current)
        current = Association.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return chain


# --- Incremental updates, in the schema of the site whose page changed ---


def index_subtree(page: Page) -> None:
    """Bring the entries of a page and everything below it in line with the page tree."""
    site = site_of_current_schema()
    if site is None or site.archived_at:
        return
    pages = Page.objects.filter(path__startswith=page.path, depth__gt=1)
    _sync(site, pages=pages, existing=IndexEntry.objects.filter(site=site, page_id__in=pages.values("pk")))


def page_published(page: Page) -> None:
    site = site_of_current_schema()
    if site is None or site.archived_at:
        return
    old = IndexEntry.objects.filter(site=site, page_id=page.pk).values_list("url", "title").first()
    entries = _sync(
        site, pages=Page.objects.filter(pk=page.pk), existing=IndexEntry.objects.filter(site=site, page_id=page.pk)
    )
    new = (entries[0].url, entries[0].title) if entries else None
    # A section's new slug or title changes the URL or section of everything below it.
    if old != new and page.numchild:
        index_subtree(page)


def pages_removed(page_ids: Iterable[int]) -> None:
    site = site_of_current_schema()
    if site is None:
        return
    page_ids = list(page_ids)
    if IndexEntry.objects.filter(site=site, page_id__in=page_ids).delete()[0]:
        bump_network_version()
    entries_removed.send(sender=IndexEntry, site=site, page_ids=page_ids)


def update_site_placement(site: Association) -> None:
    """The site's level, region or parent changed: its entries and its descendants' follow."""
    affected = [site.pk] + list(
        IndexEntry.objects.filter(ancestor_ids__contains=[site.pk]).values_list("site_id", flat=True).distinct()
    )
    changed = 0
    for each in Association.objects.filter(pk__in=affected):
        placement = {"site_kind": each.kind, "region": each.region, "ancestor_ids": ancestor_ids(each)}
        changed += IndexEntry.objects.filter(site=each).exclude(**placement).update(**placement)
        placement_changed.send(sender=IndexEntry, site=each)
    if changed:
        bump_network_version()


def remove_site(site: Association) -> None:
    if IndexEntry.objects.filter(site=site).delete()[0]:
        bump_network_version()
    entries_removed.send(sender=IndexEntry, site=site, page_ids=None)


# --- Rebuilding ---


def index_is_missing() -> bool:
    """True for a network with sites but an empty index (a data folder from before it existed); a
    network whose sites have no published page at all is rebuilt too, which costs nothing."""
    return (
        not IndexEntry.objects.exists() and Association.objects.exclude(schema_name=get_public_schema_name()).exists()
    )


def reindex_site(site: Association) -> SiteCounts:
    """Rebuild one site's entries from its page tree (in its schema); returns what changed."""
    if site.archived_at:
        return SiteCounts(removed=IndexEntry.objects.filter(site=site).delete()[0])
    counts = SiteCounts()
    with schema_context(site.schema_name):
        with transaction.atomic():
            _sync(
                site,
                pages=Page.objects.filter(depth__gt=1),
                existing=IndexEntry.objects.filter(site=site),
                counts=counts,
            )
    return counts


def reindex_network(*, progress: Callable[[str], None] | None = None) -> SiteCounts:
    """Rebuild the whole index, site by site, each in its own transaction: a rerun resumes."""
    total = SiteCounts()
    sites = list(Association.objects.order_by("pk"))
    IndexEntry.objects.exclude(site__in=sites).delete()
    for number, site in enumerate(sites, 1):
        counts = reindex_site(site)
        total.added += counts.added
        total.updated += counts.updated
        total.removed += counts.removed
        if progress:
            state = (
                "已归档，条目已移除"
                if site.archived_at
                else f"新增 {counts.added}，更新 {counts.updated}，移除 {counts.removed}"
            )
            progress(f"[{number}/{len(sites)}] {site.name}（{site.slug}）：{state}")
    return total


# --- Building entries from pages ---


def _sync(site: Association, *, pages, existing, counts: SiteCounts | None = None) -> list[IndexEntry]:
    """Upsert entries for the indexable pages among `pages`; delete the rest of `existing`."""
    specific = list(pages.live().specific())
    wanted = _entries(site, specific)
    current = {row["page_id"]: row for row in existing.values("page_id", *ENTRY_FIELDS)}
    changed = [entry for entry in wanted if _fields(entry) != current.get(entry.page_id)]
    stale = set(current) - {entry.page_id for entry in wanted}
    if changed:
        IndexEntry.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["site", "page_id"],
            update_fields=[*ENTRY_FIELDS, "indexed_at"],
        )
    if stale:
        IndexEntry.objects.filter(site=site, page_id__in=stale).delete()
    if changed or stale:
        bump_network_version()
    if wanted or stale:
        entries_synced.send(
            sender=IndexEntry, site=site, pages=specific, entries=wanted, removed_page_ids=sorted(stale)
        )
    if counts is not None:
        counts.added = sum(1 for entry in changed if entry.page_id not in current)
        counts.updated = len(changed) - counts.added
        counts.removed = len(stale)
    return wanted


def _fields(entry: IndexEntry) -> dict:
    return {"page_id": entry.page_id, **{name: getattr(entry, name) for name in ENTRY_FIELDS}}


def _entries(site: Association, pages: list[Page]) -> list[IndexEntry]:
    if not pages:
        return []
    from cms.pages.models import SectionPage, SiteSettings

    restricted = list(PageViewRestriction.objects.values_list("page__path", flat=True))
    # Never-published pages (Wagtail's placeholder home, made live by a migration) have no publishing time.
    pages = [
        page
        for page in pages
        if not any(page.path.startswith(path) for path in restricted)
        and (page.first_published_at or page.last_published_at)
    ]
    by_class = defaultdict(list)
    for page in pages:
        by_class[type(page)].append(page)
    for model, group in by_class.items():
        if hasattr(model, "tags"):
            prefetch_related_objects(group, "tags")
    section_paths = {page.path[:i] for page in pages for i in range(Page.steplen, len(page.path), Page.steplen)}
    sections = {s.path: s for s in SectionPage.objects.filter(path__in=section_paths).only("pk", "path", "title")}
    frontend = frontend_root(SiteSettings)
    placement = {"site_kind": site.kind, "region": site.region, "ancestor_ids": ancestor_ids(site)}
    entries = []
    for page in pages:
        section = next(
            (
                sections[page.path[:i]]
                for i in range(len(page.path) - Page.steplen, 0, -Page.steplen)
                if page.path[:i] in sections
            ),
            None,
        )
        url = public_url(page, frontend)
        entries.append(
            IndexEntry(
                site=site,
                page_id=page.pk,
                page_type=PAGE_TYPES.get(page._meta.model_name, page._meta.model_name),
                section_id=section.pk if section else None,
                section_title=section.title if section else "",
                title=page.title,
                summary=getattr(page, "summary", "") or page.search_description or "",
                art_forms=list(getattr(page, "art_forms", []) or []),
                tags=page.tag_names if hasattr(page, "tag_names") else [],
                date=getattr(page, "date", None)
                or (page.first_published_at.date() if page.first_published_at else None),
                published_at=page.first_published_at or page.last_published_at,
                updated_at=page.last_published_at or page.first_published_at,
                url=url,
                canonical_url=getattr(page, "canonical_url", "") or url,
                source_site_name=getattr(page, "source_site_name", "") or "",
                **placement,
            )
        )
        entry = entries[-1]
        entry.search_title = index_text(entry.title)
        entry.search_body = index_text(" ".join([entry.summary, " ".join(entry.tags), entry.section_title]))
    return entries


def frontend_root(settings_model) -> str:
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first()
    return settings_model.for_site(site).frontend_url.rstrip("/") if site else ""


def public_url(page: Page, frontend_root: str) -> str:
    """The page's address for readers, in its stored form: on the site's registered front end as it is,
    else portable on the site's own host ("//host/path", completed with the public scheme and port when
    read: cms.media.origin.complete_url), so that a change of port never leaves stale addresses."""
    parts = page.get_url_parts()
    if parts is None or not parts[1] or parts[2] is None:
        return ""
    _, root_url, page_path = parts
    if frontend_root:
        return f"{frontend_root}{page_path}"
    return portable_url(host_of(root_url), page_path)
