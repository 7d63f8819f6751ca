"""Reach (传播力): first-party view counts per page and day, from a beacon front ends call.

Nothing about the reader is kept: no address, no cookie, no user agent; only (site, page, day) -> views.
A view counts only for a page the site has published (its national-index entry), so the table holds
nothing a caller invents; crawlers and prefetches are not counted.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from cms.network.models import IndexEntry
from sites.models import Association

from .models import PageViewDay

BOTS = re.compile(
    r"bot|crawl|spider|slurp|archiver|preview|headless|phantom|lighthouse|monitor|checker|scan|"
    r"curl|wget|python|httpclient|http-client|go-http|java/|okhttp|scrapy|axios|node-fetch|libwww|perl",
    re.IGNORECASE,
)
WEEKS = 8


def is_bot(*, user_agent: str, purpose: str = "") -> bool:
    """Crawlers, scripts, monitors and prefetches (an empty user agent too) are not readers."""
    return not user_agent.strip() or bool(BOTS.search(user_agent)) or "prefetch" in purpose.lower()


def record_view(*, site: Association, page_id: int, day: datetime.date | None = None) -> bool:
    """Count one view of a published page of `site` (one statement); False when the page is not one."""
    day = day or timezone.localdate()
    views, entries = PageViewDay._meta.db_table, IndexEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {views} (site_id, page_id, day, views) "  # noqa: S608 (our own table names)
            f"SELECT site_id, page_id, %s, 1 FROM {entries} WHERE site_id = %s AND page_id = %s "
            f"ON CONFLICT (site_id, page_id, day) DO UPDATE SET views = {views}.views + 1",
            [day, site.pk, page_id],
        )
        return cursor.rowcount > 0


def top_content(*, site_id: int | None = None, days: int = 7, limit: int = 10, today: datetime.date | None = None):
    """The most viewed pages over the last `days` days, of one site or the whole network (two queries)."""
    today = today or timezone.localdate()
    rows = PageViewDay.objects.filter(day__gt=today - datetime.timedelta(days=days), day__lte=today)
    if site_id is not None:
        rows = rows.filter(site_id=site_id)
    top = list(
        rows.values("site_id", "page_id").annotate(total=Sum("views")).order_by("-total", "site_id", "page_id")[:limit]
    )
    wanted = {(row["site_id"], row["page_id"]) for row in top}
    entries = {}
    if wanted:
        sites = {site for site, _ in wanted}
        pages = {page for _, page in wanted}
        for entry in IndexEntry.objects.filter(site_id__in=sites, page_id__in=pages).select_related("site"):
            entries[(entry.site_id, entry.page_id)] = entry
    return [
        {"entry": entries[(row["site_id"], row["page_id"])], "views": row["total"]}
        for row in top
        if (row["site_id"], row["page_id"]) in entries
    ]


def weekly_views(*, site_ids: list[int] | None = None, today: datetime.date | None = None) -> dict[int, list[int]]:
    """Views per site in each of the last 8 weeks (oldest first): one grouped query."""
    today = today or timezone.localdate()
    start = today - datetime.timedelta(days=7 * WEEKS - 1)
    rows = PageViewDay.objects.filter(day__gte=start, day__lte=today)
    if site_ids is not None:
        rows = rows.filter(site_id__in=site_ids)
    weekly: dict[int, list[int]] = defaultdict(lambda: [0] * WEEKS)
    for row in rows.values("site_id", "day").annotate(total=Sum("views")):
        weekly[row["site_id"]][min((row["day"] - start).days // 7, WEEKS - 1)] += row["total"]
    return weekly
