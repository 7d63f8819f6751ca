"""Queries a front end builds a site from: content lists, the site's identity, settings and navigation."""

from __future__ import annotations

import base64

from urllib.parse import unquote

import graphene
from graphene.types.generic import GenericScalar
from grapple.types.images import get_image_type
from grapple.types.interfaces import get_page_interface
from grapple.types.pages import get_site_filter, get_specific_page

from cms.api.errors import ClientError
from cms.media.preload import preload_media
from cms.pages import selectors
from cms.pages.models import SiteSettings
from cms.pages.preview import PreviewTokenError, check_preview_token
from cms.pages.taxonomy import ArtForm

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_OFFSET = 10_000  # as grapple's `offset` (cms/api/pages/lists.py); deeper pages are for filters

ContentKind = graphene.Enum(
    "ContentKind",
    [("ARTICLE", "article"), ("NOTICE", "notice"), ("EVENT", "event"), ("PROFILE", "profile"), ("WORK", "work")],
    description="The kind of content page: 文章, 通知公告, 活动, 艺术家, 作品.",
)
ContentOrder = graphene.Enum(
    "ContentOrder", [("NEWEST", "newest"), ("OLDEST", "oldest"), ("TITLE", "title")],
    description="NEWEST: by date, newest first (the default); OLDEST: oldest first; TITLE: by title.",
)
ArtFormCode = graphene.Enum("ArtFormCode", [(code.upper(), code) for code in ArtForm.values])


class PageInfo(graphene.ObjectType):
    has_next_page = graphene.Boolean(required=True)
    end_cursor = graphene.String(description="Pass as `after` to get the next page; null when there is none.")


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
    kind = graphene.String(required=True, description="central, national_federation, national_association, provincial, municipal or county")
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


class SiteSettingsType(graphene.ObjectType):
    """The footer's compliance data (备案信息) and the organisations behind the site."""

    sponsor = graphene.String(required=True, description="主办单位")
    operator = graphene.String(required=True, description="承办单位")
    address = graphene.String(required=True)
    postcode = graphene.String(required=True)
    phone = graphene.String(required=True)
    email = graphene.String(required=True)
    icp_number = graphene.String(required=True, description="ICP备案号")
    police_number = graphene.String(required=True, description="公安备案号")
    site_code = graphene.String(required=True, description="网站标识码")
    copyright = graphene.String(required=True)
    logo = graphene.Field(get_image_type)
    design_tokens = GenericScalar(
        required=True, description="Colours, typography and the like from the site's theme, for the front end"
    )


class NavigationLink(graphene.ObjectType):
    label = graphene.String(required=True)
    url = graphene.String(required=True)
    page_id = graphene.ID()


class NavigationItem(NavigationLink):
    children = graphene.List(graphene.NonNull(NavigationLink), required=True)


def _decode_cursor(after: str | None, kind: str = "offset") -> int:
    """The offset in an opaque `<kind>:<offset>` cursor (each list checks its own kind)."""
    if not after:
        return 0
    try:
        prefix, offset = base64.b64decode(after.encode(), validate=True).decode().split(":")
        if prefix != kind or int(offset) < 0:
            raise ValueError
        return int(offset)
    except (ValueError, UnicodeDecodeError):
        raise ClientError(f"`after` cursor '{after}' is not valid; use a pageInfo.endCursor from an earlier answer.") from None


def _encode_cursor(offset: int, kind: str = "offset") -> str:
    return base64.b64encode(f"{kind}:{offset}".encode()).decode()


def _value(argument):
    """graphene 3 passes enum arguments as Enum members."""
    return getattr(argument, "value", argument)


def _settings(info) -> SiteSettings:
    return SiteSettings.for_request(info.context)


class PagesQuery:
    """Mixed into grapple's root Query (see cms/api/wagtail_hooks.py)."""

    content_pages = graphene.Field(
        ContentPageConnection,
        required=True,
        kind=graphene.Argument(ContentKind, default_value="article"),
        section=graphene.Argument(graphene.ID, description="Only pages under this section (栏目), at any depth."),
        tag=graphene.String(),
        art_form=graphene.Argument(ArtFormCode),
        date_from=graphene.Date(),
        date_to=graphene.Date(),
        order=graphene.Argument(ContentOrder, default_value="newest"),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}."),
        after=graphene.String(),
        description="Published content pages of this site, filtered, ordered and paginated.",
    )
    site = graphene.Field(SiteIdentity, required=True, description="This site: its name, level and parent.")
    site_settings = graphene.Field(SiteSettingsType, required=True)
    navigation = graphene.List(graphene.NonNull(NavigationItem), required=True)

    def resolve_content_pages(root, info, kind, order, first, after=None, section=None, tag=None, art_form=None,
                              date_from=None, date_to=None):
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise ClientError(f"`first` must be between 1 and {MAX_PAGE_SIZE} (page size limit); got {first}.")
        if date_from and date_to and date_from > date_to:
            raise ClientError("`dateFrom` is after `dateTo`.")
        offset = _decode_cursor(after)
        if offset > MAX_OFFSET:
            raise ClientError(f"`after` cursor goes {offset} items deep; contentPages goes 0 to {MAX_OFFSET} deep.")
        try:
            section_id = int(section) if section is not None else None
        except ValueError:
            raise ClientError(f"`section` must be a page id; got '{section}'.") from None
        try:
            queryset = selectors.content_pages(
                kind=_value(kind), section_id=section_id, tag=tag, art_form=_value(art_form), date_from=date_from,
                date_to=date_to, order=_value(order),
            )
        except selectors.SectionNotFound:
            raise ClientError(f"No published section with id {section}.") from None
        # One extra row tells whether there is a next page without counting.
        window = list(queryset[offset:offset + first + 1])
        items, has_next = window[:first], len(window) > first and offset + first <= MAX_OFFSET
        preload_media(items)
        return {
            "items": items,
            "queryset": queryset,
            "page_info": {"has_next_page": has_next, "end_cursor": _encode_cursor(offset + first) if has_next else None},
        }

    def resolve_page(root, info, **kwargs):
        """grapple's `page`: also takes a percent-encoded urlPath (as `url` gives it), and says why a token is refused."""
        url_path, token = kwargs.get("url_path"), kwargs.get("token")
        if token:
            try:
                check_preview_token(token)
            except PreviewTokenError as error:
                raise ClientError(str(error)) from None
        return get_specific_page(
            id=kwargs.get("id"), slug=kwargs.get("slug"), url_path=unquote(url_path) if url_path else None,
            token=kwargs.get("token"), content_type=kwargs.get("content_type"), site=get_site_filter(info, **kwargs),
        )

    def resolve_site(root, info):
        return info.context.tenant

    def resolve_site_settings(root, info):
        return _settings(info)

    def resolve_navigation(root, info):
        return selectors.navigation(settings=_settings(info), request=info.context)
