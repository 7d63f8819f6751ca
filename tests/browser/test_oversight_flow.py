"""In a real browser: the central office's oversight dashboard (网站监管) lists every site with its score and draws
its charts, and drills down to one site's report. The dashboard's screenshot is kept as oversight-dashboard.png.

A throwaway site with a published article and a reader's view (so its charts have bars) is made once for the module
and removed afterwards.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as when

from tests.browser.conftest import Admin, save_screenshot
from tests.conftest import ADMIN_PASSWORD, HOSTS, add_article

SLUG = "tmp-browser-watch"
NAME = "浏览器监管测试文联"


@pytest.fixture(scope="module")
def watched(django_db_setup, django_db_blocker):
    """A site with a published article viewed once today, and every site scored (committed: the server reads it)."""
    from django.db import connection

    from cms.oversight import reach, services
    from sites.models import Association
    from sites.services import create_site, delete_site

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        site = create_site(
            name=NAME,
            short_name="浏览器监管",
            slug=SLUG,
            kind="provincial",
            region="浙江",
            domain=f"{SLUG}.localhost",
            parent=Association.objects.get(slug="alpha"),
            theme="blank",
        )
        article = add_article(site, "监管测试稿件")
        connection.set_schema_to_public()
        reach.record_view(site=site, page_id=article.pk)
        services.refresh_health()
        yield site
        connection.set_schema_to_public()
        site = Association.objects.filter(slug=SLUG).first()
        if site is not None:
            delete_site(association=site)


@pytest.fixture(autouse=True)
def database(django_db_blocker):
    with django_db_blocker.unblock():
        yield


def test_the_oversight_dashboard_lists_sites_with_scores_and_charts_and_drills_down(browser, cms_server, watched):
    from cms.oversight.models import SiteHealth
    from sites.models import Association

    central = Admin(browser, cms_server, "central", host=HOSTS["central"])
    # Given the central office's administrator
    central.login("admin", ADMIN_PASSWORD)
    # When they open 网站监管
    central.open("/admin/oversight/")
    central.wait().until(when.presence_of_element_located((By.CSS_SELECTOR, "main table.listing")))
    assert browser.find_element(By.CSS_SELECTOR, "main h1").text == "网站监管"
    # Then every site in service is a row with its score and result, as computed
    rows = {
        row.find_element(By.CSS_SELECTOR, "td:first-child a").text: row
        for row in browser.find_elements(By.CSS_SELECTOR, "main table.listing tbody tr")
    }
    in_service = Association.objects.exclude(schema_name="public").filter(archived_at__isnull=True)
    assert set(rows) == {site.name for site in in_service}
    scores = {health.site_id: health for health in SiteHealth.objects.filter(site__in=in_service)}
    for site in in_service:
        cells = rows[site.name].find_elements(By.TAG_NAME, "td")
        health = scores[site.pk]
        assert cells[4].text == str(health.score)
        assert cells[5].text == ("合格" if health.passed else "不合格")
    # and each row's two charts (weekly publishing and views) are drawn: SVGs with a size on the page
    for name, row in rows.items():
        charts = row.find_elements(By.TAG_NAME, "svg")
        assert len(charts) == 2, name
        for chart in charts:
            assert chart.size["width"] > 0 and chart.size["height"] > 0, name
    # with a bar for this week's article and this week's view on the watched site
    published, viewed = rows[NAME].find_elements(By.TAG_NAME, "svg")
    assert visible_bars(browser, published) >= 1 and visible_bars(browser, viewed) >= 1
    path = save_screenshot(browser, "oversight-dashboard.png", full_page=True)
    assert path.stat().st_size > 0
    # When they follow the watched site's name
    rows[NAME].find_element(By.LINK_TEXT, NAME).click()
    # Then its report shows its score, result, sections and charts, with the way back to the dashboard
    central.wait().until(when.url_contains(f"/admin/oversight/sites/{watched.pk}/"))
    header = browser.find_element(By.CSS_SELECTOR, "main header").text
    assert "网站体检" in header and NAME in header
    body = browser.find_element(By.CSS_SELECTOR, "main").text
    health = SiteHealth.objects.get(site=watched)
    assert f"得分 {health.score}" in body and "新闻动态" in body and "返回网站监管" in body
    assert ("全部指标通过" in body) == (not health.failing)
    charts = browser.find_elements(By.CSS_SELECTOR, "main svg[role='img']")
    assert len(charts) == 2 and all(chart.size["width"] > 0 and chart.size["height"] > 0 for chart in charts)
    save_screenshot(browser, "oversight-site-report.png", full_page=True)


def visible_bars(browser, svg) -> int:
    """Bars of a chart drawn with a height on the page."""
    return browser.execute_script(
        "return [...arguments[0].querySelectorAll('rect')].filter(r => r.getBoundingClientRect().height > 0).length;",
        svg,
    )
