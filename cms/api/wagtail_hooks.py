from wagtail import hooks

from .network.queries import NetworkQuery
from .oversight.queries import OversightQuery
from .pages.queries import PagesQuery
from .search.queries import SearchQueryMixin


@hooks.register("register_schema_query")
def add_site_queries(query_mixins):
    query_mixins.append(PagesQuery)
    query_mixins.append(NetworkQuery)
    query_mixins.append(SearchQueryMixin)
    query_mixins.append(OversightQuery)


@hooks.register("register_rich_text_features", order=100)
def use_preloaded_rich_text_references(features):
    """Replace Wagtail's own handlers (registered earlier) with ones that read the request's preloads."""
    from .rich_text import PreloadedDocumentLinkHandler, PreloadedImageEmbedHandler, PreloadedPageLinkHandler

    features.register_link_type(PreloadedPageLinkHandler)
    features.register_link_type(PreloadedDocumentLinkHandler)
    features.register_embed_type(PreloadedImageEmbedHandler)
