"""The GraphQL API a front end builds a site from, on each site's own host."""

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from wagtail.models import PageViewRestriction

from cms.api.examples import TYPICAL_PAGE_QUERY
from cms.pages.models import ArticlePage, SiteSettings
from sites.models import Association
from tests.api.conftest import graphql_data, graphql_errors, post_graphql
from tests.conftest import HOSTS
from tests.factories import make_document, make_image, make_section, publish, rich_body

LIST = """query($first: Int, $after: String, $section: ID, $tag: String, $artForm: ArtFormCode,
                 $dateFrom: Date, $dateTo: Date, $order: ContentOrder) {
  contentPages(first: $first, after: $after, section: $section, tag: $tag, artForm: $artForm,
               dateFrom: $dateFrom, dateTo: $dateTo, order: $order) {
    totalCount
    pageInfo { hasNextPage endCursor }
    items { title ... on ArticlePage { date tagNames artFormsDisplay { code name } } }
  }
}"""


def titles(data):
    return [item["title"] for item in data["contentPages"]["items"]]


def test_content_pages_are_newest_first_with_their_fields(client, news):
    data = graphql_data(client, LIST)
    assert titles(data) == ["专题：民间文艺", "戏剧节闭幕", "书法展开幕", "音乐会在京举行"]
    third = data["contentPages"]["items"][1]
    assert third["date"] == "2026-03-05"
    assert third["tagNames"] == ["演出", "节庆"]
    assert third["artFormsDisplay"] == [{"code": "theatre", "name": "戏剧"}, {"code": "music", "name": "音乐"}]
    assert data["contentPages"]["totalCount"] == 4


def test_cursor_pagination_walks_every_page_once(client, news):
    seen, after = [], None
    while True:
        data = graphql_data(client, LIST, variables={"first": 3, "after": after, "order": "OLDEST"})
        seen += titles(data)
        info = data["contentPages"]["pageInfo"]
        if not info["hasNextPage"]:
            assert info["endCursor"] is None
            break
        after = info["endCursor"]
    assert seen == ["音乐会在京举行", "书法展开幕", "戏剧节闭幕", "专题：民间文艺"]


@pytest.mark.parametrize(
    "variables, expected",
    [
        ({"tag": "演出"}, ["戏剧节闭幕", "音乐会在京举行"]),
        ({"artForm": "MUSIC"}, ["戏剧节闭幕", "音乐会在京举行"]),
        ({"dateFrom": "2026-02-01", "dateTo": "2026-03-31"}, ["戏剧节闭幕", "书法展开幕"]),
        ({"order": "TITLE"}, sorted(["专题：民间文艺", "戏剧节闭幕", "书法展开幕", "音乐会在京举行"])),
    ],
)
def test_content_pages_filter_by_tag_art_form_and_dates(client, news, variables, expected):
    assert titles(graphql_data(client, LIST, variables=variables)) == expected


def test_content_pages_filter_by_section(client, news):
    assert titles(graphql_data(client, LIST, variables={"section": str(news["other"].pk)})) == ["专题：民间文艺"]
    assert len(titles(graphql_data(client, LIST, variables={"section": str(news["section"].pk)}))) == 3


def test_drafts_unpublished_and_private_pages_never_appear(client, alpha, news):
    with schema_context(alpha.schema_name):
        draft = ArticlePage(title="未发布的草稿", date="2026-05-01", live=False)
        news["section"].add_child(instance=draft)
        draft.save_revision()
        withdrawn = news["pages"]["书法展开幕"]
        withdrawn.unpublish()
        private = publish(news["section"], ArticlePage(title="仅限会员", date="2026-05-02"))
        PageViewRestriction.objects.create(page=private, restriction_type="password", password="secret")
    hidden = {"未发布的草稿", "书法展开幕", "仅限会员"}
    assert not hidden & set(titles(graphql_data(client, LIST)))
    grapple_titles = {p["title"] for p in graphql_data(client, "{ pages(limit: 100) { title } }")["pages"]}
    assert not hidden & grapple_titles
    for page in (draft, withdrawn, private):
        assert graphql_data(client, f"{{ page(id: {page.pk}) {{ title }} }}")["page"] is None
        # each page's own path under the site root ("/home/news/x/" -> "/news/x/")
        own_path = page.url_path.removeprefix("/home")
        assert graphql_data(client, f'{{ page(urlPath: "{own_path}") {{ title }} }}')["page"] is None


