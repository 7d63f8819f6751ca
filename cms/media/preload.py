"""Batch loading for GraphQL: images, renditions and documents of a whole page list in a few queries.

Wagtail turns the ids in a StreamField into objects one StreamValue at a time (one
query per page and block type). Resolvers that return a list of pages call
`preload_media(pages)` first: it walks the raw stream data of every page, fetches all
referenced images (with their renditions) and documents at once, and publishes them
in a request-scoped store that the chooser blocks below read before querying.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar

from django.db.models import ForeignKey
from wagtail import blocks
from wagtail.documents import get_document_model
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageChooserBlock
from wagtail.images.models import Filter
from wagtail.models import Page

_store: ContextVar[dict | None] = ContextVar("cms_preloaded_media", default=None)


@contextlib.contextmanager
def media_store() -> Iterator[dict]:
    """A fresh store for one GraphQL request; nothing survives the request."""
    token = _store.set({"images": {}, "documents": {}, "pages": {}, "renditions": {}})
    try:
        yield _store.get()
    finally:
        _store.reset(token)


def batching_active() -> bool:
    return _store.get() is not None


def _key(pk):
    return int(pk) if isinstance(pk, (int, str)) and str(pk).isdigit() else pk


class _PreloadingChooserMixin:
    kind: str

    def bulk_to_python(self, values):
        store = _store.get()
        cache = store[self.kind] if store is not None else {}
        missing = [v for v in values if _key(v) not in cache]
        fetched = dict(zip(missing, super().bulk_to_python(missing), strict=True)) if missing else {}
        return [cache[_key(v)] if _key(v) in cache else fetched.get(v) for v in values]


class PreloadingImageChooserBlock(_PreloadingChooserMixin, ImageChooserBlock):
    kind = "images"

    def deconstruct(self):
        # Migrations record the stock block: the preloading is a read-time detail.
        path, args, kwargs = super().deconstruct()
        return "wagtail.images.blocks.ImageChooserBlock", args, kwargs


class PreloadingDocumentChooserBlock(_PreloadingChooserMixin, DocumentChooserBlock):
    kind = "documents"

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        return "wagtail.documents.blocks.DocumentChooserBlock", args, kwargs


# Parsed filters, shared: Wagtail re-parses a spec string on every get_rendition call.
_filters: dict[str, Filter] = {}


def rendition_for(image, spec: str):
    """image.get_rendition(spec), remembered for the request and without re-parsing the spec.

    With prefetched renditions (see preload_media) an existing rendition costs no query
    and no cache write; a missing one is made by Wagtail as usual.
    """
    store = _store.get()
    memo = store["renditions"] if store is not None else {}
    key = (image.pk, spec)
    if key not in memo:
        filter = _filters.get(spec) or _filters.setdefault(spec, Filter(spec=spec))
        memo[key] = image.find_existing_renditions(filter).get(filter) or image.get_rendition(filter)
    return memo[key]


RICH_TEXT_TAG = re.compile(r"<(?:a|embed)\b([^>]*)>")
RICH_TEXT_TYPE = re.compile(r'\b(?:linktype|embedtype)="(page|document|image)"')
RICH_TEXT_ID = re.compile(r'\bid="(\d+)"')


def _rich_text_references(html: str):
    """(kind, id) of every page link, document link and image embed in stored rich text."""
    for attributes in RICH_TEXT_TAG.findall(html or ""):
        kind, pk = RICH_TEXT_TYPE.search(attributes), RICH_TEXT_ID.search(attributes)
        if kind and pk:
            yield kind.group(1), int(pk.group(1))


def _collect(block, raw, images: set, documents: set, pages: set | None = None) -> None:
    """Gather chooser ids, and ids linked from rich text, from one block's raw (JSON) value, recursively."""
    if raw is None:
        return
    if isinstance(block, blocks.RichTextBlock):
        targets = {"page": pages, "document": documents, "image": images}
        for kind, pk in _rich_text_references(raw):
            if targets[kind] is not None:
                targets[kind].add(pk)
    elif isinstance(block, ImageChooserBlock):
        images.add(raw)
    elif isinstance(block, DocumentChooserBlock):
        documents.add(raw)
    elif isinstance(block, blocks.StreamBlock):
        for item in raw or []:
            child = block.child_blocks.get(item.get("type"))
            if child is not None:
                _collect(child, item.get("value"), images, documents, pages)
    elif isinstance(block, blocks.ListBlock):
        for item in raw or []:
            value = (
                item.get("value") if isinstance(item, dict) and "type" in item and item.get("type") == "item" else item
            )
            _collect(block.child_block, value, images, documents, pages)
    elif isinstance(block, blocks.StructBlock):
        for name, child in block.child_blocks.items():
            _collect(child, (raw or {}).get(name), images, documents, pages)


def preload_media(pages: list, *, renditions: bool = True) -> None:
    """Fetch every image and document the pages reference (FKs and StreamFields) in one query each.

    Image foreign keys (e.g. `cover`) are set on the pages; StreamField choosers find
    their objects in the request store. With `renditions`, each image's renditions come
    in one more query, so rendition and srcSet resolvers do not query per image.
    """
    store = _store.get()
    if store is None or not pages:
        return
    image_model, document_model = get_image_model(), get_document_model()
    images: set = set()
    documents: set = set()
    linked_pages: set = set()
    image_fks: list[tuple] = []
    for page in pages:
        for field in type(page)._meta.concrete_fields:
            if isinstance(field, ForeignKey) and field.related_model is image_model:
                pk = getattr(page, field.attname)
                if pk is not None:
                    images.add(pk)
                    image_fks.append((page, field, pk))
            elif isinstance(field, StreamField):
                # The StreamValue is lazy: reading raw_data runs no query.
                _collect(field.stream_block, list(getattr(page, field.name).raw_data), images, documents, linked_pages)
    wanted_images = {int(pk) for pk in images} - set(store["images"])
    if wanted_images:
        queryset = image_model.objects.filter(pk__in=wanted_images)
        if renditions:
            queryset = queryset.prefetch_renditions()
        store["images"].update({image.pk: image for image in queryset})
    wanted_documents = {int(pk) for pk in documents} - set(store["documents"])
    if wanted_documents:
        store["documents"].update({d.pk: d for d in document_model.objects.filter(pk__in=wanted_documents)})
    wanted_pages = linked_pages - set(store["pages"])
    if wanted_pages:
        # Rich-text links need only a page's URL: the base Page row, all in one query.
        store["pages"].update({p.pk: p for p in Page.objects.filter(pk__in=wanted_pages).defer_streamfields()})
    for page, field, pk in image_fks:
        field.set_cached_value(page, store["images"].get(int(pk)))


def preloaded(kind: str, ids: list) -> tuple[dict, list]:
    """Objects of `kind` already in the request store, and the ids that are not."""
    store = _store.get()
    cache = store[kind] if store is not None else {}
    found = {str(pk): cache[_key(pk)] for pk in ids if _key(pk) in cache}
    return found, [pk for pk in ids if str(pk) not in found]
