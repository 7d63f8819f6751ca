"""Oversight over GraphQL on the central office's host: scores, failing rules, reach; batched; central only."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.oversight import reach, services
from cms.oversight.models import LinkStatus
from tests.api.conftest import graphql_data, graphql_errors, post_graphql
from tests.conftest import HOSTS, add_article

HEALTH = """query ($first: Int, $kind: SiteKind, $failedOnly: Boolean) {
  siteHealth(first: $first, kind: $kind, failedOnly: $failedOnly) {
    totalCount pageInfo { hasNextPage endCursor }
    items { site { slug name domain kindName } evaluated score passed pageCount weeklyPublished weeklyViews lastUpdate
            failingRules { code name kind count pointsLost items } }
  }
}"""


def test_site_health_lists_scores_failing_rules_and_reach(client, gamma):
    # Given a scored site with a broken link and views
    article = add_article(gamma, "图谱文章")
    reach.record_view(site=gamma, page_id=article.pk)
    LinkStatus.objects.create(site=gamma, url="http://127.0.0.1:9/gone", kind="external", state="broken")
    services.refresh_health()
    # When the central office's API is asked for provincial sites
    data = graphql_data(client, HEALTH, HOSTS["central"], {"kind": "PROVINCIAL"})["siteHealth"]
    # Then gamma comes with its score, failing rules and reach
    assert data["totalCount"] == 1
    item = data["items"][0]
    assert item["site"] == {
        "slug": "gamma",
        "name": "测试浙江省文联",
        "domain": "gamma.localhost",
        "kindName": "省级文联",
    }
    assert item["evaluated"] and item["pageCount"] >= 2 and item["weeklyViews"][-1] == 1
    links = next(rule for rule in item["failingRules"] if rule["code"] == "broken_links")
    assert links == {
        "code": "broken_links",
        "name": "链接可用性",
        "kind": "SCORED",
        "count": 1,
        "pointsLost": 1,
        "items": ["http://127.0.0.1:9/gone（无法访问）"],
    }
    assert item["score"] == 100 - sum(rule["pointsLost"] for rule in item["failingRules"])


def test_site_health_runs_a_constant_number_of_queries(client, alpha):
    services.refresh_health()
    counts = []
    for first in (1, 4):
        with CaptureQueriesContext(connection) as queries:
            response = post_graphql(client, HEALTH, HOSTS["central"], {"first": first})
        assert response.status_code == 200 and "errors" not in response.json()
        counts.append(len(queries))
        assert len(response.json()["data"]["siteHealth"]["items"]) == first
    assert counts[0] == counts[1], counts


def test_top_content_nationally_and_per_site(client, alpha, beta):
    a, b = add_article(alpha, "甲站热文"), add_article(beta, "乙站热文")
    for _ in range(3):
        reach.record_view(site=alpha, page_id=a.pk)
    reach.record_view(site=beta, page_id=b.pk)
    query = "query ($site: ID) { topContent(site: $site, days: 7) { views item { title site { slug } } } }"
    national = graphql_data(client, query, HOSTS["central"])["topContent"]
    assert [(row["item"]["title"], row["views"]) for row in national] == [("甲站热文", 3), ("乙站热文", 1)]
    mine = graphql_data(client, query, HOSTS["central"], {"site": str(beta.pk)})["topContent"]
    assert [row["item"]["site"]["slug"] for row in mine] == ["beta"]


def test_oversight_is_answered_on_the_central_host_only_and_checks_arguments(client, alpha):
    errors = graphql_errors(client, "{ siteHealth { totalCount } }", HOSTS["alpha"])
    assert "central office's host only" in errors[0]
    assert (
        "`days` must be between 1 and 90"
        in graphql_errors(client, "{ topContent(days: 365) { views } }", HOSTS["central"])[0]
    )
    assert (
        "`first` must be between 1 and 100"
        in graphql_errors(client, "{ siteHealth(first: 500) { totalCount } }", HOSTS["central"])[0]
    )


def test_cached_answers_follow_score_changes(client, gamma, settings):
    settings.CMS_GRAPHQL_RESPONSE_CACHE_SECONDS = 300
    # Given a cached answer about gamma
    services.compute_health(site_ids=[gamma.pk])
    query = "{ siteHealth(kind: PROVINCIAL) { items { failingRules { code } } } }"
    before = graphql_data(client, query, HOSTS["central"])["siteHealth"]["items"][0]["failingRules"]
    assert "broken_links" not in {rule["code"] for rule in before}
    # When a link check finds a problem and the site is scored again (after commit the version moves)
    LinkStatus.objects.create(site=gamma, url="http://127.0.0.1:9/gone", kind="external", state="broken")
    services.compute_health(site_ids=[gamma.pk])
    with connection.cursor() as cursor:  # what its on-commit hook does once the scoring transaction commits
        cursor.execute("SELECT nextval('public.network_version_seq')")
    # Then the next answer is not the cached one
    after = graphql_data(client, query, HOSTS["central"])["siteHealth"]["items"][0]["failingRules"]
    assert "broken_links" in {rule["code"] for rule in after}
