"""Rebuilding the search indexes, and Chinese search in each site's Wagtail admin."""

import pytest
from django_tenants.utils import schema_context
from wagtail.search.models import IndexEntry as SearchEntry

from cms.search.services import reindex_all
from tests.api.conftest import graphql_data
from tests.conftest import ADMIN_PASSWORD, HOSTS, add_article
from tests.factories import make_document, make_image

QUERY = "query($q: String!) { search(query: $q) { items { title } } }"


def found(client, q, host=HOSTS["alpha"]):
    return [item["title"] for item in graphql_data(client, QUERY, host=host, variables={"q": q})["search"]["items"]]


def test_reindex_rebuilds_every_site_s_search_index(client, alpha):
    add_article(alpha, "民间文艺调研报告", summary="剪纸与年画。")
    with schema_context(alpha.schema_name):
        SearchEntry.objects.all().delete()  # lost, or written by an older version
    assert found(client, "剪纸") == []
    lines = []
    reindex_all(progress=lines.append)
    assert found(client, "剪纸") == ["民间文艺调研报告"]
    assert len(lines) == 5 and "测试全国文联" in lines[1]


def test_the_admin_finds_pages_by_chinese_words(client, alpha, beta):
    add_article(alpha, "杂技团新春演出", summary="杂技与魔术。")
    add_article(beta, "杂技文学研讨", summary="另一个网站的杂技。")
    client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["alpha"])
    response = client.get("/admin/pages/search/", {"q": "杂技"}, HTTP_HOST=HOSTS["alpha"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "杂技团新春演出" in html and "杂技文学研讨" not in html
    # the admin matches titles as you type: one character is enough
    one_character = client.get("/admin/pages/search/", {"q": "团"}, HTTP_HOST=HOSTS["alpha"]).content.decode()
    assert "杂技团新春演出" in one_character


def test_the_central_office_searches_the_whole_network_in_its_admin(client, alpha, gamma):
    add_article(alpha, "全国书法大展", summary="<script>书法</script>作品。")
    add_article(gamma, "浙江书法新人展", summary="书法新人。")
    client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["central"])
    html = client.get("/admin/network/search/", {"q": "书法"}, HTTP_HOST=HOSTS["central"]).content.decode()
    assert "全国书法大展" in html and "浙江书法新人展" in html and "测试浙江省文联" in html
    assert (
        "<mark>书法</mark>" in html and "&lt;script&gt;<mark>书法" in html and "文章" in html
    )  # snippets are escaped, matches marked
    filtered = client.get(
        "/admin/network/search/", {"q": "书法", "region": "浙江"}, HTTP_HOST=HOSTS["central"]
    ).content.decode()
    assert "浙江书法新人展" in filtered and "全国书法大展" not in filtered
    too_long = client.get("/admin/network/search/", {"q": "书" * 300}, HTTP_HOST=HOSTS["central"])
    assert too_long.status_code == 200 and "200" in too_long.content.decode()  # the form says what is wrong
    # A site's own admin has no national search
    client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["alpha"])
    assert client.get("/admin/network/search/", {"q": "书法"}, HTTP_HOST=HOSTS["alpha"]).status_code == 404


def test_the_admin_finds_latin_and_number_prefixes_as_you_type(client, alpha):
    add_article(alpha, "Poetry festival 2026 开幕", summary="诗歌节。")
    client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["alpha"])
    for typed in ("poe", "202", "Poetry fest"):
        html = client.get("/admin/pages/search/", {"q": typed}, HTTP_HOST=HOSTS["alpha"]).content.decode()
        assert "Poetry festival 2026 开幕" in html, typed


@pytest.mark.parametrize(
    "path,q",
    [
        ("/admin/pages/search/", "，"),
        ("/admin/pages/search/", "!!!"),
        ("/admin/images/", "，"),
        ("/admin/documents/", "!!!"),
        ("/admin/pages/search/", "，。、"),
    ],
)
def test_punctuation_only_admin_searches_find_nothing_without_an_error(client, alpha, path, q):
    # Given a site with a page, an image and a document an empty query could wrongly match
    add_article(alpha, "书法展开幕", summary="书法。")
    make_image(alpha, "书法展海报")
    make_document(alpha, "书法展通知")
    client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["alpha"])
    # When an editor searches for punctuation only
    response = client.get(path, {"q": q}, HTTP_HOST=HOSTS["alpha"])
    # Then the listing answers with no results (not a tsquery syntax error)
    assert response.status_code == 200
    assert "书法展" not in response.content.decode()


def test_punctuation_next_to_words_still_finds_the_words_in_the_admin(client, alpha):
    add_article(alpha, "书法展开幕", summary="书法。")
    client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["alpha"])
    html = client.get("/admin/pages/search/", {"q": "书法，"}, HTTP_HOST=HOSTS["alpha"]).content.decode()
    assert "书法展开幕" in html
