"""The types of a site's queries: content lists, the site's identity, its settings and navigation."""

from __future__ import annotations

import graphene
from graphene.types.generic import GenericScalar
from grapple.types.images import get_image_type
from grapple.types.interfaces import get_page_interface

from cms.api.core.pagination import PageInfo
from cms.pages.taxonomy import ArtForm
from sites.selectors import site_footer

ContentKind = graphene.Enum(
    "ContentKind",
    [("ARTICLE", "article"), ("NOTICE", "notice"), ("EVENT", "event"), ("PROFILE", "profile"), ("WORK", "work")],
    description="The kind of content page: 文章, 通知公告, 活动, 艺术家, 作品.",
)
ContentOrder = graphene.Enum(
    "ContentOrder",
    [("NEWEST", "newest"), ("OLDEST", "oldest"), ("TITLE", "title")],
    description="NEWEST: by date, newest first (the default); OLDEST: oldest first; TITLE: by title.",
)
ArtFormCode = graphene.Enum("ArtFormCode", [(code.upper(), code) for code in ArtForm.values])


class ContentPageConnection(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(get_page_interface), required=True)
    total_count = graphene.Int(required=True)
    page_info = graphene.Field(PageInfo, required=True)

    def resolve_total_count(parent, info):
        # Counted only when asked for: a list query that does not need it saves the query.
        return parent["queryset"].count()


class SiteRef(graphene.ObjectType):
    name = graphene.String(required=True)
    short_name = graphene.String(required=True)
    kind = graphene.String(
        required=True, description="central, national_federation, national_association, provincial, municipal or county"
    )
    kind_name = graphene.String(required=True, description="The level in Chinese, e.g. 省级文联")
    region = graphene.String(required=True)
    domain = graphene.String(description="The primary domain")

    def resolve_kind_name(parent, info):
        return parent.get_kind_display()

    def resolve_domain(parent, info):
        return parent.primary_domain


class SiteIdentity(SiteRef):
    parent = graphene.Field(SiteRef)
    theme = graphene.String(description="The site template it was made from")
    theme_version = graphene.Int()


def _footer(parent, info):
    """The footer's data (the registry's filing numbers), once per request."""
    footer = getattr(info.context, "_cms_footer", None)
    if footer is None:
        footer = info.context._cms_footer = site_footer(site=info.context.tenant, settings=parent)
    return footer


class SiteSettingsType(graphene.ObjectType):
    """The footer's compliance data (备案信息, kept in the central office's registry) and the site's contacts."""

    sponsor = graphene.String(required=True, description="主办单位")
    operator = graphene.String(required=True, description="承办单位")
    address = graphene.String(required=True)
    postcode = graphene.String(required=True)
    phone = graphene.String(required=True)
    email = graphene.String(required=True)
    icp_number = graphene.String(required=True, description="ICP备案号")
    police_number = graphene.String(required=True, description="公安备案号")
    icp_url = graphene.String(
        required=True, description="Where the ICP number must link to (the MIIT filing system); empty without one"
    )
    police_url = graphene.String(required=True, description="The public-security filing's page; empty without one")
    site_code = graphene.String(required=True, description="网站标识码")
    copyright = graphene.String(required=True)
    logo = graphene.Field(get_image_type)
    design_tokens = GenericScalar(
        required=True, description="Colours, typography and the like from the site's theme, for the front end"
    )

    def resolve_sponsor(parent, info):
        return _footer(parent, info).sponsor

    def resolve_icp_number(parent, info):
        return _footer(parent, info).icp_number

    def resolve_icp_url(parent, info):
        return _footer(parent, info).icp_url

    def resolve_police_number(parent, info):
        return _footer(parent, info).police_number

    def resolve_police_url(parent, info):
        return _footer(parent, info).police_url

    def resolve_site_code(parent, info):
        return _footer(parent, info).site_code


class NavigationLink(graphene.ObjectType):
    label = graphene.String(required=True)
    url = graphene.String(required=True)
    page_id = graphene.ID()


class NavigationItem(NavigationLink):
    children = graphene.List(graphene.NonNull(NavigationLink), required=True)
