"""Each inspection rule at its boundaries (dates are passed in, nothing sleeps), and incremental updates."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from cms.network.models import IndexEntry
from cms.oversight import services
from cms.oversight.models import InspectionRule, LinkStatus, SectionState, SiteHealth
from cms.oversight.rules import SectionFacts, SiteFacts, evaluate
from cms.pages.models import ArticlePage, SectionPage
from sites.models import Association
from tests.conftest import add_article, home_page
from tests.factories import make_section

TODAY = datetime.date(2026, 6, 30)


def moment(days_ago: int) -> datetime.datetime:
    return datetime.datetime.combine(TODAY - datetime.timedelta(days=days_ago), datetime.time(12), datetime.UTC)


def section(title="新闻动态", days_ago=None, count=1, cadence=7, subsections=False, section_id=1):
    return SectionFacts(
        section_id=section_id,
        title=title,
        url=f"/{section_id}/",
        cadence_days=cadence,
        has_subsections=subsections,
        item_count=count if days_ago is not None else 0,
        last_item_at=moment(days_ago) if days_ago is not None else None,
    )


def complete_site(**fields):
    values = {
        "sponsor": "主办",
        "icp_number": "京ICP备12345678号",
        "police_number": "11010502000001",
        "site_code": "bm00000001",
        "contact_name": "张三",
        "contact_phone": "010-1",
    }
    values.update(fields)
    return Association(name="x", slug="x", **values)


def only(code):
    return [rule for rule in InspectionRule.objects.all() if rule.code == code]


def result(code, **facts):
    facts.setdefault("site", complete_site())
    facts.setdefault("last_update", moment(1))
    return evaluate(only(code), SiteFacts(today=TODAY, **facts))


@pytest.mark.django_db
def test_home_page_updated_13_days_ago_passes_and_15_days_ago_fails_by_veto():
    assert result("home_fresh", last_update=moment(13)).passed
    assert result("home_fresh", last_update=moment(14)).passed
    failed = result("home_fresh", last_update=moment(15))
    assert not failed.passed and failed.failing[0]["items"] == ["最近一次更新在 15 天前"]
    assert not result("home_fresh", last_update=None).passed  # nothing ever published


@pytest.mark.django_db
def test_news_section_is_held_to_its_own_cadence():
    assert result("news_cadence", sections=[section(days_ago=13, cadence=14)]).passed
    failed = result("news_cadence", sections=[section(days_ago=15, cadence=14)])
    assert not failed.passed and "新闻动态：15 天未更新（更新周期 14 天）" in failed.failing[0]["items"]
    # A policy section is not a news section: its own rule judges it
    assert result("news_cadence", sections=[section("政策法规", days_ago=100, cadence=7)]).passed


@pytest.mark.django_db
def test_policy_section_is_allowed_six_months():
    assert result("policy_cadence", sections=[section("政策法规", days_ago=180)]).passed
    assert not result("policy_cadence", sections=[section("政策法规", days_ago=181)]).passed
    assert result("policy_cadence", sections=[section("新闻动态", days_ago=400)]).passed


@pytest.mark.django_db
def test_more_than_five_blank_sections_fail_and_containers_are_not_blank():
    five = [section(f"栏目{i}", section_id=i) for i in range(5)]
    assert result("blank_sections", sections=five).passed
    six = five + [section("栏目5", section_id=5)]
    assert not result("blank_sections", sections=six).passed
    container = five + [section("上级栏目", section_id=9, subsections=True)]
    assert result("blank_sections", sections=container).passed


@pytest.mark.django_db
def test_sections_not_updated_for_a_year_cost_points_up_to_the_rule_weight():
    assert result("stale_sections", sections=[section(days_ago=365)]).score == 100
    one = result("stale_sections", sections=[section(days_ago=366)])
    assert one.passed and one.score == 95
    many = result("stale_sections", sections=[section(f"栏目{i}", days_ago=400, section_id=i) for i in range(9)])
    assert many.score == 80  # 9 × 5 capped at the weight of 20


@pytest.mark.django_db
def test_broken_links_and_incomplete_registry_take_points_off():
    assert result("broken_links", problem_links=["http://x/（无法访问）"] * 3).score == 97
    assert result("registry_complete").score == 100
    incomplete = result("registry_complete", site=complete_site(icp_number="", contact_name=""))
    assert incomplete.score == 90 and incomplete.failing[0]["items"] == ["缺少ICP备案号", "缺少联系人"]


@pytest.mark.django_db
def test_overdue_opinions_fail_a_site_and_come_from_the_opinions_channels_receipts(delta, gamma):
    # The rule on its own facts: none overdue passes, any overdue fails (a veto)
    assert result("overdue_opinions", overdue_opinions=0).passed
    assert not result("overdue_opinions", overdue_opinions=2).passed
    # Given opinions on the city site: one unanswered for 91 days, one for 89, one answered after 120
    from cms.feedback.receipts.models import Receipt
    from cms.oversight.rules import overdue_opinion_counts

    def receipt(site, days_ago, status):
        at = timezone.make_aware(datetime.datetime.combine(TODAY - datetime.timedelta(days=days_ago), datetime.time(9)))
        return Receipt.objects.create(
            code_hash=f"test-{site.pk}-{days_ago}-{status}",
            site=site,
            opinion_id=days_ago,
            kind="mailbox",
            status=status,
            submitted_at=at,
            due_date=TODAY,
        )

    receipt(delta, 91, "new")
    receipt(delta, 89, "assigned")
    receipt(delta, 120, "replied")
    # Then only the one open past 90 days counts, and only for its own site
    assert overdue_opinion_counts([delta.pk, gamma.pk], TODAY, 90) == {delta.pk: 1}


@pytest.mark.django_db
def test_central_office_edits_a_rule_and_disabled_rules_do_not_count():
    rule = InspectionRule.objects.get(code="home_fresh")
    rule.threshold = 30
    rule.save()
    assert result("home_fresh", last_update=moment(20)).passed
    rule.enabled = False
    rule.save()
    assert result("home_fresh", last_update=moment(400)).passed


def test_publishing_moves_the_score_incrementally(gamma):
    # Given a site whose only article was published 15 days ago
    add_article(gamma, "浙江文艺动态")
    long_ago = timezone.now() - datetime.timedelta(days=15)
    IndexEntry.objects.filter(site=gamma).update(published_at=long_ago, updated_at=long_ago)
    services.site_changed(site=gamma)
    health = SiteHealth.objects.get(site=gamma)
    assert not health.passed and {"home_fresh", "news_cadence"} <= {r["code"] for r in health.failing}
    assert ("新闻动态", 1) in SectionState.objects.filter(site=gamma).values_list("title", "item_count")
    # When an editor publishes a new article (and declares a 30-day cadence on the section)
    with schema_context(gamma.schema_name):
        news = SectionPage.objects.get(slug="news")
        news.update_cadence_days = 30
        news.save_revision().publish()
    add_article(gamma, "新的动态")
    # Then the site's row has moved in the publishing transaction itself: no schema scanned, no wait
    health = SiteHealth.objects.get(site=gamma)
    assert not {"home_fresh", "news_cadence"} & {r["code"] for r in health.failing}, health.failing
    assert health.passed and health.weekly_published[-1] >= 1
    assert SectionState.objects.get(site=gamma, title="新闻动态").cadence_days == 30


def test_unpublishing_and_blank_sections_are_seen(delta):
    # Given a site with six empty sections
    for number in range(6):
        make_section(delta, f"空栏目{number}", f"empty-{number}")
    health = SiteHealth.objects.get(site=delta)
    assert "blank_sections" in {rule["code"] for rule in health.failing}
    # When an article is published in one and then unpublished, the counts follow
    article = add_article(delta, "一篇文章")
    assert SectionState.objects.get(site=delta, section_id=article.get_parent().pk).item_count == 1
    with schema_context(delta.schema_name):
        ArticlePage.objects.get(pk=article.pk).unpublish()
    assert SectionState.objects.get(site=delta, section_id=article.get_parent().pk).item_count == 0


def test_one_site_publishing_never_touches_another_sites_rows(alpha, beta):
    # Given results for beta
    services.compute_health(site_ids=[beta.pk])
    before = SiteHealth.objects.get(site=beta).computed_at
    # When alpha publishes
    add_article(alpha, "甲站文章")
    # Then beta's row is untouched and alpha's sections are alpha's
    assert SiteHealth.objects.get(site=beta).computed_at == before
    assert not SectionState.objects.filter(site=beta).exists()


def test_daily_refresh_takes_the_same_queries_for_any_number_of_sites(alpha, beta, gamma, delta):
    add_article(alpha, "甲")
    LinkStatus.objects.create(site=beta, url="http://127.0.0.1:9/x", kind="external", state="broken")
    with CaptureQueriesContext(connection) as queries:
        count = services.refresh_health(today=TODAY)
    assert count == 4 and len(queries) <= 9
    links = next(r for r in SiteHealth.objects.get(site=beta).failing if r["code"] == "broken_links")
    assert links["lost"] == 1 and links["items"] == ["http://127.0.0.1:9/x（无法访问）"]


def test_archived_site_has_no_result(gamma):
    services.compute_health(site_ids=[gamma.pk])
    Association.objects.filter(pk=gamma.pk).update(archived_at=timezone.now())
    services.refresh_health()
    assert not SiteHealth.objects.filter(site=gamma).exists()
    with schema_context(gamma.schema_name):
        assert home_page(gamma) is not None
