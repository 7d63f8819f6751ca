"""`search`: on a site's host, that site's published pages; on the central office's host, the whole network.

Both segment the query for Chinese (cms/text/segmentation.py), rank, and return highlighted snippets.
"""

from __future__ import annotations

import graphene
from django.conf import settings
from django_tenants.utils import get_public_schema_name
from grapple.types.interfaces import get_page_interface

from cms.api.core.errors import ClientError
from cms.api.core.pagination import PageInfo, check_page_size, decode_cursor, encode_cursor, enum_value, first_argument
from cms.api.network.queries import ItemType, NetworkItem, SiteKind, id_argument
from cms.api.pages.types import ArtFormCode
from cms.media.preload import preload_media
from cms.search import selectors
from cms.text.segmentation import QueryError

MAX_OFFSET = 1000  # ranked results deeper than this help nobody and cost a deep scan


class SearchHit(NetworkItem):
    """One result: the index entry's fields, a score, and a snippet with the matched words in <mark>."""

    score = graphene.Float(required=True)
    snippet = graphene.String(required=True, description="HTML-escaped text around the first match, matches in <mark>")
    page = graphene.Field(get_page_interface, description="On a site's own search: the page, with its typed fields")


class SearchResults(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(SearchHit), required=True)
    total_count = graphene.Int(required=True)
    page_info = graphene.Field(PageInfo, required=True)
    terms = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="The words the query was segmented into"
    )


def _offset(after: str | None) -> int:
    offset = decode_cursor(after, kind="search")
    if offset > MAX_OFFSET:
        raise ClientError(f"Search results go {MAX_OFFSET} deep at most; narrow the query or add filters.")
    return offset


def _answer(results, offset: int, first: int) -> dict:
    has_next = results.has_next and offset + first <= MAX_OFFSET
    return {
        "items": results.hits,
        "total_count": results.total,
        "terms": list(results.query.terms) if results.query else [],
        "page_info": {
            "has_next_page": has_next,
            "end_cursor": encode_cursor(offset + first, kind="search") if has_next else None,
        },
    }


class SearchQueryMixin:
    """Mixed into grapple's root Query ahead of grapple's own unbounded `search`, which it replaces."""

    search = graphene.Field(
        SearchResults,
        required=True,
        query=graphene.String(
            required=True, description="Words to find; Chinese is segmented. At most 200 characters."
        ),
        type=graphene.Argument(ItemType),
        section=graphene.ID(
            description="Site host: a section of this site (pages below it). Central host: with `site`."
        ),
        art_form=graphene.Argument(ArtFormCode),
        date_from=graphene.Date(),
        date_to=graphene.Date(),
        kind=graphene.Argument(SiteKind, description="Central host only: sites of this level"),
        region=graphene.String(description="Central host only"),
        parent=graphene.ID(description="Central host only: the direct children of this site"),
        under=graphene.ID(description="Central host only: sites below this one"),
        site=graphene.ID(description="Central host only: one site"),
        first=first_argument(),
        after=graphene.String(),
        description=(
            "Ranked search with highlighted snippets: this site's pages, or on the central office's host the whole network."
        ),
    )

    def resolve_search(
        root,
        info,
        query,
        first,
        after=None,
        type=None,
        section=None,
        art_form=None,
        date_from=None,
        date_to=None,
        kind=None,
        region=None,
        parent=None,
        under=None,
        site=None,
    ):
        check_page_size(first)
        if date_from and date_to and date_from > date_to:
            raise ClientError("`dateFrom` is after `dateTo`.")
        offset = _offset(after)
        tenant = info.context.tenant
        common = dict(
            query=query,
            first=first,
            offset=offset,
            page_type=enum_value(type),
            art_form=enum_value(art_form),
            date_from=date_from,
            date_to=date_to,
        )
        backend = _backend()
        try:
            if tenant.schema_name == get_public_schema_name():
                if section is not None and site is None:
                    raise ClientError("`section` needs `site`: section ids are numbered per site.")
                results = backend.network_search(
                    kind=enum_value(kind),
                    region=region,
                    parent_id=id_argument(parent, "parent"),
                    under_id=id_argument(under, "under"),
                    site_id=id_argument(site, "site"),
                    section_id=id_argument(section, "section"),
                    **common,
                )
            else:
                network_only = [
                    name
                    for name, value in (
                        ("kind", kind),
                        ("region", region),
                        ("parent", parent),
                        ("under", under),
                        ("site", site),
                    )
                    if value is not None
                ]
                if network_only:
                    raise ClientError(
                        f"`{network_only[0]}` filters the national search, on the central office's host only."
                    )
                results = backend.site_search(site=tenant, section_path=_section_path(section), **common)
                # Covers and StreamField media of the found pages, in one query each (as contentPages)
                preload_media([hit.page for hit in results.hits if hit.page is not None])
        except QueryError as error:
            raise ClientError(str(error)) from None
        return _answer(results, offset, first)


def _section_path(section) -> str | None:
    if section is None:
        return None
    from cms.pages.models import SectionPage
    from cms.pages.selectors import public

    found = (
        public(SectionPage.objects.live())
        .filter(pk=id_argument(section, "section"))
        .values_list("path", flat=True)
        .first()
    )
    if found is None:
        raise ClientError(f"No published section with id {section}.")
    return found


def _backend():
    """PostgreSQL full text by default; the shared Elasticsearch index when ELASTICSEARCH_URL is set."""
    if settings.ELASTICSEARCH_URL:
        from cms.search import elastic

        return elastic.searcher()
    return selectors
