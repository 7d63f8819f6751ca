"""National GraphQL on the central office's host, and each site's children's feed, read from the index only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from wagtail.models import Page

from tests.api.conftest import graphql_data, graphql_errors, post_graphql
from tests.conftest import HOSTS, add_article
from tests.factories import make_section

FEED = """query($kind: SiteKind, $region: String, $parent: ID, $under: ID, $site: ID, $type: NetworkItemType,
  $section: ID, $artForm: ArtFormCode, $dateFrom: Date, $dateTo: Date, $first: Int, $after: String) {
  networkFeed(kind: $kind, region: $region, parent: $parent, under: $under, site: $site, type: $type, section: $section,
              artForm: $artForm, dateFrom: $dateFrom, dateTo: $dateTo, first: $first, after: $after) {
    items { title type url canonicalUrl sourceSite site { name kind domain } section { id title } artForms { code } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def titles(client, host=HOSTS["central"], **variables):
    data = graphql_data(client, FEED, host=host, variables=variables)
    return [item["title"] for item in data["networkFeed"]["items"]]


@pytest.fixture
def network_items(alpha, beta, gamma, delta):
    """One article per site, oldest first: alpha, beta, gamma, delta."""
    pages = {}
    for site, title, date, forms in [
        (alpha, "全国文联新闻", "2026-01-01", ["music"]),
        (beta, "作协新闻", "2026-02-01", ["literature"]),
        (gamma, "浙江文联新闻", "2026-03-01", ["music"]),
        (delta, "杭州文联新闻", "2026-04-01", ["dance"]),
    ]:
        pages[site.slug] = add_article(site, title, date=date, art_forms=forms)
    return pages


def test_the_national_feed_lists_every_site_s_items_newest_first(client, network_items):
    data = graphql_data(client, FEED, host=HOSTS["central"])["networkFeed"]
    assert [item["title"] for item in data["items"]] == ["杭州文联新闻", "浙江文联新闻", "作协新闻", "全国文联新闻"]
    first = data["items"][0]
    assert first["site"] == {"name": "测试杭州市文联", "kind": "MUNICIPAL", "domain": "delta.localhost"}
    assert first["type"] == "ARTICLE" and first["section"]["title"] == "新闻动态"
    assert first["url"].startswith("http://delta.localhost/news/") and first["canonicalUrl"] == first["url"]
    assert first["sourceSite"] is None


def test_the_national_feed_filters(client, network_items, alpha, gamma, delta):
    assert titles(client, kind="PROVINCIAL") == ["浙江文联新闻"]
    assert titles(client, region="浙江") == ["杭州文联新闻", "浙江文联新闻"]
    assert titles(client, parent=str(gamma.pk)) == ["杭州文联新闻"]
    assert titles(client, under=str(alpha.pk)) == ["杭州文联新闻", "浙江文联新闻", "作协新闻"]
    assert titles(client, site=str(delta.pk)) == ["杭州文联新闻"]
    assert titles(client, artForm="MUSIC") == ["浙江文联新闻", "全国文联新闻"]
    assert titles(client, dateFrom="2026-02-01", dateTo="2026-03-31") == ["浙江文联新闻", "作协新闻"]
    assert titles(client, type="NOTICE") == []
    section_id = graphql_data(client, FEED, host=HOSTS["central"], variables={"site": str(delta.pk)})["networkFeed"][
        "items"
    ][0]["section"]["id"]
    assert titles(client, site=str(delta.pk), section=section_id) == ["杭州文联新闻"]
    other_section = make_section(delta, "通知公告", "notices")
    assert titles(client, site=str(delta.pk), section=str(other_section.pk)) == []


def test_the_national_feed_pages_with_cursors(client, network_items, beta):
    first = graphql_data(client, FEED, host=HOSTS["central"], variables={"first": 3})["networkFeed"]
    assert first["pageInfo"]["hasNextPage"] is True
    # An item published between the two requests does not shift the second page
    add_article(beta, "新到的文章")
    rest = graphql_data(
        client, FEED, host=HOSTS["central"], variables={"first": 3, "after": first["pageInfo"]["endCursor"]}
    )["networkFeed"]
    assert [item["title"] for item in rest["items"]] == ["全国文联新闻"]
    assert rest["pageInfo"] == {"hasNextPage": False, "endCursor": None}


def test_the_national_feed_costs_the_same_queries_for_any_page_size(client, network_items, alpha):
    for number in range(6):
        add_article(alpha, f"补充文章{number}")
    post_graphql(client, FEED, host=HOSTS["central"])  # routing and settings warmed, as in service
    counts = []
    for first in (2, 10):
        with CaptureQueriesContext(connection) as queries:
            response = post_graphql(
                client, FEED, host=HOSTS["central"], variables={"first": first}, HTTP_CACHE_CONTROL="no-cache"
            )
        assert response.status_code == 200 and "errors" not in response.json()
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 6, counts


def test_bad_feed_arguments_are_refused_with_a_reason(client, network_items, delta):
    assert "between 1 and 100" in graphql_errors(client, FEED, host=HOSTS["central"], variables={"first": 500})[0]
    assert "cursor" in graphql_errors(client, FEED, host=HOSTS["central"], variables={"after": "bm90LWEtY3Vyc29y"})[0]
    assert "needs `site`" in graphql_errors(client, FEED, host=HOSTS["central"], variables={"section": "3"})[0]
    assert "numeric id" in graphql_errors(client, FEED, host=HOSTS["central"], variables={"site": "delta"})[0]
    assert (
        "dateTo"
        in graphql_errors(
            client, FEED, host=HOSTS["central"], variables={"dateFrom": "2026-05-01", "dateTo": "2026-01-01"}
        )[0]
    )


def test_national_queries_are_answered_on_the_central_host_only(client, network_items):
    message = graphql_errors(client, FEED, host=HOSTS["alpha"])[0]
    assert "central office" in message and "childrenFeed" in message


CHILDREN = "query($d: Boolean) { childrenFeed(descendants: $d) { items { title site { slug } } } }"


def test_a_site_sees_its_children_s_items(client, network_items):
    def feed(host, descendants=False):
        data = graphql_data(client, CHILDREN, host=host, variables={"d": descendants})
        return [item["title"] for item in data["childrenFeed"]["items"]]

    assert feed(HOSTS["alpha"]) == ["浙江文联新闻", "作协新闻"]  # its own children, not the city below them
    assert feed(HOSTS["alpha"], descendants=True) == ["杭州文联新闻", "浙江文联新闻", "作协新闻"]
    assert feed(HOSTS["gamma"]) == ["杭州文联新闻"]
    assert feed(HOSTS["delta"]) == [] and feed(HOSTS["beta"]) == []  # no child sites, nothing from elsewhere


def test_the_registry_is_a_tree(client, alpha):
    query = "{ networkSites { slug kindName children { slug region children { slug kind children { slug } } } } }"
    sites = graphql_data(client, query, host=HOSTS["central"])["networkSites"]
    assert sites == [
        {
            "slug": "alpha",
            "kindName": "全国文联",
            "children": [
                {"slug": "beta", "region": "", "children": []},
                {
                    "slug": "gamma",
                    "region": "浙江",
                    "children": [{"slug": "delta", "kind": "MUNICIPAL", "children": []}],
                },
            ],
        }
    ]


def test_one_item_by_id(client, network_items, delta):
    from cms.network.models import IndexEntry

    row = IndexEntry.objects.get(site=delta, page_id=network_items["delta"].pk)
    query = "query($id: ID!) { networkItem(id: $id) { title pageId site { slug } } }"
    item = graphql_data(client, query, host=HOSTS["central"], variables={"id": str(row.pk)})["networkItem"]
    assert item == {"title": "杭州文联新闻", "pageId": str(network_items["delta"].pk), "site": {"slug": "delta"}}
    assert graphql_data(client, query, host=HOSTS["central"], variables={"id": "0"})["networkItem"] is None


def test_a_cached_national_answer_follows_new_publishing_anywhere(
    client, network_items, beta, django_capture_on_commit_callbacks
):
    query = "{ networkFeed(first: 1) { items { title } } }"
    assert client.get("/graphql/", {"query": query}, HTTP_HOST=HOSTS["central"]).json()["data"]["networkFeed"][
        "items"
    ] == [{"title": "杭州文联新闻"}]
    with django_capture_on_commit_callbacks(execute=True):  # the network version moves when the publish commits
        add_article(beta, "刚刚发布")
    assert client.get("/graphql/", {"query": query}, HTTP_HOST=HOSTS["central"]).json()["data"]["networkFeed"][
        "items"
    ] == [{"title": "刚刚发布"}]
    with django_capture_on_commit_callbacks(execute=True), schema_context(beta.schema_name):
        Page.objects.get(title="刚刚发布").specific.unpublish()
    assert client.get("/graphql/", {"query": query}, HTTP_HOST=HOSTS["central"]).json()["data"]["networkFeed"][
        "items"
    ] == [{"title": "杭州文联新闻"}]


def test_the_registry_tree_costs_the_same_queries_however_many_sites(client, network_items):
    from sites.models import Association

    query = "{ networkSites { slug domain children { slug domain children { slug domain children { slug } } } } }"

    def count():
        post_graphql(client, query, host=HOSTS["central"])
        with CaptureQueriesContext(connection) as queries:
            response = post_graphql(client, query, host=HOSTS["central"], HTTP_CACHE_CONTROL="no-cache")
        assert "errors" not in response.json()
        return len(queries)

    before = count()
    gamma = Association.objects.get(slug="gamma")
    for number in range(3):  # registry rows only: the tree reads the registry, never a site's schema
        Association.objects.create(
            schema_name=f"bench_tree_{number}",
            name=f"树测试{number}",
            short_name="树",
            slug=f"bench-tree-{number}",
            kind="county",
            parent=gamma,
        )
    assert count() == before


def test_a_children_feed_costs_the_same_queries_for_any_page_size(client, network_items, alpha):
    for number in range(4):
        add_article(alpha, f"补充{number}")
    query = "query($f: Int) { childrenFeed(descendants: true, first: $f) { items { title site { name domain } } } }"
    counts = []
    for first in (1, 3):
        post_graphql(client, query, host=HOSTS["alpha"], variables={"f": first})
        with CaptureQueriesContext(connection) as queries:
            post_graphql(client, query, host=HOSTS["alpha"], variables={"f": first}, HTTP_CACHE_CONTROL="no-cache")
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
