"""The built-in rendering (http://<site>/ when a site has no front end): a plain but complete site."""

import re
from html import unescape
from urllib.parse import quote

import pytest
from django_tenants.utils import schema_context

from cms.pages.models import ArticlePage, NoticePage, SiteSettings
from tests.api.conftest import graphql_data
from tests.conftest import HOSTS, home_page
from tests.factories import make_document, make_image, make_section, publish, rich_body

FILING = {
    "sponsor": "测试作家协会",
    "operator": "测试信息中心",
    "address": "北京市朝阳区农展馆南里10号",
    "phone": "010-12345678",
    "icp_number": "京ICP备12345678号",
    "police_number": "京公网安备11010502000001号",
    "site_code": "bm01000001",
    "copyright": "版权所有 © 测试作家协会",
}
# Kept by the central office in the site registry (sites.Association), not in the site's settings.
REGISTRY_FIELDS = ("sponsor", "icp_number", "police_number", "site_code")


def page_html(client, path: str, host=HOSTS["beta"]) -> str:
    response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def site_with_content(beta):
    """beta with a logo and footer data, a news section with a sub-section and an article in it, a 转载
    section (where syndicated copies land) with a copy in it, and a 意见建议 section."""
    logo = make_image(beta, "协会徽标")
    for name in REGISTRY_FIELDS:
        setattr(beta, name, FILING[name])
    beta.save(update_fields=list(REGISTRY_FIELDS))
    with schema_context(beta.schema_name):
        settings = SiteSettings.objects.get()
        for name, value in FILING.items():
            if name not in REGISTRY_FIELDS:
                setattr(settings, name, value)
        settings.logo = logo
        settings.save()
    news = make_section(beta, "新闻动态", "news")
    with schema_context(beta.schema_name):
        news.show_in_menus = True
        news.save_revision().publish()
    headlines = make_section(beta, "协会要闻", "headlines", parent=news)
    syndicated = make_section(beta, "转载", "syndicated")
    make_section(beta, "意见建议", "feedback")
    image, document = make_image(beta, "正文图片"), make_document(beta, "活动方案")
    with schema_context(beta.schema_name):
        article = publish(
            headlines,
            ArticlePage(
                title="作家代表大会开幕",
                summary="大会摘要",
                cover=image,
                author="记者甲",
                date="2026-11-30",
                body=rich_body(image, document, text="大会正文"),
            ),
        )
        copy = publish(syndicated, NoticePage(title="上级下发的通知", date="2026-12-01"))
    return {"article": article, "news": news, "headlines": headlines, "syndicated": syndicated, "copy": copy}


def test_the_home_page_has_logo_navigation_latest_items_and_the_footer(client, site_with_content):
    html = page_html(client, "/")
    text = text_of(html)
    # the logo, and the navigation (the sections shown in menus)
    assert re.search(r'<a class="brand" href="/"><img [^>]*src="[^"]+/media/', html)
    nav = re.search(r'<nav aria-label="主导航">(.*?)</nav>', html, re.S).group(1)
    assert "新闻动态" in nav and "转载" not in nav
    # the latest items, with the item inside a sub-section
    assert "最新内容" in text and "作家代表大会开幕" in text
    # the sections, without the internal 转载 section
    sections = re.search(r'<section aria-labelledby="sections">(.*?)</section>', html, re.S).group(1)
    assert "新闻动态" in sections and "意见建议" in sections and "转载" not in sections
    assert 'href="/syndicated/"' not in html
    # and the footer, with every filing number
    footer = text_of(re.search(r'<footer class="site-footer">(.*?)</footer>', html, re.S).group(1))
    assert all(value in footer for value in FILING.values()), footer


def test_the_footer_shows_what_graphql_site_settings_gives(client, site_with_content):
    query = "{ siteSettings { sponsor operator icpNumber policeNumber siteCode copyright } }"
    data = graphql_data(client, query, host=HOSTS["beta"])["siteSettings"]
    footer = text_of(re.search(r'<footer class="site-footer">(.*?)</footer>', page_html(client, "/"), re.S).group(1))
    assert all(value and value in footer for value in data.values()), (data, footer)


def test_items_of_the_internal_section_and_the_section_itself_are_not_listed(client, site_with_content):
    html = page_html(client, "/")
    assert "上级下发的通知" not in html and "转载" not in text_of(html)


def test_a_section_lists_the_items_of_its_sub_sections(client, site_with_content):
    html = page_html(client, "/news/")
    assert "作家代表大会开幕" in html and "协会要闻" in html
    assert f'href="/news/headlines/{quote(site_with_content["article"].slug)}/"' in html


def test_a_long_section_is_paged(client, beta):
    news = make_section(beta, "通知公告", "notices")
    with schema_context(beta.schema_name):
        for number in range(23):
            publish(news, NoticePage(title=f"第{number:02d}号通知", date=f"2026-01-{number + 1:02d}"))
    first, second = page_html(client, "/notices/"), page_html(client, "/notices/?p=2")
    assert first.count('<li><a href="/notices/') == 20 and second.count('<li><a href="/notices/') == 3
    assert "第 1 页，共 2 页" in first and 'rel="next"' in first and 'rel="prev"' in second


def test_an_article_renders_every_block_of_the_library(client, site_with_content):
    article = site_with_content["article"]
    html = page_html(client, f"/news/headlines/{quote(article.slug)}/")
    text = text_of(html)
    # fields and cover
    assert "作家代表大会开幕" in text and "记者甲" in text and "2026年11月30日" in text and "大会摘要" in text
    # paragraph, image with caption, gallery, quote, attachment, table, video
    assert "大会正文" in text
    assert "<figcaption>图片说明</figcaption>" in html
    gallery = re.search(r'<section class="gallery-block">(.*?)</section>', html, re.S).group(1)
    assert "组图" in gallery and gallery.count("<img ") == 2
    assert re.search(r"<blockquote><p>文艺是时代前进的号角</p><footer>—— 出处</footer></blockquote>", html)
    attachment = (
        r'<p class="attachment">附件：<a href="http://beta.localhost/documents/\d+/notice[^"]*\.pdf" download>'
        r"下载附件</a>（PDF）"
    )
    assert re.search(attachment, html)
    table = text_of(re.search(r'<div class="table">(.*?)</div>', html, re.S).group(1)).split()
    assert table == ["名称", "数量", "作品", "12"]
    assert 'href="https://www.bilibili.com/video/BV1xx411c7mD"' in html
    # every image is from this site's own media
    assert len(re.findall(r"<img ", html)) >= 5


def test_a_copy_shows_where_it_came_from(client, site_with_content):
    copy = site_with_content["copy"]
    with schema_context("beta"):
        NoticePage.objects.filter(pk=copy.pk).update(
            source_site_name="测试全国文联", source_url="//alpha.localhost/news/1/", syndication_id=1
        )
    html = page_html(client, f"/syndicated/{quote(copy.slug)}/")
    assert "本文转载自测试全国文联" in text_of(html) and 'href="http://alpha.localhost/news/1/"' in html


def test_the_feedback_page_renders_with_a_place_for_the_form(client, site_with_content):
    html = page_html(client, "/feedback/")
    assert "<h1>意见建议</h1>" in html and 'id="feedback-form"' in html


def test_a_section_without_items_says_so(client, beta):
    make_section(beta, "空栏目", "empty")
    assert "本栏目暂无内容。" in page_html(client, "/empty/")


def test_the_home_page_of_a_site_without_sections_still_renders(client, delta):
    html = page_html(client, "/", host=HOSTS["delta"])
    assert '<footer class="site-footer">' in html and home_page(delta).title in html
