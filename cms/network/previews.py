"""Reads for the receiver's inbox: a preview of an item submitted to it, as its source publishes it.

The receiver reads the source site's *live, public* page (what anyone can read on the source's own
host), only for a record addressed to the receiver and still waiting, and writes nothing there: images
are shown from their original files (no rendition is made in the source's schema), and every media
and document address is on the source's own host.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django_tenants.utils import schema_context
from wagtail.models import Page

from cms.media.origin import public_origin, request_origin
from cms.pages.selectors import public
from sites.models import Association

from .models import Syndication


def submission_previews(*, receiver: Association, records: list[Syndication]) -> dict[int, str]:
    """HTML previews of the receiver's waiting records, by record id (a record whose source page is no
    longer live and public gets none). One schema switch and two queries a source site, not a record."""
    by_source: dict[int, list[Syndication]] = {}
    for record in records:
        if record.target_site_id == receiver.pk and record.status == Syndication.Status.PENDING:
            if record.source_site_id:
                by_source.setdefault(record.source_site_id, []).append(record)
    previews: dict[int, str] = {}
    sources = Association.objects.filter(pk__in=by_source, archived_at__isnull=True).prefetch_related("domains")
    for source in sources:
        wanted = {record.source_page_id: record for record in by_source[source.pk]}
        token = request_origin.set(public_origin(source.primary_domain or ""))
        try:
            with schema_context(source.schema_name):
                pages = public(Page.objects.live()).filter(pk__in=wanted).specific()
                for page in pages:
                    previews[wanted[page.pk].pk] = render_to_string(
                        "network/_preview.html", {"page": page, "originals": True}
                    )
        finally:
            request_origin.reset(token)
    return previews