def test_page_by_url_path_and_by_id(client, news):
    article = news["pages"]["戏剧节闭幕"]
    by_id = graphql_data(client, f"{{ page(id: {article.pk}) {{ title url }} }}")["page"]
    by_path = graphql_data(client, f'{{ page(urlPath: "{by_id["url"]}", inSite: true) {{ id title }} }}')["page"]
    assert by_id["title"] == by_path["title"] == "戏剧节闭幕"
    assert by_path["id"] == str(article.pk)


def test_streamfield_blocks_are_typed(client, news):
    query = """{ contentPages(first: 1, order: OLDEST) { items { ... on ArticlePage { body {
      blockType field
      ... on RichTextBlock { value }
      ... on ImageWithCaptionBlock { caption image { title rendition(width: 320) { width url } } }
      ... on GalleryBlock { title images { ... on ImageWithCaptionBlock { caption } } }
      ... on QuoteBlock { text attribution }
      ... on AttachmentBlock { title document { title url } }
      ... on TableBlock { rows firstRowIsHeader firstColIsHeader }
      ... on EmbedBlock { url }
    } } } } }"""
    body = graphql_data(client, query)["contentPages"]["items"][0]["body"]
    by_field = {block["field"]: block for block in body}
    assert [b["field"] for b in body] == ["paragraph", "image", "gallery", "quote", "attachment", "table", "video"]
    assert by_field["paragraph"]["value"] == "<p>音乐会在京举行</p>"
    assert by_field["image"]["caption"] == "图片说明"
    assert by_field["image"]["image"]["rendition"]["width"] == 320
    assert by_field["image"]["image"]["rendition"]["url"].startswith("http://alpha.localhost/media/images/")
    assert [i["caption"] for i in by_field["gallery"]["images"]] == ["一", "二"]
    assert by_field["quote"] == {
        "blockType": "QuoteBlock",
        "field": "quote",
        "text": "文艺是时代前进的号角",
        "attribution": "出处",
    }
    assert by_field["attachment"]["document"]["url"].startswith("http://alpha.localhost/documents/")
    assert by_field["table"]["rows"] == [["名称", "数量"], ["作品", "12"]] and by_field["table"]["firstRowIsHeader"]
    assert by_field["video"]["url"] == "https://www.bilibili.com/video/BV1xx411c7mD"


def test_images_come_as_renditions_with_srcset(client, news):
    query = (
        "{ contentPages(first: 1) { items { ... on ArticlePage { cover {"
        ' srcSet(sizes: [320, 640, 999]) rendition(fill: "640x360") { width height url } } } } } }'
    )
    cover = graphql_data(client, query)["contentPages"]["items"][0]["cover"]
    assert (cover["rendition"]["width"], cover["rendition"]["height"]) == (640, 360)
    sources = cover["srcSet"].split(", ")
    # 999 is not on the allow-list, so it is left out rather than rendered
    assert [source.rsplit(" ", 1)[1] for source in sources] == ["320w", "640w"]
    assert all(source.startswith("http://alpha.localhost/media/images/") for source in sources)


