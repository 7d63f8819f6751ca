"""Theme upgrades are additive: new pages arrive, editors' removals are reported, not undone."""

import textwrap

import pytest
from django_tenants.utils import schema_context
from wagtail.models import Page

from cms.pages.models import SiteSettings
from sites import services
from sites.models import Association
from sites.theme_upgrades import upgrade_sites
from themes import blueprint

V1 = """\
name: sample
title: 示例
version: 1
pages:
  - type: section
    title: 新闻
    slug: news
    in_menu: true
  - type: section
    title: 概况
    slug: about
    children:
      - type: standard
        title: 简介
        slug: intro
navigation: [news]
"""
V2 = """\
name: sample
title: 示例
version: 2
pages:
  - type: section
    title: 新闻
    slug: news
    in_menu: true
    children:
      - type: section
        title: 要闻
        slug: headlines
  - type: section
    title: 概况
    slug: about
    children:
      - type: standard
        title: 简介
        slug: intro
      - type: standard
        title: 联系我们
        slug: contact
  - type: section
    title: 活动
    slug: events
    in_menu: true
  - type: section
    title: 专题
    slug: topics
navigation: [news, events]
"""


@pytest.fixture
def sample_theme(tmp_path, monkeypatch):
    folder = tmp_path / "sample"
    folder.mkdir()
    monkeypatch.setattr(blueprint, "THEMES_DIR", tmp_path)
    blueprint.get_theme.cache_clear()

    def write(text):
        (folder / "theme.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
        blueprint.get_theme.cache_clear()
        return blueprint.get_theme("sample")

    yield write
    blueprint.get_theme.cache_clear()


def paths(site):
    with schema_context(site.schema_name):
        return sorted(p.url_path for p in Page.objects.filter(depth__gt=2))


def test_upgrade_reports_then_adds_only_what_is_new_and_leaves_drift_alone(committed, sample_theme):
    alpha = Association.objects.get(slug="alpha")
    sample_theme(V1)
    site = services.create_site(
        name="临时升级文联",
        short_name="升级",
        slug="tmp-upgrade",
        kind="provincial",
        domain="tmp-upgrade.localhost",
        parent=alpha,
        theme="sample",
    )
    untouched = services.create_site(
        name="临时升级乙",
        short_name="乙",
        slug="tmp-upgrade-b",
        kind="provincial",
        domain="tmp-upgrade-b.localhost",
        parent=alpha,
        theme="sample",
    )
    # An editor removes the theme's "about" section (and its intro) and writes an article of their own
    with schema_context(site.schema_name):
        Page.objects.get(slug="about").delete()
        news = Page.objects.get(slug="news")
    v2 = sample_theme(V2)
    before = paths(site)
    # Dry run: a report, no change
    lines = []
    plans = {p.site.slug: p for p in upgrade_sites(v2, apply=False, progress=lines.append)}
    assert paths(site) == before
    plan = plans["tmp-upgrade"]
    assert ["/".join(path) for path, _ in plan.add] == ["news/headlines", "events", "topics"]
    assert plan.drifted == ["about", "about/intro"] and plan.blocked == ["about/contact"]
    assert ["/".join(path) for path, _ in plans["tmp-upgrade-b"].add] == [
        "news/headlines",
        "about/contact",
        "events",
        "topics",
    ]
    assert any("drifted, left alone: about, about/intro" in line for line in lines)
    # Apply: new pages arrive, the removed section is not recreated, nothing else changes
    upgrade_sites(v2, apply=True, progress=lambda line: None)
    assert paths(site) == sorted(before + ["/home/events/", "/home/news/headlines/", "/home/topics/"])
    site.refresh_from_db()
    assert site.theme_version == 2 and "events" in site.theme_pages
    with schema_context(site.schema_name):
        from wagtail.models import Site

        menu = SiteSettings.for_site(Site.objects.get()).navigation.raw_data
        assert [item["value"]["page"] for item in menu] == [news.pk, Page.objects.get(slug="events").pk]
    assert "/home/about/contact/" in paths(untouched)
    # Run again: nothing left to do
    assert upgrade_sites(v2, apply=True, progress=lambda line: None) == []
