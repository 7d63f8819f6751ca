"""`search` over GraphQL: a site's own pages, and the whole network on the central host."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from wagtail.models import Page

from cms.pages.models import NoticePage
from tests.api.conftest import graphql_data, graphql_errors, post_graphql
from tests.conftest import HOSTS, add_article
from tests.factories import make_section, publish

SEARCH = """query($q: String!, $type: NetworkItemType, $section: ID, $artForm: ArtFormCode, $dateFrom: Date,
  $dateTo: Date, $first: Int, $after: String, $kind: SiteKind, $region: String, $site: ID) {
  search(query: $q, type: $type, section: $section, artForm: $artForm, dateFrom: $dateFrom, dateTo: $dateTo,
         first: $first, after: $after, kind: $kind, region: $region, site: $site) {
    items { title type snippet score url site { slug } page { id title } }
    totalCount terms pageInfo { hasNextPage endCursor }
  }
}"""


def paragraph(text):
    return [{"type": "paragraph", "value": f"<p>{text}</p>"}]


def search(client, q, host=HOSTS["alpha"], **variables):
    return graphql_data(client, SEARCH, host=host, variables={"q": q, **variables})["search"]


def titles(client, q, host=HOSTS["alpha"], **variables):
    return [item["title"] for item in search(client, q, host, **variables)["items"]]


@pytest.fixture
def corpus(alpha, beta, gamma):
    """Chinese items on three sites."""
    add_article(
        alpha,
        "京剧艺术节在杭州开幕",
        summary="来自全国的京剧院团参加演出。",
        art_forms=["theatre"],
        date="2026-03-01",
        body=paragraph("开幕式上，梅派青衣演唱了《贵妃醉酒》选段。"),
    )
    add_article(
        alpha,
        "诗歌朗诵会举行",
        summary="青年诗人朗诵新作。",
        art_forms=["literature"],
        date="2026-04-01",
        body=paragraph("朗诵会以“新时代的歌”为主题。"),
    )
    add_article(
        alpha,
        "书法作品展览",
        summary="展出行书、楷书作品百余件。",
        art_forms=["calligraphy"],
        date="2026-05-01",
        body=paragraph("展览还设有青少年书法体验区。CCTV 书画频道进行了报道。"),
    )
    add_article(
        beta,
        "诗歌创作研讨会",
        summary="作家们讨论诗歌创作。",
        art_forms=["literature"],
        body=paragraph("诗歌是文学的皇冠。"),
    )
    add_article(gamma, "浙江诗歌节", summary="浙江省诗歌节在杭州举行。", art_forms=["literature"])


def test_two_character_words_are_found_and_ranked_with_snippets(client, corpus):
    result = search(client, "诗歌")
    assert [item["title"] for item in result["items"]] == ["诗歌朗诵会举行"]
    item = result["items"][0]
    assert "<mark>" in item["snippet"] and item["type"] == "ARTICLE" and item["site"]["slug"] == "alpha"
    assert item["page"]["title"] == "诗歌朗诵会举行" and item["score"] > 0
    assert result["terms"] == ["诗歌"] and result["totalCount"] == 1


def test_one_character_queries_and_words_jieba_would_split_differently(client, corpus, alpha):
    assert set(titles(client, "诗")) == {"诗歌朗诵会举行"}
    assert set(titles(client, "剧")) == {"京剧艺术节在杭州开幕"}
    assert titles(client, "剧艺") == ["京剧艺术节在杭州开幕"]  # not a word (京剧/艺术节): found as adjacent characters
    assert titles(client, "艺节") == []  # not adjacent anywhere
    assert titles(client, "贵妃醉酒") == ["京剧艺术节在杭州开幕"]  # in the body
    # The title outranks the body
    add_article(alpha, "青年美术家作品", summary="新人新作。", body=paragraph("其中有书法作品。"))
    assert titles(client, "书法") == ["书法作品展览", "青年美术家作品"]


def test_filters(client, corpus, alpha):
    assert set(titles(client, "杭州")) == {"京剧艺术节在杭州开幕"}
    assert titles(client, "朗诵", artForm="LITERATURE") == ["诗歌朗诵会举行"]
    assert titles(client, "朗诵", artForm="THEATRE") == []
    assert titles(client, "作品", dateFrom="2026-05-01") == ["书法作品展览"]
    assert titles(client, "作品", dateTo="2026-04-30") == []
    assert titles(client, "书法", type="NOTICE") == []
    notices = make_section(alpha, "通知公告", "notices")
    with schema_context(alpha.schema_name):
        publish(notices, NoticePage(title="关于书法比赛的通知", summary="书法比赛报名。"))
    assert titles(client, "书法", type="NOTICE") == ["关于书法比赛的通知"]
    assert titles(client, "书法", section=str(notices.pk)) == ["关于书法比赛的通知"]


def test_several_words_find_pages_with_any_of_them(client, corpus):
    assert titles(client, "京剧 杭州") == ["京剧艺术节在杭州开幕"]
    # No page has both: the answer falls back to pages with either
    assert set(titles(client, "京剧 朗诵")) == {"京剧艺术节在杭州开幕", "诗歌朗诵会举行"}


def test_mixed_chinese_and_english_and_full_width(client, corpus):
    assert titles(client, "CCTV 书画") == ["书法作品展览"]
    assert titles(client, "ＣＣＴＶ") == ["书法作品展览"]
    assert titles(client, "cctv") == ["书法作品展览"]


def test_a_site_finds_only_its_own_pages(client, corpus):
    assert titles(client, "诗歌", host=HOSTS["beta"]) == ["诗歌创作研讨会"]
    assert titles(client, "京剧", host=HOSTS["beta"]) == []
    assert titles(client, "诗歌", host=HOSTS["delta"]) == []


def test_the_central_host_searches_the_whole_network(client, corpus, gamma):
    assert set(titles(client, "诗歌", host=HOSTS["central"])) == {"诗歌朗诵会举行", "诗歌创作研讨会", "浙江诗歌节"}
    assert titles(client, "诗歌", host=HOSTS["central"], region="浙江") == ["浙江诗歌节"]
    assert titles(client, "诗歌", host=HOSTS["central"], kind="NATIONAL_ASSOCIATION") == ["诗歌创作研讨会"]
    assert titles(client, "诗歌", host=HOSTS["central"], site=str(gamma.pk)) == ["浙江诗歌节"]
    first = search(client, "诗歌", host=HOSTS["central"])["items"][0]
    assert first["page"] is None and first["url"].startswith("http://")


def test_pages_are_searchable_when_published_and_gone_when_unpublished(
    client, alpha, beta, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # as when the request commits
        article = add_article(alpha, "刚刚发布的舞蹈新闻", summary="民族舞蹈展演。")
    assert titles(client, "舞蹈") == ["刚刚发布的舞蹈新闻"]  # no worker has run: indexed on publishing
    assert titles(client, "舞蹈", host=HOSTS["central"]) == ["刚刚发布的舞蹈新闻"]
    with django_capture_on_commit_callbacks(execute=True), schema_context(alpha.schema_name):
        Page.objects.get(pk=article.pk).specific.unpublish()
    assert titles(client, "舞蹈") == [] and titles(client, "舞蹈", host=HOSTS["central"]) == []


def test_drafts_and_private_pages_are_not_found(client, alpha):
    from modelsearch.index import insert_or_update_object
    from wagtail.models import PageViewRestriction

    from cms.pages.models import ArticlePage

    article = add_article(alpha, "会员内部通知摄影", summary="摄影")
    with schema_context(alpha.schema_name):
        PageViewRestriction.objects.create(page=Page.objects.get(pk=article.pk), restriction_type="login")
        draft = ArticlePage(title="摄影草稿", summary="摄影", live=False)
        Page.objects.get(pk=article.pk).get_parent().add_child(instance=draft)
        draft.save_revision()
        insert_or_update_object(draft)  # even when the worker has indexed a draft, it is not found
    assert titles(client, "摄影") == [] and titles(client, "摄影", host=HOSTS["central"]) == []


def test_pagination(client, alpha):
    for number in range(5):
        add_article(alpha, f"曲艺专场第{number}场", summary="曲艺演出。")
    first = search(client, "曲艺", first=2)
    assert len(first["items"]) == 2 and first["pageInfo"]["hasNextPage"] and first["totalCount"] == 5
    second = search(client, "曲艺", first=2, after=first["pageInfo"]["endCursor"])
    assert not {i["title"] for i in first["items"]} & {i["title"] for i in second["items"]}


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "请输入搜索词"),
        ("   ", "请输入搜索词"),
        ("诗" * 2000, "搜索词过长"),
    ],
)
def test_bad_queries_get_a_clear_message(client, corpus, query, message):
    for host in (HOSTS["alpha"], HOSTS["central"]):
        assert message in graphql_errors(client, SEARCH, host=host, variables={"q": query})[0]


@pytest.mark.parametrize(
    "query", ["，。！？", "!!!", "'; DROP TABLE wagtailcore_page; --", "a & b | !c:*", "<->", "\\", "(((", "''"]
)
def test_punctuation_sql_and_tsquery_operators_are_harmless(client, corpus, query):
    for host in (HOSTS["alpha"], HOSTS["central"]):
        response = post_graphql(client, SEARCH, host=host, variables={"q": query})
        assert response.status_code == 200, response.content
        assert "errors" not in response.json()
    with schema_context("alpha"):
        assert Page.objects.filter(title="诗歌朗诵会举行").exists()


@pytest.mark.parametrize("query", ["，", "!!!", "，。、", "''"])
def test_grapple_pages_search_for_punctuation_only_finds_nothing(client, corpus, query):
    # Given a site with pages (the corpus); when grapple's `pages` is searched for punctuation only
    response = post_graphql(client, "query($q: String) { pages(searchQuery: $q) { title } }", variables={"q": query})
    # Then the answer is an empty list, not a tsquery syntax error
    assert response.status_code == 200, response.content
    assert response.json() == {"data": {"pages": []}}
    # (while a word with punctuation around it still finds its pages)
    found = graphql_data(client, 'query { pages(searchQuery: "，诗歌！") { title } }')["pages"]
    assert "诗歌朗诵会举行" in [page["title"] for page in found]


def test_network_filters_are_refused_on_a_site_host(client, corpus):
    assert "central office" in graphql_errors(client, SEARCH, variables={"q": "诗歌", "region": "浙江"})[0]


def test_a_search_costs_a_constant_number_of_queries(client, alpha):
    for number in range(8):
        add_article(alpha, f"美术作品展第{number}期", summary="美术。")
    post_graphql(client, SEARCH, variables={"q": "美术"})
    counts = []
    for first in (2, 4):
        with CaptureQueriesContext(connection) as queries:
            response = post_graphql(
                client, SEARCH, variables={"q": "美术", "first": first}, HTTP_CACHE_CONTROL="no-cache"
            )
        assert "errors" not in response.json()
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_any_word_fallback_pages_like_the_first_page(client, alpha):
    for number in range(3):
        add_article(alpha, f"京剧专场第{number}场", summary="京剧。")
    add_article(alpha, "朗诵会", summary="朗诵。")
    first = search(client, "京剧 朗诵", first=2)  # no page has both words
    assert len(first["items"]) == 2 and first["totalCount"] == 4 and first["pageInfo"]["hasNextPage"]
    second = search(client, "京剧 朗诵", first=2, after=first["pageInfo"]["endCursor"])
    assert len(second["items"]) == 2 and second["totalCount"] == 4


def test_question_words_do_not_hide_the_answer(client, alpha):
    add_article(alpha, "秦岚舟京剧专场演出", summary="京剧专场。")
    assert titles(client, "秦岚舟的京剧专场什么时候演出") == ["秦岚舟京剧专场演出"]


def test_found_pages_with_covers_and_bodies_cost_the_same_queries_for_any_number(client, alpha):
    from tests.factories import make_document, make_image, rich_body

    image, document = make_image(alpha, "封面"), make_document(alpha)
    for number in range(6):
        add_article(
            alpha,
            f"摄影作品展第{number}期",
            summary="摄影。",
            cover=image,
            body=rich_body(image, document, text="摄影"),
        )
    query = """query($first: Int) { search(query: "摄影", first: $first) { items { title page { ... on ArticlePage {
        cover { url rendition(width: 320) { url } } body { ... on ImageChooserBlock { image { url } } } } } } } }"""
    post_graphql(client, query, variables={"first": 2})
    counts = []
    for first in (2, 5):
        with CaptureQueriesContext(connection) as queries:
            response = post_graphql(client, query, variables={"first": first}, HTTP_CACHE_CONTROL="no-cache")
        assert "errors" not in response.json(), response.json()
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_cursors_beyond_the_deepest_page_are_refused(client, corpus):
    import base64

    deep = base64.b64encode(b"search:" + str(2**63).encode()).decode()
    assert "1000 deep at most" in graphql_errors(client, SEARCH, variables={"q": "诗歌", "after": deep})[0]


def test_a_site_search_names_its_site_without_a_query_per_hit(client, alpha):
    for number in range(5):
        add_article(alpha, f"舞蹈大赛第{number}场", summary="舞蹈。")
    query = 'query($f: Int) { search(query: "舞蹈", first: $f) { items { title site { name domain } } } }'
    counts = []
    for first in (1, 4):
        post_graphql(client, query, variables={"f": first})
        with CaptureQueriesContext(connection) as queries:
            post_graphql(client, query, variables={"f": first}, HTTP_CACHE_CONTROL="no-cache")
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_snippets_mark_the_right_words_after_characters_that_fold_wider(client, alpha):
    add_article(alpha, "诗歌节消息", summary="他说……诗歌节开幕了，大家都来了。")
    assert "他说……<mark>诗歌节</mark>开幕了" in search(client, "诗歌节")["items"][0]["snippet"]


def test_adjacent_characters_are_found_deep_in_a_long_body(client, alpha):
    filler = "。".join(["文艺工作者深入生活扎根人民"] * 1200)  # about 16,000 characters
    add_article(alpha, "长文", summary="", body=paragraph(filler[:15000] + "岚舟"))
    assert titles(client, "岚舟") == ["长文"]


def test_traditional_and_simplified_chinese_find_each_other(client, alpha):
    # given one article in simplified and one in traditional characters
    add_article(alpha, "诗歌朗诵会", summary="青年诗人朗诵新作。")
    add_article(alpha, "詩詞講座", summary="古典詩詞賞析。")
    # when searched in the other script / then each is found
    assert "诗歌朗诵会" in titles(client, "詩歌")
    assert "詩詞講座" in titles(client, "诗词")
