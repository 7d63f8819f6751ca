"""The central office's dashboard, its exports and drill-down, sites' own reports, and the registry's actions."""

import csv
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from cms.oversight import reach, selectors, services
from cms.oversight.models import InspectionRule, LinkStatus, SiteHealth
from sites.models import Association
from tests.conftest import ADMIN_PASSWORD, HOSTS, add_article
from tests.factories import make_section


def login(client, host=HOSTS["central"]):
    response = client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=host)
    assert response.status_code == 302


def get(client, url, host=HOSTS["central"]):
    return client.get(url, HTTP_HOST=host)


def test_dashboard_lists_every_site_with_result_and_filters(client, alpha, gamma, delta):
    # Given results for every site, one with a broken link
    add_article(gamma, "浙江新闻")
    LinkStatus.objects.create(site=gamma, url="http://127.0.0.1:9/gone", kind="external", state="broken")
    services.refresh_health()
    login(client)
    # When the central office opens the dashboard
    html = get(client, "/admin/oversight/").content.decode()
    # Then every site in service is there with its result and charts
    for text in ("网站监管", "测试全国文联", "测试作家协会", "测试浙江省文联", "测试杭州市文联", "<svg", "链接可用性"):
        assert text in html, text
    # And the filters narrow it by level, region and parent
    provincial = get(client, "/admin/oversight/?kind=provincial").content.decode()
    assert "测试浙江省文联" in provincial and "测试杭州市文联" not in provincial
    under_gamma = get(client, f"/admin/oversight/?parent={gamma.pk}").content.decode()
    assert "测试杭州市文联" in under_gamma and "测试作家协会" not in under_gamma
    zhejiang = get(client, "/admin/oversight/?region=浙江").content.decode()
    assert "测试浙江省文联" in zhejiang and "测试全国文联</a>" not in zhejiang


def test_dashboard_rows_take_two_queries_whatever_the_number_of_sites(alpha):
    services.refresh_health()
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.dashboard_rows()
        [row.failing_names for row in rows], [row.site.parent for row in rows]
    assert len(rows) == 4 and len(queries) == 2


def test_exports_in_csv_and_xlsx(client, gamma):
    add_article(gamma, "导出测试")
    services.refresh_health()
    login(client)
    response = get(client, "/admin/oversight/?export=csv&kind=provincial")
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["网站", "标识", "级别"] and [row[0] for row in table[1:]] == ["测试浙江省文联"]
    workbook = load_workbook(io.BytesIO(get(client, "/admin/oversight/?export=xlsx").content))
    names = [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert workbook.active["A1"].value == "网站" and "测试浙江省文联" in names and len(names) == 4


def test_drill_down_shows_failing_sections_links_and_reach(client, gamma):
    # Given a site with an empty section, a broken link and views
    article = add_article(gamma, "热门文章")
    make_section(gamma, "空白栏目甲", "blank-a")
    reach.record_view(site=gamma, page_id=article.pk)
    LinkStatus.objects.create(
        site=gamma,
        url="http://127.0.0.1:9/gone",
        kind="external",
        state="broken",
        detail="HTTP 404",
        page_title="热门文章",
    )
    services.compute_health(site_ids=[gamma.pk])
    login(client)
    html = get(client, f"/admin/oversight/sites/{gamma.pk}/").content.decode()
    for text in (
        "测试浙江省文联",
        "空白栏目甲",
        "（空白栏目）",
        "http://127.0.0.1:9/gone",
        "HTTP 404",
        "热门文章",
        "链接可用性",
        "检查链接",
    ):
        assert text in html, text


def test_each_site_sees_only_its_own_report(client, alpha, beta):
    add_article(alpha, "甲站的文章")
    add_article(beta, "乙站的文章")
    login(client, HOSTS["alpha"])
    html = get(client, "/admin/oversight/report/", HOSTS["alpha"]).content.decode()
    assert "测试全国文联" in html and "测试作家协会" not in html
    # A site's admin has no dashboard and no other site's report
    assert get(client, "/admin/oversight/", HOSTS["alpha"]).status_code == 404
    assert get(client, f"/admin/oversight/sites/{beta.pk}/", HOSTS["alpha"]).status_code == 404
    assert "/admin/oversight/report/" in get(client, "/admin/", HOSTS["alpha"]).content.decode()


def test_central_office_edits_rules_and_every_site_is_scored_again(client, gamma):
    add_article(gamma, "规则测试")
    login(client)
    rules = list(InspectionRule.objects.all())
    form = {"form-TOTAL_FORMS": len(rules), "form-INITIAL_FORMS": len(rules)}
    for number, rule in enumerate(rules):
        for name in ("name", "kind", "threshold", "weight", "deduction", "keywords"):
            form[f"form-{number}-{name}"] = getattr(rule, name)
        form[f"form-{number}-id"] = rule.pk
        if rule.code != "registry_complete":
            form[f"form-{number}-enabled"] = "on"
    response = client.post("/admin/oversight/rules/", form, HTTP_HOST=HOSTS["central"])
    assert response.status_code == 302
    assert not InspectionRule.objects.get(code="registry_complete").enabled
    assert "registry_complete" not in {rule["code"] for rule in SiteHealth.objects.get(site=gamma).failing}


def test_registry_list_has_counts_and_actions(client, gamma):
    add_article(gamma, "计数")
    services.compute_health(site_ids=[gamma.pk])
    login(client)
    html = get(client, "/admin/network/sites/").content.decode()
    for text in ("进入后台", "http://gamma.localhost", "编辑登记信息", "归档", "页面数", "监管报告"):
        assert text in html, text


def test_registry_edit_refuses_bad_filing_numbers_and_saves_good_ones(client, gamma):
    login(client)
    form = {
        "name": gamma.name,
        "short_name": gamma.short_name,
        "kind": gamma.kind,
        "parent": gamma.parent_id,
        "region": gamma.region,
        "state": "running",
        "sponsor": "浙江省文联",
        "icp_number": "浙ICP备123号",
        "police_number": "33010602000001",
        "site_code": "3300000001",
        "contact_name": "李四",
        "contact_phone": "0571-1",
        "contact_email": "",
        "launch_date": "2026-01-01",
        "frontend_url": "",
    }
    refused = client.post(f"/admin/network/sites/{gamma.pk}/edit/", form, HTTP_HOST=HOSTS["central"])
    assert refused.status_code == 200 and "ICP备案号格式不正确" in refused.content.decode()
    assert Association.objects.get(pk=gamma.pk).sponsor == "测试浙江省文联"  # nothing saved (the name, from creation)
    form["icp_number"] = "浙ICP备12345678号"
    saved = client.post(f"/admin/network/sites/{gamma.pk}/edit/", form, HTTP_HOST=HOSTS["central"])
    assert saved.status_code == 302
    gamma.refresh_from_db()
    assert (gamma.sponsor, gamma.icp_number, gamma.site_code) == ("浙江省文联", "浙ICP备12345678号", "3300000001")


def test_archive_and_unarchive_from_the_list(client, delta):
    login(client)
    client.post(f"/admin/network/sites/{delta.pk}/archive/", HTTP_HOST=HOSTS["central"])
    delta.refresh_from_db()
    assert delta.archived_at and delta.state == "archived"
    assert client.get("/healthz", HTTP_HOST=HOSTS["delta"]).status_code == 410
    client.post(f"/admin/network/sites/{delta.pk}/archive/", HTTP_HOST=HOSTS["central"])
    delta.refresh_from_db()
    assert delta.archived_at is None and delta.state == "running"
