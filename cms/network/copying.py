"""Copying a content page from one site's schema into another's, with its images and attachments.

Read in the source schema (`read_source`), written in the receiver's (`write_copy`), on the same
connection and inside the caller's transaction. References are remapped: images and documents
are copied into the receiver's media library (once per item and receiver), links to other pages
of the source site become links to their public addresses, page choosers are cleared.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from html import escape

from django.apps import apps
from django.core.files.base import ContentFile
from django.utils.text import slugify
from django_tenants.utils import schema_context
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import CollectionViewRestriction, Page
from wagtail.rich_text.rewriters import FIND_A_TAG, FIND_EMBED_TAG, extract_attrs

from cms.media.models import SiteDocument, SiteImage
from cms.media.origin import complete_url
from cms.pages.selectors import public

from .index import frontend_root, public_url

log = logging.getLogger(__name__)
PROVENANCE_FIELDS = {"source_site_name", "source_url", "canonical_url", "syndication_id"}
PAGE_FIELDS = ["title", "search_description"]


class SourceUnavailable(Exception):
    """The source page is gone or no longer published."""


@dataclass
class MediaFile:
    title: str
    name: str
    content: bytes


@dataclass
class SourceItem:
    model_label: str
    slug: str
    page_fields: dict
    fields: dict  # the specific model's own fields; StreamFields as raw JSON lists
    cover_id: int | None
    tags: list[str]
    url: str
    canonical_url: str
    revision_id: int | None
    images: dict[int, MediaFile] = field(default_factory=dict)
    documents: dict[int, MediaFile] = field(default_factory=dict)
    page_urls: dict[int, str] = field(default_factory=dict)
    # Media left out of copies because the source restricts who may see them, as "附件“标题”".
    restricted: list[str] = field(default_factory=list)

    def restricted_note(self) -> str:
        """For the editor and the record: what the copy goes without, and why."""
        if not self.restricted:
            return ""
        return f"；{'、'.join(self.restricted)}在来源网站设有访问限制，未随稿件复制"


def syndicatable(page) -> bool:
    from cms.pages.models import ContentPage

    return isinstance(page.specific, ContentPage)


def read_source(*, schema_name: str, page_id: int) -> SourceItem:
    """The live content of a page in its own schema, with the media it references."""
    from cms.pages.models import SiteSettings

    with schema_context(schema_name):
        page = Page.objects.filter(pk=page_id).first()
        if page is None:
            raise SourceUnavailable("来源稿件已被删除。")
        page = page.specific
        if not page.live:
            raise SourceUnavailable("来源稿件已撤稿（未发布）。")
        if not syndicatable(page):
            raise SourceUnavailable(
                f"“{page.title}”不是可转载的稿件（只有文章、通知公告、活动、艺术家、作品可以报送和转载）。"
            )
        if not public(Page.objects.filter(pk=page.pk)).exists():
            raise SourceUnavailable(f"“{page.title}”已设为非公开。")
        live = _live_version(page) if page.has_unpublished_changes else page
        model = type(page)
        fields, image_ids, document_ids, page_ids = {}, set(), set(), set()
        for model_field in _own_fields(model):
            value = getattr(live, model_field.attname)
            if isinstance(model_field, StreamField):
                raw = model_field.get_prep_value(value)
                raw = raw if isinstance(raw, list) else json.loads(raw or "[]")
                _walk(model_field.stream_block, raw, _collector(image_ids, document_ids, page_ids))
                fields[model_field.name] = raw
            elif model_field.is_relation:
                continue
            else:
                fields[model_field.name] = value
        cover_id = getattr(live, "cover_id", None)
        if cover_id:
            image_ids.add(cover_id)
        url = public_url(page, frontend_root(SiteSettings))
        item = SourceItem(
            model_label=model._meta.label,
            slug=page.slug,
            page_fields={name: getattr(live, name) for name in PAGE_FIELDS},
            fields=fields,
            cover_id=cover_id,
            tags=sorted(tag.name for tag in live.tags.all()),
            url=url,
            canonical_url=page.canonical_url or url,
            revision_id=page.live_revision_id,
        )
        restricted_paths = list(CollectionViewRestriction.objects.values_list("collection__path", flat=True))
        for model, ids, found in ((SiteImage, image_ids, item.images), (SiteDocument, document_ids, item.documents)):
            for obj in model.objects.filter(pk__in=ids).select_related("collection").order_by("pk"):
                # A login- or password-restricted collection (or one inside it): never copied, so that the
                # receiver cannot serve publicly what the source restricts. References to it are dropped.
                if any(obj.collection.path.startswith(path) for path in restricted_paths):
                    item.restricted.append(f"{model._meta.verbose_name}“{obj.title}”")
                    continue
                content = _read(obj.file)
                if content is not None:  # a file missing from storage: the copy goes without it
                    found[obj.pk] = MediaFile(obj.title, os.path.basename(obj.file.name), content)
        frontend = frontend_root(SiteSettings)
        for linked in Page.objects.filter(pk__in=page_ids):
            # Links in rich text are written out whole (a browser cannot complete a portable address).
            item.page_urls[linked.pk] = complete_url(public_url(linked, frontend))
        return item


def write_copy(
    item: SourceItem,
    *,
    parent: Page | None = None,
    existing: Page | None = None,
    provenance: dict,
    media_map: dict,
    written_files: list[str],
) -> Page:
    """Create (under `parent`) or update (`existing`) the receiver's copy, in the current schema; not saved
    as a revision yet. `media_map` is updated in place; paths of files written are appended to `written_files`."""
    model = apps.get_model(item.model_label)
    images = {
        source_id: _copy_media(SiteImage, f"image:{source_id}", media, media_map, written_files)
        for source_id, media in item.images.items()
    }
    documents = {
        source_id: _copy_media(SiteDocument, f"document:{source_id}", media, media_map, written_files)
        for source_id, media in item.documents.items()
    }
    remap = _remapper(images, documents, item.page_urls)
    page = existing.specific if existing is not None else model()
    for name, value in item.page_fields.items():
        setattr(page, name, value)
    for model_field in _own_fields(model):
        if model_field.name not in item.fields:
            continue
        value = item.fields[model_field.name]
        if isinstance(model_field, StreamField):
            value = _walk(model_field.stream_block, value, remap)
        setattr(page, model_field.name, value)
    page.cover_id = images.get(item.cover_id) if item.cover_id else None
    for name, value in provenance.items():
        setattr(page, name, value)
    if existing is None:
        page.slug = _free_slug(parent, item.slug)
        page.live = False
        page.has_unpublished_changes = True
        page.tags.set(item.tags)
        parent.add_child(instance=page)
    else:
        page.tags.set(item.tags)
    return page


def _live_version(page):
    """The published content even when a newer draft exists."""
    revision = page.live_revision
    return revision.as_object() if revision else page


def _own_fields(model):
    return [
        f
        for f in model._meta.local_concrete_fields
        if not f.primary_key and f.name not in PROVENANCE_FIELDS and f.name != "page_ptr"
    ]


def _read(file) -> bytes | None:
    try:
        with file.open("rb") as handle:
            return handle.read()
    except OSError:
        log.warning("Media file %s is missing; the syndicated copy goes without it", file.name)
        return None


def _copy_media(model, key: str, media: MediaFile, media_map: dict, written_files: list[str]) -> int:
    known = media_map.get(key)
    if known and model.objects.filter(pk=known).exists():
        return known
    obj = model(title=media.title)
    obj.file = ContentFile(media.content, name=media.name)
    obj.save()
    written_files.append(obj.file.path)
    media_map[key] = obj.pk
    return obj.pk


def _free_slug(parent: Page, slug: str) -> str:
    base = slugify(slug, allow_unicode=True) or "item"
    taken = set(parent.get_children().filter(slug__startswith=base).values_list("slug", flat=True))
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


# --- Walking StreamField raw data by its block definitions ---


def _walk(block, value, visit):
    if isinstance(block, blocks.StreamBlock):
        out = []
        for child in value or []:
            child_block = block.child_blocks.get(child.get("type"))
            if child_block is None:
                continue
            out.append({**child, "value": _walk(child_block, child.get("value"), visit)})
        return out
    if isinstance(block, blocks.ListBlock):
        out = []
        for item in value or []:
            if isinstance(item, dict) and item.get("type") == "item" and "value" in item:
                out.append({**item, "value": _walk(block.child_block, item["value"], visit)})
            else:
                out.append(_walk(block.child_block, item, visit))
        return out
    if isinstance(block, blocks.StructBlock):
        return {
            key: _walk(block.child_blocks[key], item, visit) if key in block.child_blocks else item
            for key, item in (value or {}).items()
        }
    return visit(block, value)


def _collector(image_ids: set, document_ids: set, page_ids: set):
    def visit(block, value):
        if value in (None, ""):
            return value
        if isinstance(block, ImageChooserBlock):
            image_ids.add(int(value))
        elif isinstance(block, DocumentChooserBlock):
            document_ids.add(int(value))
        elif isinstance(block, blocks.RichTextBlock):
            for attrs in map(extract_attrs, FIND_A_TAG.findall(value)):
                if attrs.get("linktype") == "page" and attrs.get("id", "").isdigit():
                    page_ids.add(int(attrs["id"]))
                elif attrs.get("linktype") == "document" and attrs.get("id", "").isdigit():
                    document_ids.add(int(attrs["id"]))
            for attrs in map(extract_attrs, FIND_EMBED_TAG.findall(value)):
                if attrs.get("embedtype") == "image" and attrs.get("id", "").isdigit():
                    image_ids.add(int(attrs["id"]))
        return value

    return visit


def _remapper(images: dict, documents: dict, page_urls: dict):
    def link(match):
        attrs = extract_attrs(match.group(1))
        target_id = int(attrs["id"]) if attrs.get("id", "").isdigit() else None
        if attrs.get("linktype") == "page":
            url = page_urls.get(target_id)
            return f'<a href="{escape(url)}">' if url else "<a>"
        if attrs.get("linktype") == "document":
            return f'<a linktype="document" id="{documents[target_id]}">' if target_id in documents else "<a>"
        return match.group(0)

    def embed(match):
        attrs = extract_attrs(match.group(1))
        if attrs.get("embedtype") != "image":
            return match.group(0)
        target_id = int(attrs["id"]) if attrs.get("id", "").isdigit() else None
        if target_id not in images:
            return ""
        attrs["id"] = str(images[target_id])
        return "<embed " + " ".join(f'{key}="{escape(str(val))}"' for key, val in attrs.items()) + "/>"

    def visit(block, value):
        if value in (None, ""):
            return value
        if isinstance(block, ImageChooserBlock):
            return images.get(int(value))
        if isinstance(block, DocumentChooserBlock):
            return documents.get(int(value))
        if isinstance(block, blocks.PageChooserBlock):
            return None  # a page of another site cannot be chosen here
        if isinstance(block, blocks.RichTextBlock):
            return FIND_EMBED_TAG.sub(embed, FIND_A_TAG.sub(link, value))
        return value

    return visit
