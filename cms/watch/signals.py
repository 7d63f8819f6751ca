"""Thin receivers: the national index tells the watch what was published or taken down."""

from django.db import transaction
from django.dispatch import receiver
from django_tenants.utils import get_public_schema_name, schema_context

from cms.feedback.signals import opinion_submitted
from cms.network import index

from . import jobs, network, services


@receiver(index.entries_synced)
def pages_synced(sender, site, entries, **kwargs):
    # No query here: nothing the watch does can slow down or break the publishing transaction.
    changed = network.page_versions(entries=entries)
    if changed:
        # Enqueued from the site's schema (the worker runs it there, where the pages are), after commit.
        def enqueue():
            with schema_context(site.schema_name):
                jobs.watch_pages.enqueue(site.pk, changed)

        transaction.on_commit(enqueue)


@receiver(index.entries_removed)
def pages_removed(sender, site, page_ids, **kwargs):
    services.mark_documents_removed(site=site, page_ids=page_ids)


@receiver(opinion_submitted)
def opinion_received(
    sender, *, external_id: str, text: str, title: str = "", url: str = "", published_at=None, site=None, **kwargs
):
    """The opinions channel (below this layer, it cannot call the watch) sends each stored opinion, its
    personal data masked. Matched by the worker once the submission commits: submitting never waits."""

    def enqueue():
        with schema_context(get_public_schema_name()):
            jobs.watch_opinion.enqueue(
                str(external_id),
                text or "",
                title or "",
                url or "",
                published_at.isoformat() if published_at else None,
                site.pk if site is not None else None,
            )

    transaction.on_commit(enqueue)