def test_a_rendition_filter_off_the_allow_list_is_refused_by_name(client, news, caplog):
    query = "{ contentPages(first: 1) { items { ... on ArticlePage { cover { rendition(width: 5000) { url } } } } } }"
    with caplog.at_level(logging.ERROR):
        messages = graphql_errors(client, query)
    assert messages == [messages[0]] and messages[0].startswith(
        "Rendition filter 'width-5000' is not allowed. Allowed filters: width-320,"
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_site_identity_names_the_parent(client, alpha, beta):
    beta_site = graphql_data(
        client,
        "{ site { name shortName kind kindName region domain parent { name kind domain } } }",
        host=HOSTS["beta"],
    )["site"]
    assert beta_site == {
        "name": "测试作家协会",
        "shortName": "测试作协",
        "kind": "national_association",
        "kindName": "全国文艺家协会",
        "region": "",
        "domain": "beta.localhost",
        "parent": {"name": "测试全国文联", "kind": "national_federation", "domain": "alpha.localhost"},
    }
    assert graphql_data(client, "{ site { name parent { name } } }")["site"] == {"name": "测试全国文联", "parent": None}


def test_site_settings_and_navigation(client, news):
    data = graphql_data(
        client, "{ siteSettings { icpNumber policeNumber } navigation { label url pageId children { label url } } }"
    )
    assert data["siteSettings"] == {"icpNumber": "京ICP备00000001号", "policeNumber": ""}
    assert data["navigation"] == [
        {
            "label": "新闻动态",
            "url": "/news/",
            "pageId": str(news["section"].pk),
            "children": [
                {"label": "专题", "url": "/special/"},
                {"label": "外部链接", "url": "https://www.cflac.org.cn/"},
            ],
        }
    ]


def test_navigation_leaves_out_unpublished_pages(client, alpha, news):
    with schema_context(alpha.schema_name):
        news["other"].unpublish()
    children = graphql_data(client, "{ navigation { children { label } } }")["navigation"][0]["children"]
    assert children == [{"label": "外部链接"}]


@pytest.mark.parametrize("first", [0, -1, 101, 1000])
def test_page_size_outside_1_to_100_is_refused(client, news, first, caplog):
    with caplog.at_level(logging.ERROR):
        messages = graphql_errors(client, LIST, variables={"first": first})
    assert messages == [f"`first` must be between 1 and 100 (page size limit); got {first}."]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "query, variables, message",
    [
        ("{ contentPages(first: 5 { items { title } } }", None, "Syntax Error"),
        ("{ contentPages { items { nosuchfield } } }", None, "Cannot query field 'nosuchfield'"),
        (LIST, {"after": "not-a-cursor"}, "`after` cursor 'not-a-cursor' is not valid"),
        (LIST, {"section": "999999"}, "No published section with id 999999."),
        (LIST, {"section": "abc"}, "`section` must be a page id; got 'abc'."),
        (LIST, {"dateFrom": "2026-05-01", "dateTo": "2026-01-01"}, "`dateFrom` is after `dateTo`."),
        (LIST, {"artForm": "POETRY"}, "Value 'POETRY' does not exist in 'ArtFormCode' enum"),
    ],
)
def test_bad_input_gets_a_clear_error_and_a_400(client, news, query, variables, message, caplog):
    with caplog.at_level(logging.ERROR):
        messages = graphql_errors(client, query, variables=variables)
    assert any(message in text for text in messages), messages
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_each_site_answers_only_with_its_own_pages(client, news):
    assert titles(graphql_data(client, LIST, host=HOSTS["beta"])) == []


def make_articles(site, count, slug="bulk"):
    """`count` articles with their own cover, body image and document, in a section that is on the menu."""
    section = make_section(site, f"批量{slug}", slug)
    with schema_context(site.schema_name):
        for number in range(count):
            image, document = make_image(site, f"图{number}"), make_document(site, f"附件{number}")
            body = rich_body(image, document, link_to=section)
            article = ArticlePage(title=f"文章{slug}{number}", date="2026-06-01", cover=image, body=body)
            article.tags.add("标签", f"标签{number}")
            publish(section, article)
        settings = SiteSettings.for_site(section.get_site())
        Association.objects.filter(pk=site.pk).update(icp_number="京ICP备00000002号")
        settings.navigation = list(settings.navigation.raw_data) + [
            {"type": "menu", "value": {"label": "", "page": section.pk, "url": "", "children": []}}
        ]
        settings.save()
    return section


def count_queries(client, query, host=HOSTS["alpha"]) -> tuple[int, dict]:
    post_graphql(client, query, host)  # renditions are made on first use; measure the steady state
    with CaptureQueriesContext(connection) as queries:
        response = post_graphql(client, query, host)
    assert response.status_code == 200 and "errors" not in response.json(), response.content
    return len(queries), response.json()["data"]


