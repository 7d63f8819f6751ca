"""Oversight over GraphQL, on the central office's host: scores, failing rules and reach of every site.

Reads the precomputed rows of cms.oversight (two or three queries for a whole page of sites), never
a site's schema.
"""

from __future__ import annotations

import graphene
from django_tenants.utils import get_public_schema_name

from cms.api.core.errors import ClientError
from cms.api.core.pagination import PageInfo, check_page_size, decode_cursor, encode_cursor, enum_value, first_argument
from cms.api.network.queries import NetworkItem, NetworkSite, SiteKind, id_argument
from cms.oversight import reach, selectors

MAX_DAYS = 90


def _central_only(info, field: str) -> None:
    if info.context.tenant.schema_name != get_public_schema_name():
        raise ClientError(
            f"`{field}` is answered on the central office's host only; a site's editors see its report in their admin."
        )


class RuleKind(graphene.Enum):
    VETO = "veto"
    SCORED = "scored"


class FailingRule(graphene.ObjectType):
    code = graphene.String(required=True, description="e.g. home_fresh, news_cadence, broken_links")
    name = graphene.String(required=True, description="The indicator's Chinese name")
    kind = graphene.Field(RuleKind, required=True, description="VETO fails the site; SCORED takes points off")
    count = graphene.Int(required=True, description="How many items fail it")
    points_lost = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(graphene.String), required=True, description="What fails (up to 50)")

    def resolve_points_lost(parent, info):
        return parent.get("lost", 0)


class SiteHealth(graphene.ObjectType):
    site = graphene.Field(NetworkSite, required=True)
    evaluated = graphene.Boolean(required=True, description="False until the site has been scored")
    score = graphene.Int(description="Out of 100")
    passed = graphene.Boolean(description="False when a veto rule fails")
    failing_rules = graphene.List(graphene.NonNull(FailingRule), required=True)
    last_update = graphene.DateTime(description="The site's newest published content")
    page_count = graphene.Int(required=True, description="Published, public pages")
    weekly_published = graphene.List(
        graphene.NonNull(graphene.Int),
        required=True,
        description="Items first published each week, 8 weeks, oldest first",
    )
    weekly_views = graphene.List(graphene.NonNull(graphene.Int), required=True, description="Views each week, 8 weeks")
    computed_at = graphene.DateTime()

    def resolve_site(parent, info):
        return parent.site

    def resolve_evaluated(parent, info):
        return parent.health is not None

    def resolve_score(parent, info):
        return parent.health.score if parent.health else None

    def resolve_passed(parent, info):
        return parent.health.passed if parent.health else None

    def resolve_failing_rules(parent, info):
        return parent.health.failing if parent.health else []

    def resolve_last_update(parent, info):
        return parent.health.last_update if parent.health else None

    def resolve_page_count(parent, info):
        return parent.health.page_count if parent.health else 0

    def resolve_weekly_published(parent, info):
        return parent.health.weekly_published if parent.health else [0] * 8

    def resolve_weekly_views(parent, info):
        return parent.weekly_views

    def resolve_computed_at(parent, info):
        return parent.health.computed_at if parent.health else None


class SiteHealthList(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(SiteHealth), required=True)
    total_count = graphene.Int(required=True)
    page_info = graphene.Field(PageInfo, required=True)


class TopContentItem(graphene.ObjectType):
    item = graphene.Field(NetworkItem, required=True)
    views = graphene.Int(required=True)

    def resolve_item(parent, info):
        return parent["entry"]


class OversightQuery:
    """Mixed into grapple's root Query (see cms/api/wagtail_hooks.py)."""

    site_health = graphene.Field(
        SiteHealthList,
        required=True,
        kind=graphene.Argument(SiteKind),
        region=graphene.String(),
        parent=graphene.ID(description="This site and its direct children"),
        failed_only=graphene.Boolean(default_value=False, description="Only sites failing a veto rule"),
        first=first_argument(),
        after=graphene.String(),
        description="Every site in service with its inspection score, failing rules and reach (central office host only).",
    )
    top_content = graphene.List(
        graphene.NonNull(TopContentItem),
        required=True,
        site=graphene.ID(description="Only this site; the whole network without it"),
        days=graphene.Int(default_value=7, description=f"The last 1 to {MAX_DAYS} days"),
        first=graphene.Int(default_value=10, description="1 to 100"),
        description="Most viewed pages (传播力), from first-party beacons (central office host only).",
    )

    def resolve_site_health(root, info, failed_only, first, after=None, kind=None, region=None, parent=None):
        _central_only(info, "siteHealth")
        check_page_size(first)
        offset = decode_cursor(after, kind="health")
        rows = selectors.dashboard_rows(
            kind=enum_value(kind),
            region=region,
            parent_id=id_argument(parent, "parent"),
            result="failed" if failed_only else None,
            with_domains=True,
        )
        page = rows[offset : offset + first]
        has_next = offset + first < len(rows)
        return {
            "items": page,
            "total_count": len(rows),
            "page_info": {
                "has_next_page": has_next,
                "end_cursor": encode_cursor(offset + first, "health") if has_next else None,
            },
        }

    def resolve_top_content(root, info, days, first, site=None):
        _central_only(info, "topContent")
        check_page_size(first)
        if not 1 <= days <= MAX_DAYS:
            raise ClientError(f"`days` must be between 1 and {MAX_DAYS}; got {days}.")
        return reach.top_content(site_id=id_argument(site, "site"), days=days, limit=first)
