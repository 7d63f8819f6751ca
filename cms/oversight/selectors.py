"""Oversight reads: the dashboard's rows (two queries over precomputed rows), a site's report, exports."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from sites.models import Association

from .models import InspectionRule, LinkCheckRun, LinkStatus, SectionState, SiteHealth
from .reach import top_content, weekly_views

MAX_ROWS = 5000


@dataclass
class DashboardRow:
    site: Association
    health: SiteHealth | None
    weekly_views: list[int]

    @property
    def failing_names(self) -> list[str]:
        return [rule["name"] for rule in (self.health.failing if self.health else [])]


def dashboard_rows(
    *,
    kind: str | None = None,
    region: str | None = None,
    parent_id: int | None = None,
    result: str | None = None,
    today: datetime.date | None = None,
    with_domains: bool = False,
) -> list[DashboardRow]:
    """Every site in service with its result, filtered: one query for sites and results, one for reach
    (and one for their domains when asked)."""
    sites = (
        Association.objects.exclude(schema_name=get_public_schema_name())
        .filter(archived_at__isnull=True)
        .select_related("parent")
        .order_by("id")
    )
    if kind:
        sites = sites.filter(kind=kind)
    if region:
        sites = sites.filter(region=region)
    if parent_id:
        sites = sites.filter(Q(parent_id=parent_id) | Q(pk=parent_id))
    if result == "failed":
        sites = sites.filter(oversight_health__passed=False)
    elif result == "passed":
        sites = sites.filter(oversight_health__passed=True)
    sites = sites.select_related("oversight_health")
    if with_domains:
        sites = sites.prefetch_related("domains")
    sites = list(sites[:MAX_ROWS])
    views = weekly_views(site_ids=[site.pk for site in sites], today=today)
    return [
        DashboardRow(site=site, health=getattr(site, "oversight_health", None), weekly_views=views[site.pk])
        for site in sites
    ]


def regions() -> list[str]:
    return list(Association.objects.exclude(region="").order_by("region").values_list("region", flat=True).distinct())


def parents() -> list[Association]:
    return list(Association.objects.filter(children__isnull=False).distinct().order_by("id"))


@dataclass
class SiteReport:
    site: Association
    health: SiteHealth | None
    sections: list[SectionState]
    problem_links: list[LinkStatus]
    link_counts: dict[str, int]
    last_run: LinkCheckRun | None
    top: list[dict]
    weekly_views: list[int]


def site_report(*, site: Association, today: datetime.date | None = None) -> SiteReport:
    """One site's report: its result, sections, problem links, last link check, most read pages."""
    from django.db.models import Count

    today = today or timezone.localdate()
    counts = dict(
        LinkStatus.objects.filter(site=site).values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    return SiteReport(
        site=site,
        health=SiteHealth.objects.filter(site=site).first(),
        sections=list(SectionState.objects.filter(site=site).order_by("last_item_at", "title")),
        problem_links=list(
            LinkStatus.objects.filter(site=site, state__in=LinkStatus.PROBLEMS).order_by("state", "url")[:500]
        ),
        link_counts=counts,
        last_run=LinkCheckRun.objects.filter(site=site).first(),
        top=top_content(site_id=site.pk, days=30, limit=10, today=today),
        weekly_views=weekly_views(site_ids=[site.pk], today=today)[site.pk],
    )


def rules() -> list[InspectionRule]:
    return list(InspectionRule.objects.all())


def site_stats(site_ids: list[int]) -> dict[int, dict]:
    """Page counts and last updates for the registry's list (one query)."""
    return {
        site_id: {"pages": pages, "last_update": last, "score": score, "passed": passed}
        for site_id, pages, last, score, passed in SiteHealth.objects.filter(site_id__in=site_ids).values_list(
            "site_id", "page_count", "last_update", "score", "passed"
        )
    }


EXPORT_HEADERS = [
    "网站",
    "标识",
    "级别",
    "地区",
    "上级",
    "状态",
    "得分",
    "结论",
    "未通过指标",
    "最近更新",
    "页面数",
    "近8周发布",
    "近8周访问",
]


def export_rows(rows: list[DashboardRow]) -> list[list]:
    table = []
    for row in rows:
        health = row.health
        table.append(
            [
                row.site.name,
                row.site.slug,
                row.site.get_kind_display(),
                row.site.region,
                row.site.parent.name if row.site.parent else "",
                row.site.get_state_display(),
                health.score if health else "",
                ("合格" if health.passed else "不合格") if health else "未评估",
                "、".join(row.failing_names),
                timezone.localtime(health.last_update).strftime("%Y-%m-%d %H:%M")
                if health and health.last_update
                else "",
                health.page_count if health else 0,
                sum(health.weekly_published) if health else 0,
                sum(row.weekly_views),
            ]
        )
    return table
