"""Scoring: each site's sections and score, kept current from publishing and once a day.

`sync_sections` runs in the transaction that changed a site's national-index entries (see signals.py)
and then `compute_health` for that site: a handful of queries on public tables, so a publish moves
the score at once. `refresh_health` recomputes every site (dates move on even when nobody publishes)
with the same few queries whatever the number of sites; it never reads a site's schema.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from cms.network.index import bump_network_version
from cms.network.models import IndexEntry
from sites.models import Association

from .models import InspectionRule, LinkStatus, SectionState, SiteHealth
from .rules import DEFAULT_RULES, SectionFacts, SiteFacts, evaluate, overdue_opinion_counts

CONTENT_TYPES = ["article", "notice", "event", "profile", "work"]
WEEKS = 8
LOCK_NAMESPACE = 0x6F767273  # "ovrs": per-site advisory lock while its section rows are rewritten


def ensure_default_rules() -> int:
    """Create the default indicators that are missing (an edited rule is left as the central office set it)."""
    made = 0
    for order, (code, name, kind, threshold, weight, deduction, keywords, description) in enumerate(DEFAULT_RULES):
        _, created = InspectionRule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "threshold": threshold,
                "weight": weight,
                "deduction": deduction,
                "keywords": keywords,
                "description": description,
                "order": order,
            },
        )
        made += created
    return made


def sync_sections(*, site: Association, cadences: dict[int, int] | None = None) -> None:
    """Rewrite the site's section rows from its index entries; `cadences` are sections just (re)published."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, site.pk])
    known = dict(SectionState.objects.filter(site=site).values_list("section_id", "cadence_days"))
    known.update(cadences or {})
    entries = IndexEntry.objects.filter(site=site)
    sections = list(entries.filter(page_type="section").values("page_id", "title", "url", "section_id"))
    parents = {row["section_id"] for row in sections if row["section_id"]}
    stats = {
        row["section_id"]: row
        for row in entries.filter(page_type__in=CONTENT_TYPES, section_id__isnull=False)
        .values("section_id")
        .annotate(count=Count("id"), last=Max("updated_at"))
    }
    rows = [
        SectionState(
            site=site,
            section_id=row["page_id"],
            title=row["title"],
            url=row["url"],
            cadence_days=known.get(row["page_id"], 7),
            has_subsections=row["page_id"] in parents,
            item_count=stats.get(row["page_id"], {}).get("count", 0),
            last_item_at=stats.get(row["page_id"], {}).get("last"),
        )
        for row in sections
    ]
    SectionState.objects.filter(site=site).delete()
    SectionState.objects.bulk_create(rows)


def compute_health(*, site_ids: list[int] | None = None, today: datetime.date | None = None) -> int:
    """Evaluate the rules for the given sites (every site in service by default); returns how many.

    Seven queries for any number of sites: registry, rules, sections, last updates, weekly counts,
    link problems, and the upsert (plus the opinions provider's own, when one is configured).
    """
    today = today or timezone.localdate()
    sites = Association.objects.exclude(schema_name=get_public_schema_name()).filter(archived_at__isnull=True)
    if site_ids is not None:
        sites = sites.filter(pk__in=site_ids)
    sites = list(sites)
    if not sites:
        return 0
    ids = [site.pk for site in sites]
    rules = list(InspectionRule.objects.all())
    sections = defaultdict(list)
    for state in SectionState.objects.filter(site_id__in=ids).order_by("site_id", "section_id"):
        sections[state.site_id].append(
            SectionFacts(
                section_id=state.section_id,
                title=state.title,
                url=state.url,
                cadence_days=state.cadence_days,
                has_subsections=state.has_subsections,
                item_count=state.item_count,
                last_item_at=state.last_item_at,
            )
        )
    latest = {
        row["site_id"]: row
        for row in IndexEntry.objects.filter(site_id__in=ids)
        .values("site_id")
        .annotate(
            last=Max("updated_at", filter=Q(page_type__in=CONTENT_TYPES)),
            pages=Count("id"),
        )
    }
    start = today - datetime.timedelta(days=7 * WEEKS - 1)
    weekly = defaultdict(lambda: [0] * WEEKS)
    for row in (
        IndexEntry.objects.filter(site_id__in=ids, page_type__in=CONTENT_TYPES, published_at__date__gte=start)
        .annotate(day=TruncDate("published_at"))
        .values("site_id", "day")
        .annotate(count=Count("id"))
    ):
        week = min((row["day"] - start).days // 7, WEEKS - 1)
        weekly[row["site_id"]][week] += row["count"]
    problems = defaultdict(list)
    for site_id, url, state in LinkStatus.objects.filter(site_id__in=ids, state__in=LinkStatus.PROBLEMS).values_list(
        "site_id", "url", "state"
    ):
        problems[site_id].append(f"{url}（{LinkStatus.State(state).label}）")
    opinion_rule = next((rule for rule in rules if rule.code == "overdue_opinions"), None)
    overdue = overdue_opinion_counts(ids, today, opinion_rule.threshold if opinion_rule else 90)
    rows = []
    for site in sites:
        facts = SiteFacts(
            site=site,
            today=today,
            last_update=latest.get(site.pk, {}).get("last"),
            sections=sections[site.pk],
            problem_links=problems[site.pk],
            overdue_opinions=None if overdue is None else overdue.get(site.pk, 0),
        )
        result = evaluate(rules, facts)
        rows.append(
            SiteHealth(
                site=site,
                computed_on=today,
                computed_at=timezone.now(),
                passed=result.passed,
                score=result.score,
                failing=result.failing,
                last_update=facts.last_update,
                page_count=latest.get(site.pk, {}).get("pages", 0),
                weekly_published=weekly[site.pk],
            )
        )
    SiteHealth.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["site"],
        update_fields=[
            "computed_on",
            "computed_at",
            "passed",
            "score",
            "failing",
            "last_update",
            "page_count",
            "weekly_published",
        ],
    )
    bump_network_version()  # cached central answers (siteHealth) key on it
    return len(rows)


def refresh_health(*, today: datetime.date | None = None) -> int:
    """Every site's result, for today (the daily pass; the dashboard runs it when a day has turned)."""
    today = today or timezone.localdate()
    SiteHealth.objects.filter(site__archived_at__isnull=False).delete()
    return compute_health(today=today)


def refresh_if_stale(*, today: datetime.date | None = None) -> bool:
    """Recompute when any site in service has no result for today: public tables only, a few queries."""
    today = today or timezone.localdate()
    in_service = Association.objects.exclude(schema_name=get_public_schema_name()).filter(archived_at__isnull=True)
    fresh = SiteHealth.objects.filter(computed_on=today, site__archived_at__isnull=True).count()
    if fresh == in_service.count():
        return False
    refresh_health(today=today)
    return True


def site_changed(*, site: Association, cadences: dict[int, int] | None = None) -> None:
    """A site's index entries changed (in its publishing transaction): its sections, then its score."""
    if site.archived_at or site.schema_name == get_public_schema_name():
        return
    with transaction.atomic():
        sync_sections(site=site, cadences=cadences)
        compute_health(site_ids=[site.pk])
