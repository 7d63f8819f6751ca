"""Reads for screening: the text of a page revision, lexicon layers, and what re-scans found."""

from __future__ import annotations

import re
from html import unescape

from django.db import models
from django.utils.html import strip_tags
from wagtail import blocks
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from sites.models import Association

from .models import Finding, LexiconChange, LexiconEntry

PAGE_TEXT_FIELDS = ("title", "seo_title", "search_description")
_BLOCK_END = re.compile(r"(</(p|h\d|li|blockquote|div|tr|td|th)>|<(br|hr)\s*/?>)", re.IGNORECASE)


def rich_text_to_plain(html: str) -> str:
    """Rich text without its tags; block ends become line breaks (a boundary for screening, so that the
    end of one paragraph and the start of the next never read as one word)."""
    return unescape(strip_tags(_BLOCK_END.sub(r"\1\n", html or ""))).strip()


def page_text(page: Page) -> dict[str, str]:
    """Every text an editor wrote on a page, by its Chinese label: title, summary, StreamField text blocks
    (one entry per top-level block), rich text stripped of tags, tags."""
    page = page.specific if type(page) is Page else page
    texts: dict[str, str] = {}
    own_fields = {f.name for f in Page._meta.get_fields()}
    for model_field in page._meta.concrete_fields:
        name = model_field.name
        if name in own_fields and name not in PAGE_TEXT_FIELDS:
            continue
        if (
            not model_field.editable
            or model_field.choices
            or isinstance(model_field, (models.SlugField, models.URLField))
        ):
            continue
        label = str(model_field.verbose_name)
        value = getattr(page, name, None)
        if isinstance(model_field, StreamField):
            for number, bound in enumerate(value or [], 1):
                text = "\n".join(_block_text(bound.block, bound.value))
                if text.strip():
                    texts[f"{label}第{number}块（{bound.block.label}）"] = text
        elif isinstance(model_field, RichTextField):
            texts[label] = rich_text_to_plain(value)
        elif isinstance(model_field, (models.CharField, models.TextField)) and value:
            texts[label] = str(value)
    tags = getattr(page, "tags", None)
    if tags is not None and hasattr(tags, "all"):
        names = [tag.name for tag in tags.all()]
        if names:
            texts["标签"] = "\n".join(names)
    return {label: text for label, text in texts.items() if text}


def revision_text(revision) -> dict[str, str]:
    """The text of a page revision (what would go live if it were published)."""
    return page_text(revision.as_object())


def _block_text(block, value) -> list[str]:
    if value is None:
        return []
    if isinstance(block, blocks.RichTextBlock):
        return [rich_text_to_plain(value.source if hasattr(value, "source") else str(value))]
    if isinstance(block, blocks.StreamBlock):
        return [text for bound in value for text in _block_text(bound.block, bound.value)]
    if isinstance(block, blocks.ListBlock):
        return [text for item in value for text in _block_text(block.child_block, item)]
    if isinstance(block, blocks.StructBlock):
        return [text for name, child in block.child_blocks.items() for text in _block_text(child, value.get(name))]
    if isinstance(block, (blocks.URLBlock, blocks.EmailBlock)):
        return []
    return [str(text) for text in block.get_searchable_content(value) if text]


def layer_entries(*, site: Association | None, kind: str | None = None):
    """The entries of one layer (`site` None: the national lexicon)."""
    entries = (
        LexiconEntry.objects.filter(site=site) if site is not None else LexiconEntry.objects.filter(site__isnull=True)
    )
    if kind:
        entries = entries.filter(kind=kind)
    return entries.order_by("kind", "word")


def layer_history(*, site: Association | None):
    return (
        LexiconChange.objects.filter(site=site) if site is not None else LexiconChange.objects.filter(site__isnull=True)
    )


def findings(*, site: Association | None = None):
    """What the latest re-scans found: one site's, or every site's for the central office."""
    found = Finding.objects.select_related("site")
    return found.filter(site=site) if site is not None else found
