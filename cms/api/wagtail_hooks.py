from wagtail import hooks

from .feedback.queries import FeedbackMutation, FeedbackQuery
from .network.queries import NetworkQuery
from .oversight.queries import OversightQuery
from .pages.queries import PagesQuery
from .search.queries import SearchQueryMixin
from .watch.queries import WatchQuery


@hooks.register("register_schema_query")
def add_site_queries(query_mixins):
    query_mixins.append(PagesQuery)
    query_mixins.append(NetworkQuery)
    query_mixins.append(SearchQueryMixin)
    query_mixins.append(OversightQuery)
    query_mixins.append(WatchQuery)
    query_mixins.append(FeedbackQuery)


@hooks.register("register_schema_mutation")
def add_site_mutations(mutation_mixins):
    mutation_mixins.append(FeedbackMutation)


@hooks.register("register_rich_text_features", order=100)
def use_preloaded_rich_text_references(features):
    """Replace Wagtail's own handlers (registered earlier) with ones that read the request's preloads."""
    from .rich_text import PreloadedDocumentLinkHandler, PreloadedImageEmbedHandler, PreloadedPageLinkHandler

    features.register_link_type(PreloadedPageLinkHandler)
    features.register_link_type(PreloadedDocumentLinkHandler)
    features.register_embed_type(PreloadedImageEmbedHandler)
