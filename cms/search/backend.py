"""Wagtail's search (django-modelsearch's PostgreSQL backend) with Chinese segmentation.

Every site's pages are indexed in its own schema's `wagtailsearch_indexentry`, so per-site search
is isolated by the schema itself. Text is segmented before `to_tsvector` (cms/search/text.py) and
queries are built from the same segmentation, for the admin's searches and for the API alike.

Use: WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "cms.search.backend", "SEARCH_CONFIG": "simple"}}
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery
from modelsearch.backends.database.postgres import postgres as stock
from modelsearch.query import Phrase, PlainText

from .text import SEARCH_CONFIG, index_text, parse_query


class SegmentingObjectIndexer(stock.ObjectIndexer):
    def as_vector(self, texts, for_autocomplete=False):
        return super().as_vector([(index_text(text), weight) for text, weight in texts], for_autocomplete)


# The stock index builds its indexer by this module-level name; ours is the only backend in the process.
stock.ObjectIndexer = SegmentingObjectIndexer


def _segmented(query, config, *, prefix_last: bool = False) -> SearchQuery | None:
    if isinstance(query, (PlainText, Phrase)):
        try:
            parsed = parse_query(query.query_string)
        except ValueError:
            parsed = None
        if parsed is None or not parsed.terms:
            # No words (punctuation only): PostgreSQL's empty tsquery, which matches nothing
            # (an AND/OR with it keeps the other side). `''` would be a tsquery syntax error.
            return SearchQuery("", search_type="raw", config=config)
        operator = "|" if isinstance(query, PlainText) and query.operator == "or" else "&"
        return SearchQuery(parsed.tsquery(operator, prefix_last=prefix_last), search_type="raw", config=config)
    return None


class SegmentingQueryCompiler(stock.PostgresSearchQueryCompiler):
    def build_tsquery_content(self, query, config=None, invert=False):
        segmented = None if invert else _segmented(query, config)
        return segmented if segmented is not None else super().build_tsquery_content(query, config, invert)


class SegmentingAutocompleteCompiler(stock.PostgresAutocompleteQueryCompiler):
    def build_tsquery_content(self, query, config=None, invert=False):
        segmented = None if invert else _segmented(query, config, prefix_last=True)
        return segmented if segmented is not None else super().build_tsquery_content(query, config, invert)


class SegmentingSearchBackend(stock.PostgresSearchBackend):
    query_compiler_class = SegmentingQueryCompiler
    autocomplete_query_compiler_class = SegmentingAutocompleteCompiler

    def __init__(self, params):
        super().__init__({**params, "SEARCH_CONFIG": params.get("SEARCH_CONFIG") or SEARCH_CONFIG})


SearchBackend = SegmentingSearchBackend
