"""The network's queries: national feeds, the registry as a tree, one item; and a site's children's feed.

National queries answer on the central office's host; `childrenFeed` on every site's host.
All of them read the national index and the registry in the public schema.
"""

from __future__ import annotations

import graphene
from django_tenants.utils import get_public_schema_name

from cms.api.core.errors import ClientError
from cms.api.core.pagination import DEFAULT_PAGE_SIZE, PageInfo, bad_cursor, check_page_size, enum_value, first_argument
from cms.api.pages.types import ArtFormCode
from cms.network import selectors
from cms.pages.models import ArtFormType
from cms.pages.taxonomy import ArtForm
from sites.models import Association

SiteKind = graphene.Enum(
    "SiteKind",
    [(value.upper(), value) for value in Association.Kind.values],
    description="A site's level: 中央管理平台, 全国文联, 全国文艺家协会, 省级文联, 市级文联, 县级文联.",
)
ItemType = graphene.Enum(
    "NetworkItemType",
    [(name.upper(), name) for name in ("article", "notice", "event", "profile", "work", "section", "standard", "home")],
    description="The page type of an index entry. Feeds show ARTICLE, NOTICE, EVENT, PROFILE and WORK unless asked.",
)


def _registry(info) -> dict[int, Association]:
    """The registry, loaded once per request: sites, parents and children cost no further query."""
    cached = getattr(info.context, "_cms_registry", None)
    if cached is None:
        cached = {site.pk: site for site in selectors.registry()}
        children: dict[int, list[Association]] = {}
        for site in cached.values():
            children.setdefault(site.parent_id, []).append(site)
        info.context._cms_registry, info.context._cms_children = cached, children
    return cached


def _children(info, site: Association) -> list[Association]:
    _registry(info)
    return info.context._cms_children.get(site.pk, [])


class NetworkSite(graphene.ObjectType):
    id = graphene.ID(required=True)
    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    short_name = graphene.String(required=True)
    kind = graphene.Field(SiteKind, required=True)
    kind_name = graphene.String(required=True)
    region = graphene.String(required=True)
    domain = graphene.String()
    parent_id = graphene.ID()
    children = graphene.List(graphene.NonNull(lambda: NetworkSite), required=True)

    def resolve_kind(parent, info):
        return parent.kind

    def resolve_kind_name(parent, info):
        return parent.get_kind_display()

    def resolve_domain(parent, info):
        return parent.primary_domain

    def resolve_children(parent, info):
        return _children(info, parent)


class NetworkSection(graphene.ObjectType):
    id = graphene.ID(required=True)
    title = graphene.String(required=True)


class NetworkItem(graphene.ObjectType):
    """A published item of some site of the network, from the national index."""

    id = graphene.ID(required=True)
    site = graphene.Field(NetworkSite, required=True)
    page_id = graphene.ID(required=True, description="The page's id on its own site (for that site's `page` query)")
    type = graphene.Field(ItemType, required=True)
    section = graphene.Field(NetworkSection)
    title = graphene.String(required=True)
    summary = graphene.String(required=True)
    art_forms = graphene.List(graphene.NonNull(ArtFormType), required=True)
    tags = graphene.List(graphene.NonNull(graphene.String), required=True)
    date = graphene.Date()
    published_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    url = graphene.String(required=True)
    canonical_url = graphene.String(
        required=True, description="The original's address; differs from url on a syndicated copy"
    )
    source_site = graphene.String(description="On a syndicated copy: the site it came from")

    def resolve_type(parent, info):
        return parent.page_type

    def resolve_section(parent, info):
        return {"id": parent.section_id, "title": parent.section_title} if parent.section_id else None

    def resolve_art_forms(parent, info):
        return [{"code": code, "name": ArtForm(code).label} for code in parent.art_forms if code in ArtForm.values]

    def resolve_source_site(parent, info):
        return parent.source_site_name or None

    def resolve_url(parent, info):
        return parent.link

    def resolve_canonical_url(parent, info):
        return parent.canonical_link


