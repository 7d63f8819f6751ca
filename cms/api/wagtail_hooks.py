from wagtail import hooks

from .pages.queries import PagesQuery


@hooks.register("register_schema_query")
def add_site_queries(query_mixins):
    query_mixins.append(PagesQuery)