def test_typical_front_page_query_runs_a_constant_number_of_queries(client, beta, settings):
    settings.CMS_GRAPHQL_RESPONSE_CACHE_SECONDS = 0  # measure execution, not the answer cache
    settings.CMS_GRAPHQL_PAGE_CACHE_MB = 0  # nor the page-tree cache (tests/api/test_page_trees.py measures it)
    # Given a site with 5 articles (each with its own cover, body image and document)
    make_articles(beta, 5, slug="first")
    # When the typical front-page query (site, navigation, 20 latest articles with bodies and renditions, footer) runs
    small, small_data = count_queries(client, TYPICAL_PAGE_QUERY, HOSTS["beta"])
    # And again once the site has 25 articles
    make_articles(beta, 20, slug="more")
    large, large_data = count_queries(client, TYPICAL_PAGE_QUERY, HOSTS["beta"])
    # Then the whole HTTP request, routing included, costs the same few queries whatever the list size
    assert len(small_data["contentPages"]["items"]) == 5 and len(large_data["contentPages"]["items"]) == 20
    assert len(large_data["navigation"]) == 2 and large_data["siteSettings"]["icpNumber"] == "京ICP备00000002号"
    assert all(item["cover"]["rendition"]["url"] for item in large_data["contentPages"]["items"])
    # (every body links to a page and a document from its rich text; the links are expanded)
    first_paragraph = large_data["contentPages"]["items"][0]["body"][0]["value"]
    assert (
        '<a href="/more/">相关页面</a>' in first_paragraph
        and '<a href="http://beta.localhost/documents/' in first_paragraph
    )
    assert small == large
    assert large <= 10, f"{large} queries"
    print(f"typical front page: {large} SQL queries for the whole request")


def test_a_repeated_query_is_answered_from_the_cache_until_content_changes(client, alpha, news):
    query = "{ contentPages(first: 2) { items { title } } }"
    first = graphql_data(client, query)
    with CaptureQueriesContext(connection) as queries:
        assert graphql_data(client, query) == first
    assert len(queries) <= 3, [q["sql"] for q in queries]  # search path, content version (routing is cached)
    # When an editor publishes a new article, the next answer has it at once
    with schema_context(alpha.schema_name):
        publish(news["section"], ArticlePage(title="刚刚发布", date="2026-12-01"))
    assert titles(graphql_data(client, query))[0] == "刚刚发布"


def test_cached_answers_are_per_site(client, alpha, beta, news):
    query = "{ site { name } contentPages(first: 1) { items { title } } }"
    assert graphql_data(client, query)["site"]["name"] == "测试全国文联"
    assert graphql_data(client, query, host=HOSTS["beta"]) == {
        "site": {"name": "测试作家协会"},
        "contentPages": {"items": []},
    }


def test_site_settings_are_edited_in_the_sites_admin(client, alpha):
    from tests.conftest import ADMIN_PASSWORD

    assert (
        client.post(
            "/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["alpha"]
        ).status_code
        == 302
    )
    with schema_context(alpha.schema_name):
        from wagtail.models import Site

        site_id = Site.objects.get().pk
    page = client.get(f"/admin/settings/pages/sitesettings/{site_id}/", HTTP_HOST=HOSTS["alpha"])
    html = page.content.decode()
    assert page.status_code == 200
    for label in ("页脚与备案", "导航菜单", "前端与预览", "ICP备案号", "公安备案号", "网站标识码"):
        assert label in html, label


def test_theme_tokens_and_logo_reach_the_front_end(client, alpha):
    data = graphql_data(
        client,
        '{ site { theme themeVersion } siteSettings { designTokens logo { title rendition(fill: "160x160") { url } } } }',
    )
    assert data["site"] == {"theme": "blank", "themeVersion": 1}
    assert data["siteSettings"]["designTokens"]["colors"]["primary"] == "#333333"
    assert data["siteSettings"]["logo"]["title"] == "网站标志"
    assert data["siteSettings"]["logo"]["rendition"]["url"].startswith("http://alpha.localhost/media/images/")
