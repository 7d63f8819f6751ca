"""Thin receivers: the national index's signals move the sites' oversight results."""

from django.dispatch import receiver

from cms.network.index import entries_removed, entries_synced

from . import scoring


@receiver(entries_synced)
def index_synced(sender, site, pages, entries, removed_page_ids, **kwargs):
    cadences = {page.pk: page.update_cadence_days for page in pages if hasattr(page, "update_cadence_days")}
    scoring.site_changed(site=site, cadences=cadences)


@receiver(entries_removed)
def index_removed(sender, site, page_ids, **kwargs):
    scoring.site_changed(site=site)
