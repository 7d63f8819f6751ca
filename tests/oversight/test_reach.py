"""Reach: the beacon counts views per page and day, skips bots, stores nothing personal, stays in its site."""

import datetime
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.oversight import reach
from cms.oversight.models import PageViewDay
from tests.conftest import HOSTS, add_article

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def send(client, host, page, agent=BROWSER, **headers):
    return client.post(
        "/beacon/",
        json.dumps({"page": page}),
        content_type="text/plain",
        HTTP_HOST=host,
        HTTP_USER_AGENT=agent,
        **headers,
    )


def test_beacon_aggregates_views_per_page_and_day(client, alpha):
    # Given a published article
    article = add_article(alpha, "阅读量测试")
    # When readers' browsers send three beacons for it, one of them as a form post
    for _ in range(2):
        assert send(client, HOSTS["alpha"], article.pk).status_code == 204
    client.post("/beacon/", {"page": article.pk}, HTTP_HOST=HOSTS["alpha"], HTTP_USER_AGENT=BROWSER)
    # Then one row holds the day's count, and nothing about the readers
    rows = list(PageViewDay.objects.filter(site=alpha).values())
    assert len(rows) == 1 and rows[0]["views"] == 3 and rows[0]["page_id"] == article.pk
    assert set(rows[0]) == {"id", "site_id", "page_id", "day", "views"}


def test_bots_prefetches_and_unknown_pages_are_not_counted(client, alpha):
    article = add_article(alpha, "机器人测试")
    for agent in ("Mozilla/5.0 (compatible; Baiduspider/2.0)", "Googlebot/2.1", "curl/8.0", "python-requests/2.3", ""):
        assert send(client, HOSTS["alpha"], article.pk, agent=agent).status_code == 204
    send(client, HOSTS["alpha"], article.pk, HTTP_SEC_PURPOSE="prefetch")
    send(client, HOSTS["alpha"], 987654)  # no such published page
    assert not PageViewDay.objects.filter(site=alpha).exists()
    assert send(client, HOSTS["alpha"], "x").status_code == 400
    assert client.get("/beacon/", HTTP_HOST=HOSTS["alpha"]).status_code == 405


def test_a_site_cannot_count_views_of_another_sites_page(client, alpha, beta):
    # Given a page of beta
    article = add_article(beta, "乙站文章")
    # When its id is sent to alpha's beacon
    send(client, HOSTS["alpha"], article.pk)
    # Then nothing is counted for either site (alpha has no such page; beta was not asked)
    assert not PageViewDay.objects.exists()
    # And the central office's host has no beacon
    assert send(client, HOSTS["central"], article.pk).status_code == 404


def test_headless_browsers_are_bots_and_real_browsers_are_not():
    assert reach.is_bot(user_agent="Mozilla/5.0 HeadlessChrome/120")
    assert not reach.is_bot(user_agent=BROWSER)


def test_top_content_per_site_and_national(alpha, beta):
    # Given views on two sites over several days
    a1, a2, b1 = add_article(alpha, "甲一"), add_article(alpha, "甲二"), add_article(beta, "乙一")
    today = datetime.date(2026, 6, 30)
    for page, site, day, views in [
        (a1, alpha, 0, 5),
        (a1, alpha, 1, 5),
        (a2, alpha, 0, 3),
        (b1, beta, 0, 8),
        (a2, alpha, 9, 100),
    ]:
        for _ in range(views):
            reach.record_view(site=site, page_id=page.pk, day=today - datetime.timedelta(days=day))
    # When the top content is asked for (nationally and for alpha), over the last 7 days
    with CaptureQueriesContext(connection) as queries:
        national = reach.top_content(today=today)
    mine = reach.top_content(site_id=alpha.pk, today=today)
    # Then it is ranked by views in the window, with titles from the national index, in two queries
    assert [(row["entry"].title, row["views"]) for row in national] == [("甲一", 10), ("乙一", 8), ("甲二", 3)]
    assert [row["entry"].title for row in mine] == ["甲一", "甲二"]
    assert len(queries) == 2
    weekly = reach.weekly_views(today=today)
    assert weekly[alpha.pk][-1] == 13 and weekly[alpha.pk][-2] == 100 and weekly[beta.pk][-1] == 8
