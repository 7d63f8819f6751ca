"""Queries a front end builds a site from: content lists, the site's identity, settings and navigation."""

from __future__ import annotations

from urllib.parse import unquote

import graphene
from grapple.types.pages import get_site_filter, get_specific_page

from cms.api import page_trees
from cms.api.core.errors import ClientError
from cms.api.core.pagination import (
    MAX_OFFSET,
    check_page_size,
    decode_cursor,
    encode_cursor,
    enum_value,
    first_argument,
)
from cms.media.preload import preload_media
from cms.pages import selectors
from cms.pages.models import SiteSettings
from cms.pages.preview import PreviewTokenError, check_preview_token

from .types import (
    ArtFormCode,
    ContentKind,
    ContentOrder,
    ContentPageConnection,
    NavigationItem,
    SiteIdentity,
    SiteSettingsType,
)


def _settings(info) -> SiteSettings:
    return selectors.site_settings(request=info.context)


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
        first=first_argument(),
        after=graphene.String(),
        description="Published content pages of this site, filtered, ordered and paginated.",
    )
    site = graphene.Field(SiteIdentity, required=True, description="This site: its name, level and parent.")
    site_settings = graphene.Field(SiteSettingsType, required=True)
    navigation = graphene.List(graphene.NonNull(NavigationItem), required=True)

    def resolve_content_pages(
        root, info, kind, order, first, after=None, section=None, tag=None, art_form=None, date_from=None, date_to=None
    ):
        check_page_size(first)
        if date_from and date_to and date_from > date_to:
            raise ClientError("`dateFrom` is after `dateTo`.")
        offset = decode_cursor(after)
        if offset > MAX_OFFSET:
            raise ClientError(f"`after` cursor goes {offset} items deep; contentPages goes 0 to {MAX_OFFSET} deep.")
        try:
            section_id = int(section) if section is not None else None
        except ValueError:
            raise ClientError(f"`section` must be a page id; got '{section}'.") from None
        try:
            queryset = selectors.content_pages(
                kind=enum_value(kind),
                section_id=section_id,
                tag=tag,
                art_form=enum_value(art_form),
                date_from=date_from,
                date_to=date_to,
                order=enum_value(order),
            )
        except selectors.SectionNotFound:
            raise ClientError(f"No published section with id {section}.") from None
        # One extra row tells whether there is a next page without counting.
        window = list(queryset[offset : offset + first + 1])
        items, has_next = window[:first], len(window) > first and offset + first <= MAX_OFFSET
        if not page_trees.active(info.context):  # else the list preloads only the pages it must complete
            preload_media(items)
        return {
            "items": items,
            "queryset": queryset,
            "page_info": {"has_next_page": has_next, "end_cursor": encode_cursor(offset + first) if has_next else None},
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
            id=kwargs.get("id"),
            slug=kwargs.get("slug"),
            url_path=unquote(url_path) if url_path else None,
            token=kwargs.get("token"),
            content_type=kwargs.get("content_type"),
            site=get_site_filter(info, **kwargs),
        )

    def resolve_site(root, info):
        return info.context.tenant

    def resolve_site_settings(root, info):
        return _settings(info)

    def resolve_navigation(root, info):
        return selectors.navigation(settings=_settings(info), request=info.context)
