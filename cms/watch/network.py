"""The network's own content as a source: the national index says what was published, the site's
schema holds the text. Nothing here scans schemas: only the pages the index just synced are read."""

from __future__ import annotations

from django.db import connection
from wagtail.models import Page

from cms.review.selectors import page_text
from sites.models import Association

from .models import Document, Source
from .services import Incoming, builtin_source, ingest_many


def external_id(site_id: int, page_id: int) -> str:
    return f"{site_id}:{page_id}"


def page_versions(*, entries) -> list[list]:
    """[page_id, version] of the synced entries (a version is the page's last publishing time)."""
    return [[entry.page_id, entry.updated_at.isoformat()] for entry in entries]


def ingest_pages(*, site_id: int, pages: list[list]) -> int:
    """Match the given pages of the site whose schema the connection is in. Returns documents stored."""
    site = Association.objects.filter(pk=site_id).first()
    if site is None:
        return 0
    if connection.schema_name != site.schema_name:
        raise RuntimeError(f"Pages of site {site_id} are read in its own schema, not {connection.schema_name}")
    versions = {page_id: version for page_id, version in pages}
    seen = dict(
        Document.objects.filter(
            source__kind=Source.Kind.NETWORK,
            site=site,
            external_id__in=[external_id(site.pk, page_id) for page_id in versions],
        ).values_list("external_id", "version")
    )
    # A site re-indexed whole (a new domain, its settings saved) sends every page: only changed ones are read.
    versions = {
        page_id: version for page_id, version in versions.items() if seen.get(external_id(site.pk, page_id)) != version
    }
    items = []
    for page in Page.objects.live().filter(pk__in=list(versions)).specific():
        texts = page_text(page)
        items.append(
            Incoming(
                external_id=external_id(site.pk, page.pk),
                title=page.title,
                text="\n".join(text for label, text in texts.items() if text != page.title),
                url=page.full_url or "",
                published_at=page.first_published_at or page.last_published_at,
                site_id=site.pk,
                version=versions[page.pk],
            )
        )
    if items:
        ingest_many(source=builtin_source(Source.Kind.NETWORK), items=items)
    return len(items)
