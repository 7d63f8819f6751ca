"""Rebuilding search indexes: Wagtail's in every schema, and Elasticsearch's from the page trees."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django_tenants.utils import schema_context
from modelsearch.backends import get_search_backend
from modelsearch.index import get_indexed_models

from sites.models import Association
from sites.versioning import bump_version


def reindex_site_search(site: Association) -> int:
    """Rewrite one site's Wagtail search index (in its schema, one transaction); returns objects indexed."""
    from wagtail.search.models import IndexEntry as SearchEntry

    backend, count = get_search_backend(), 0
    with schema_context(site.schema_name), transaction.atomic():
        SearchEntry.objects.all().delete()
        for model in get_indexed_models():
            # Each model's indexed objects are those of exactly its type (Page's: only plain pages).
            objects = list(model.get_indexed_objects())
            if objects:
                backend.add_bulk(model, objects)
                count += len(objects)
        bump_version()  # cached search answers were computed from the old index
    return count


def reindex_all(*, progress: Callable[[str], None] | None = None) -> int:
    from cms.network.index import reindex_site

    sites = list(Association.objects.order_by("pk"))
    for number, site in enumerate(sites, 1):
        indexed = reindex_site_search(site)
        if settings.ELASTICSEARCH_URL:
            from cms.search import elastic

            # The site's documents are dropped, then every entry's is written again (both after commit, in order).
            elastic.schedule_removal(tenant=site.schema_name, page_ids=None)
            reindex_site(site)
        if progress:
            progress(f"[{number}/{len(sites)}] {site.name}（{site.slug}）：{indexed} 个对象")
    return len(sites)
