"""Re-scanning a site's published content against its effective lexicon (after a lexicon change)."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone
from wagtail.models import Page

from .models import Finding, Rescan
from .screening import matcher_for, screen_with, site_of_schema, version_and_chain
from .selectors import page_text

PROGRESS_EVERY = 50
BATCH = 200


def run_rescan(*, rescan_id: int) -> dict:
    """Screen every live page of the site (run in its schema); findings replace the previous ones.
    Progress is saved as it goes; a rerun after a failure starts over (a scan is cheap)."""
    rescan = Rescan.objects.filter(pk=rescan_id).select_related("site").first()
    if rescan is None:
        return {"hits": 0, "pages": 0}
    site = site_of_schema()
    if site is None or site.pk != rescan.site_id:
        raise RuntimeError(f"Rescan {rescan_id} runs in schema {connection.schema_name}, not its site's")
    matcher = matcher_for(site)
    pages = Page.objects.live().filter(depth__gt=1).order_by("path")
    rescan.status, rescan.started_at = Rescan.Status.RUNNING, timezone.now()
    rescan.pages_total, rescan.pages_done, rescan.hits = pages.count(), 0, 0
    rescan.lexicon_version = version_and_chain(site)[0]
    rescan.save()
    found: list[Finding] = []
    try:
        for number, page in enumerate(pages.specific().iterator(chunk_size=BATCH), 1):
            result = screen_with(matcher, text_fields=page_text(page))
            found.extend(
                Finding(
                    site=site,
                    rescan=rescan,
                    page_id=page.pk,
                    page_title=page.title[:255],
                    word=hit.word,
                    category=hit.category,
                    level=hit.level,
                    field=hit.field[:100],
                    context=hit.context[:200],
                )
                for hit in result.hits
            )
            if number % PROGRESS_EVERY == 0:
                Rescan.objects.filter(pk=rescan.pk).update(pages_done=number, hits=len(found))
        with transaction.atomic():
            Finding.objects.filter(site=site).delete()
            Finding.objects.bulk_create(found, batch_size=1000)
            rescan.status, rescan.finished_at = Rescan.Status.DONE, timezone.now()
            rescan.pages_done, rescan.hits = rescan.pages_total, len(found)
            rescan.save()
    except Exception as error:
        Rescan.objects.filter(pk=rescan.pk).update(
            status=Rescan.Status.FAILED, error=str(error)[:1000], finished_at=timezone.now()
        )
        raise
    return {"hits": len(found), "pages": rescan.pages_total}
