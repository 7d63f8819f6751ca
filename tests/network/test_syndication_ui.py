"""Syndication in the admin, as editors meet it: 报送上级 as a visible action, an inline preview of each
item in the receiver's inbox, and a provenance banner that names the source site and title, linked."""

import re
from html import unescape

from django_tenants.utils import schema_context

from cms.media.models import SiteRendition
from cms.network import syndication
from cms.pages.models import ArticlePage
from tests.conftest import add_article
from tests.factories import make_document, make_image, rich_body
from tests.network.test_admin import BASE, SiteAdmin


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_submit_up_is_a_visible_button_in_the_explorer_and_on_the_edit_page(delta):
    # Given a published article on a city site (which has a parent to submit to)
    article = add_article(delta, "可报送的稿件")
    admin = SiteAdmin(delta)
    submit_url = f"{BASE}/pages/{article.pk}/submit/"
    # When its editor opens the section in the page explorer
    with schema_context(delta.schema_name):
        section_id = article.get_parent().pk
    listing = admin.html(f"/admin/pages/{section_id}/")
    # Then the article's row has a 报送上级 button of its own, outside the row's "…" menu
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*?{re.escape(submit_url)}.*?</tr>", listing, re.S).group(0)
    button = re.search(rf'<a [^>]*href="{re.escape(submit_url)}"[^>]*>(.*?)</a>', row, re.S)
    assert button and "报送上级" in button.group(1)
    dropdown_start = row.find('data-controller="w-dropdown"')
    assert dropdown_start == -1 or row.find(submit_url) < dropdown_start
    # And the edit page offers it above the form, not only in the header's "…" menu
    edit = admin.html(f"/admin/pages/{article.pk}/edit/")
    messages = re.search(r'<div class="messages"[^>]*>(.*?)</div>\s*</div>|<ul class="messages".*?</ul>', edit, re.S)
    assert messages and "本稿件已发布，可报送上级单位采用。" in messages.group(0) and submit_url in messages.group(0)


def test_no_submit_button_where_there_is_nothing_to_submit(alpha, delta):
    # A site with no parent (the national federation) offers no 报送上级
    article = add_article(alpha, "全国文联稿件")
    admin = SiteAdmin(alpha)
    assert f"{BASE}/pages/{article.pk}/submit/" not in admin.html(f"/admin/pages/{article.pk}/edit/")
    # and neither does a draft
    with schema_context(delta.schema_name):
        draft = add_article(delta, "草稿")
        ArticlePage.objects.get(pk=draft.pk).unpublish()
    assert f"{BASE}/pages/{draft.pk}/submit/" not in SiteAdmin(delta).html(f"/admin/pages/{draft.pk}/edit/")


def test_the_inbox_previews_each_item_with_its_content_images_and_attachments(delta, gamma):
    # Given a city submits an article with a cover, a body of every block and an attachment
    image, document = make_image(delta, "报送图片"), make_document(delta, "报送附件")
    article = add_article(
        delta, "带图稿件", summary="稿件摘要", cover=image, body=rich_body(image, document, "预览正文")
    )
    record = syndication.submit(source_site=delta, page_id=article.pk, target_site=gamma, user_name="admin")
    with schema_context(delta.schema_name):
        renditions_before = SiteRendition.objects.count()
    # When the province opens its inbox
    inbox = SiteAdmin(gamma).html(f"{BASE}/inbox/")
    row = inbox[inbox.index(f'<tr id="syndication-{record.pk}">') :]
    preview = row[row.index('<div class="syndication-preview"') : row.index("</details>")]
    # Then the item is shown inline: its text, its images and its attachment, all from the city's own host
    text = visible_text(preview)
    assert "带图稿件" in text and "稿件摘要" in text and "预览正文" in text and "文艺是时代前进的号角" in text
    images = re.findall(r'<img [^>]*src="([^"]+)"', preview)
    assert len(images) >= 4 and all(src.startswith("http://delta.localhost/media/original_images/") for src in images)
    assert re.search(r'href="http://delta.localhost/documents/\d+/notice[^"]*\.pdf"[^>]*>下载附件', preview)
    # and previewing wrote nothing in the city's schema
    with schema_context(delta.schema_name):
        assert SiteRendition.objects.count() == renditions_before


def test_an_item_no_longer_public_at_its_source_has_no_preview(delta, gamma):
    # Given a submitted item that its site has since put behind a login
    from wagtail.models import PageViewRestriction

    article = add_article(delta, "已转为内部的稿件")
    record = syndication.submit(source_site=delta, page_id=article.pk, target_site=gamma, user_name="admin")
    with schema_context(delta.schema_name):
        PageViewRestriction.objects.create(page=article, restriction_type=PageViewRestriction.LOGIN)
    # Then the receiver's inbox says it cannot be previewed, and shows nothing of it
    inbox = SiteAdmin(gamma).html(f"{BASE}/inbox/")
    row = inbox[inbox.index(f'<tr id="syndication-{record.pk}">') :]
    row = row[: row.index("</tr>")]
    assert "原文已撤下或不再公开，无法预览。" in row and "syndication-preview" not in row


def test_the_provenance_banner_names_the_source_site_and_title_linked(delta, gamma):
    # Given the province accepted a city's item
    article = add_article(delta, "杭州诗会侧记")
    record = syndication.submit(source_site=delta, page_id=article.pk, target_site=gamma, user_name="admin")
    from tests.network.test_syndication import accepted

    record = accepted(record, gamma)
    # When an editor opens the copy
    edit = SiteAdmin(gamma).html(f"/admin/pages/{record.copy_page_id}/edit/")
    # Then the banner names the source site and the title, each a link, and prints no raw address
    assert re.search(
        r'本页转载自<a href="http://delta.localhost/"[^>]*>测试杭州市文联</a>的《<a href="http://delta.localhost/news/[^"]+"[^>]*>杭州诗会侧记</a>》',
        edit,
    )
    banner = visible_text(re.search(r"本页转载自.*?》", edit, re.S).group(0))
    assert "%E" not in banner and "http" not in banner