class NetworkFeed(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(NetworkItem), required=True)
    page_info = graphene.Field(PageInfo, required=True)


def _feed_page(entries, first: int, after: str | None) -> dict:
    check_page_size(first)
    try:
        page = selectors.page_of(entries, first=first, after=after)
    except selectors.BadCursor:
        raise bad_cursor(after) from None
    return {"items": page.items, "page_info": {"has_next_page": page.has_next, "end_cursor": page.end_cursor}}


def id_argument(value, name: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ClientError(f"`{name}` must be a numeric id; got '{value}'.") from None


def _central_only(info, field: str) -> None:
    if info.context.tenant.schema_name != get_public_schema_name():
        raise ClientError(
            f"`{field}` is answered on the central office's host only; a site's own API has `childrenFeed`."
        )


class NetworkQuery:
    """Mixed into grapple's root Query (see cms/api/wagtail_hooks.py)."""

    network_feed = graphene.Field(
        NetworkFeed,
        required=True,
        kind=graphene.Argument(SiteKind, description="Only sites of this level"),
        region=graphene.String(description="Only sites of this region, e.g. 浙江"),
        parent=graphene.ID(description="Only the direct children of this site"),
        under=graphene.ID(description="Only sites below this one, at any depth"),
        site=graphene.ID(description="Only this site"),
        type=graphene.Argument(ItemType),
        section=graphene.ID(description="Only this section of `site` (section ids belong to one site)"),
        art_form=graphene.Argument(ArtFormCode),
        date_from=graphene.Date(),
        date_to=graphene.Date(),
        first=first_argument(),
        after=graphene.String(),
        description="Latest items across the network, newest first (central office host only).",
    )
    network_item = graphene.Field(
        NetworkItem, id=graphene.ID(required=True), description="One index entry (central office host only)."
    )
    network_sites = graphene.List(
        graphene.NonNull(NetworkSite),
        required=True,
        roots_only=graphene.Boolean(
            default_value=True, description="Top-level sites only; walk `children` for the tree"
        ),
        description="The registry of sites in service, as a tree (central office host only).",
    )
    children_feed = graphene.Field(
        NetworkFeed,
        required=True,
        descendants=graphene.Boolean(
            default_value=False, description="All sites below this one, not only its children"
        ),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE),
        after=graphene.String(),
        description="Latest items of this site's child sites (e.g. a provincial federation's cities), newest first.",
    )

    def resolve_network_feed(
        root,
        info,
        first,
        after=None,
        kind=None,
        region=None,
        parent=None,
        under=None,
        site=None,
        type=None,
        section=None,
        art_form=None,
        date_from=None,
        date_to=None,
    ):
        _central_only(info, "networkFeed")
        if section is not None and site is None:
            raise ClientError("`section` needs `site`: section ids are numbered per site.")
        if date_from and date_to and date_from > date_to:
            raise ClientError("`dateFrom` is after `dateTo`.")
        entries = selectors.feed_entries(
            kind=enum_value(kind),
            region=region,
            parent_id=id_argument(parent, "parent"),
            under_id=id_argument(under, "under"),
            site_id=id_argument(site, "site"),
            page_type=enum_value(type),
            section_id=id_argument(section, "section"),
            art_form=enum_value(art_form),
            date_from=date_from,
            date_to=date_to,
        )
        return _feed_page(entries, first, after)

    def resolve_network_item(root, info, id):
        _central_only(info, "networkItem")
        return selectors.entry(id_argument(id, "id"))

    def resolve_network_sites(root, info, roots_only):
        _central_only(info, "networkSites")
        sites = _registry(info)
        return [s for s in sites.values() if not roots_only or s.parent_id not in sites]

    def resolve_children_feed(root, info, descendants, first, after=None):
        return _feed_page(selectors.children_entries(site=info.context.tenant, descendants=descendants), first, after)
