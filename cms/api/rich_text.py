"""Rich-text link and embed handlers that read pages, documents and images preloaded for the request.

Wagtail expands each rich-text value on its own (one query per value and link type);
in a list of pages these handlers find what `preload_media` fetched for all of them.
"""

from wagtail.documents.rich_text import DocumentLinkHandler
from wagtail.images.rich_text import ImageEmbedHandler
from wagtail.rich_text.pages import PageLinkHandler

from cms.media.preload import preloaded


def _get_many(kind, stock_get_many, attrs_list):
    ids = [attrs.get("id") for attrs in attrs_list]
    found, missing = preloaded(kind, ids)
    if missing:
        fetched = stock_get_many([{"id": pk} for pk in missing])
        found.update({str(pk): obj for pk, obj in zip(missing, fetched, strict=True)})
    return [found.get(str(pk)) for pk in ids]


class PreloadedPageLinkHandler(PageLinkHandler):
    @classmethod
    def get_many(cls, attrs_list):
        return _get_many("pages", super().get_many, attrs_list)


class PreloadedDocumentLinkHandler(DocumentLinkHandler):
    @classmethod
    def get_many(cls, attrs_list):
        return _get_many("documents", super().get_many, attrs_list)


class PreloadedImageEmbedHandler(ImageEmbedHandler):
    @classmethod
    def get_many(cls, attrs_list):
        return _get_many("images", super().get_many, attrs_list)
