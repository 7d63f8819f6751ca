"""Freshness: a page is in its site's search index the moment it is published, and Elasticsearch
(when configured) follows the national index.

Wagtail indexes saved objects in a background task; publishing also indexes the page at once,
inside the publishing transaction. Unpublished pages drop out at once because searches only
ask for live pages.
"""

from django.conf import settings
from django.dispatch import receiver
from modelsearch.index import insert_or_update_object
from wagtail.signals import page_published

from cms.network import index

from . import elastic


@receiver(page_published)
def index_published_page(sender, instance, **kwargs):
    insert_or_update_object(instance)


@receiver(index.entries_synced)
def send_entries_to_elasticsearch(sender, site, pages, entries, removed_page_ids, **kwargs):
    if not settings.ELASTICSEARCH_URL:
        return
    by_id = {page.pk: page for page in pages}
    elastic.schedule_sync(
        tenant=site.schema_name,
        entries=entries,
        removed_page_ids=removed_page_ids,
        bodies={entry.page_id: elastic.body_text(by_id[entry.page_id]) for entry in entries},
        paths={entry.page_id: by_id[entry.page_id].path for entry in entries},
    )


@receiver(index.entries_removed)
def remove_entries_from_elasticsearch(sender, site, page_ids, **kwargs):
    if settings.ELASTICSEARCH_URL:
        elastic.schedule_removal(tenant=site.schema_name, page_ids=page_ids)


@receiver(index.placement_changed)
def rewrite_placement_in_elasticsearch(sender, site, **kwargs):
    # Documents carry the site's placement too: rewrite them with the rows (the sync above sends them).
    if settings.ELASTICSEARCH_URL:
        index.reindex_site(site)
