"""Factories for pages, images and documents inside a test site's schema."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django_tenants.utils import schema_context
from PIL import Image as PILImage

from cms.media.models import SiteDocument, SiteImage
from cms.pages.models import SectionPage
from tests.conftest import home_page


def png_bytes(colour=(200, 30, 30), size=(640, 480)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def make_image(site, title: str = "测试图片", size=(640, 480)) -> SiteImage:
    with schema_context(site.schema_name):
        image = SiteImage(title=title)
        image.file = ImageFile(io.BytesIO(png_bytes(size=size)), name="photo.png")
        image.save()
        return image


def make_document(site, title: str = "附件") -> SiteDocument:
    with schema_context(site.schema_name):
        document = SiteDocument(title=title)
        document.file = ContentFile(b"%PDF-1.4 test", name="notice.pdf")
        document.save()
        return document


def make_restricted_document(site, title: str = "内部文件") -> SiteDocument:
    """A document in a collection that only logged-in users may see."""
    from wagtail.models import Collection, CollectionViewRestriction

    document = make_document(site, title)
    with schema_context(site.schema_name):
        private = Collection.get_first_root_node().add_child(name=f"内部资料{document.pk}")
        CollectionViewRestriction.objects.create(collection=private, restriction_type=CollectionViewRestriction.LOGIN)
        document.collection = private
        document.save()
    return document


def make_section(site, title: str, slug: str, parent=None) -> SectionPage:
    with schema_context(site.schema_name):
        parent = parent or home_page(site)
        section = SectionPage(title=title, slug=slug)
        parent.add_child(instance=section)
        section.save_revision().publish()
        return section


def rich_body(image: SiteImage, document: SiteDocument, text: str = "正文", link_to=None) -> list:
    """A body with every block type of the library, in StreamField's raw (JSON) form.

    With `link_to` (a page), the first paragraph also links to it and to the document.
    """
    links = ""
    if link_to is not None:
        links = f'<p><a id="{link_to.pk}" linktype="page">相关页面</a> <a linktype="document" id="{document.pk}">附件</a></p>'
    blocks = [
        ("paragraph", f"<p>{text}</p>{links}"),
        ("image", {"image": image.pk, "caption": "图片说明"}),
        (
            "gallery",
            {"title": "组图", "images": [{"image": image.pk, "caption": "一"}, {"image": image.pk, "caption": "二"}]},
        ),
        ("quote", {"text": "文艺是时代前进的号角", "attribution": "出处"}),
        ("attachment", {"document": document.pk, "title": "下载附件"}),
        (
            "table",
            {
                "data": [["名称", "数量"], ["作品", "12"]],
                "first_row_is_table_header": True,
                "first_col_is_header": False,
            },
        ),
        ("video", "https://www.bilibili.com/video/BV1xx411c7mD"),
    ]
    return [{"type": kind, "value": value} for kind, value in blocks]


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page
