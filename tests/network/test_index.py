"""The national index follows publishing, unpublishing, moving, deleting and privacy, in the same transaction."""

from urllib.parse import quote

import pytest
from django.db import transaction
from django_tenants.utils import schema_context
from wagtail.models import Page, PageViewRestriction

from cms.network.index import reindex_network, reindex_site
from cms.network.models import IndexEntry
from sites.models import Association
from sites.services import archive_site, unarchive_site
from tests.conftest import add_article
from tests.factories import make_section

COMPARED = [
    "site_id",
    "page_id",
    "page_type",
    "section_id",
    "section_title",
    "title",
    "summary",
    "art_forms",
    "tags",
    "site_kind",
    "region",
    "ancestor_ids",
    "date",
    "published_at",
    "updated_at",
    "url",
    "canonical_url",
    "source_site_name",
]


def entry(site, page):
    return IndexEntry.objects.filter(site=site, page_id=page.pk).first()


def snapshot() -> list[dict]:
    return sorted(IndexEntry.objects.values(*COMPARED), key=lambda row: (row["site_id"], row["page_id"]))


def test_a_published_article_is_indexed_with_its_site_section_and_address(alpha, delta, gamma):
    # Given an article published on a city site
    article = add_article(delta, "杭州举办诗歌节", summary="诗歌节摘要", art_forms=["literature"])
    # Then the index holds it with the site's place in the hierarchy
    row = entry(delta, article)
    assert (row.page_type, row.title, row.summary, row.art_forms) == (
        "article",
        "杭州举办诗歌节",
        "诗歌节摘要",
        ["literature"],
    )
    assert (row.site_kind, row.region, row.ancestor_ids) == ("municipal", "浙江", [gamma.pk, alpha.pk])
    assert row.section_title == "新闻动态" and row.section_id is not None
    assert row.url == f"//delta.localhost/news/{quote(article.slug)}/" == row.canonical_url  # stored portable
    assert row.link == f"http://delta.localhost/news/{quote(article.slug)}/" == row.canonical_link
    with schema_context(delta.schema_name):
        article.refresh_from_db()
    assert row.published_at == article.first_published_at


def test_unpublish_delete_and_privacy_remove_entries(beta):
    first, second, third = (add_article(beta, title) for title in ("一", "二", "三"))
    with schema_context(beta.schema_name):
        Page.objects.get(pk=first.pk).specific.unpublish()
        Page.objects.get(pk=second.pk).delete()
        PageViewRestriction.objects.create(page=Page.objects.get(pk=third.pk), restriction_type="login")
    assert [entry(beta, page) for page in (first, second, third)] == [None, None, None]
    # and lifting the restriction brings the page back
    with schema_context(beta.schema_name):
        PageViewRestriction.objects.filter(page_id=third.pk).delete()
    assert entry(beta, third) is not None


def test_moving_a_page_or_renaming_its_section_updates_its_entry(alpha):
    article = add_article(alpha, "移动的文章")
    other = make_section(alpha, "通知公告", "notices")
    with schema_context(alpha.schema_name):
        Page.objects.get(pk=article.pk).move(Page.objects.get(pk=other.pk), pos="last-child")
    row = entry(alpha, article)
    assert (row.section_id, row.section_title) == (other.pk, "通知公告")
    assert row.url.endswith(f"/notices/{quote(article.slug)}/")
    # When the section's slug and title change on publishing, everything below follows
    with schema_context(alpha.schema_name):
        section = Page.objects.get(pk=other.pk).specific
        section.title, section.slug = "公告", "gonggao"
        section.save_revision().publish()
    row = entry(alpha, article)
    assert (row.section_title, row.url.endswith(f"/gonggao/{quote(article.slug)}/")) == ("公告", True)


def test_a_rolled_back_publish_leaves_no_entry(beta):
    with pytest.raises(RuntimeError), transaction.atomic():
        article = add_article(beta, "回滚的文章")
        assert entry(beta, article) is not None  # written in the same transaction...
        raise RuntimeError("the request failed after publishing")
    assert not IndexEntry.objects.filter(site=beta, title="回滚的文章").exists()  # ...and gone with it


def test_the_site_s_place_in_the_registry_follows_into_its_entries(gamma, delta, beta):
    article = add_article(delta, "市里的新闻")
    gamma.region = "浙江省"
    gamma.save()
    delta.parent = beta
    delta.save()
    row = entry(delta, article)
    assert row.ancestor_ids == [beta.pk, beta.parent_id]
    assert IndexEntry.objects.filter(site=gamma).exclude(region="浙江省").count() == 0


def test_archiving_takes_a_site_out_and_restoring_brings_it_back(beta):
    article = add_article(beta, "归档前的文章")
    archive_site(association=beta)
    assert not IndexEntry.objects.filter(site=beta).exists()
    unarchive_site(association=beta)
    assert entry(beta, article) is not None


def test_incremental_and_rebuilt_indexes_are_equal(alpha, beta, gamma, delta):
    # Given a history of publishing, moving, unpublishing, deleting and privacy changes on several sites
    kept = add_article(alpha, "保留", art_forms=["music"])
    with schema_context(alpha.schema_name):
        page = Page.objects.get(pk=kept.pk).specific
        page.tags.add("音乐", "演出")
        page.save_revision().publish()
    moved = add_article(beta, "移动")
    notices = make_section(beta, "通知公告", "notices")
    gone = add_article(gamma, "删除")
    hidden = add_article(delta, "撤稿")
    with schema_context(beta.schema_name):
        Page.objects.get(pk=moved.pk).move(Page.objects.get(pk=notices.pk), pos="last-child")
    with schema_context(gamma.schema_name):
        Page.objects.get(pk=gone.pk).delete()
    with schema_context(delta.schema_name):
        Page.objects.get(pk=hidden.pk).specific.unpublish()
    incremental = snapshot()
    assert any(row["tags"] == ["演出", "音乐"] for row in incremental)
    # When the whole index is thrown away and rebuilt from the page trees
    IndexEntry.objects.all().delete()
    lines = []
    totals = reindex_network(progress=lines.append)
    # Then it is the same, row for row, and the rebuild reported progress per site
    assert snapshot() == incremental
    assert totals.added == len(incremental) and totals.removed == 0
    assert len(lines) == 5 and lines[0].startswith("[1/5]")


def test_reindex_repairs_a_drifted_index(alpha):
    article = add_article(alpha, "正确的标题")
    IndexEntry.objects.filter(site=alpha, page_id=article.pk).update(title="错误的标题")
    IndexEntry.objects.create(
        **{
            **IndexEntry.objects.filter(site=alpha, page_id=article.pk)
            .values(*[f for f in COMPARED if f != "site_id"])
            .get(),
            "page_id": 999999,
            "site": alpha,
        }
    )
    counts = reindex_site(alpha)
    assert (counts.updated, counts.removed) == (1, 1)
    assert entry(alpha, article).title == "正确的标题"
    assert reindex_site(alpha).updated == 0  # a second run finds nothing to do


def test_the_reindex_commands_run_from_the_cms_command(committed, capsys):
    from cms.cli import main as cms

    alpha = Association.objects.get(slug="alpha")
    with schema_context(alpha.schema_name):
        sections_before = set(Page.objects.filter(depth=3).values_list("pk", flat=True))
    article = add_article(alpha, "命令行重建索引的文章", summary="篆刻艺术。")
    try:
        IndexEntry.objects.filter(site=alpha, page_id=article.pk).delete()
        assert cms(["network", "reindex"]) == 0
        output = capsys.readouterr().out
        assert "[2/5] 测试全国文联（alpha）：新增 1" in output and "完成：新增 1" in output
        assert IndexEntry.objects.filter(site=alpha, page_id=article.pk).exists()
        assert cms(["search", "reindex"]) == 0
        assert "完成：5 个网站的搜索索引已重建。" in capsys.readouterr().out
    finally:  # this test commits: leave alpha as it was
        with schema_context(alpha.schema_name):
            Page.objects.get(pk=article.pk).delete()
            for section in Page.objects.filter(depth=3).exclude(pk__in=sections_before):
                section.delete()


def test_a_new_primary_domain_or_front_end_re_addresses_the_site_s_entries(alpha):
    from cms.pages.models import SiteSettings
    from sites.models import Domain

    article = add_article(alpha, "换域名前的文章")
    Domain.objects.filter(tenant=alpha).update(is_primary=False)
    Domain.objects.create(domain="new-alpha.localhost", tenant=alpha, is_primary=True)
    assert entry(alpha, article).url.startswith("//new-alpha.localhost/news/")
    with schema_context(alpha.schema_name):
        from wagtail.models import Site

        settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
        settings.frontend_url = "https://www.example.cn"
        settings.save()
    assert entry(alpha, article).url.startswith("https://www.example.cn/news/")


def test_the_network_version_moves_when_the_change_commits(beta, django_capture_on_commit_callbacks):
    from cms.network.index import current_network_version

    before = current_network_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        add_article(beta, "版本号")
    assert current_network_version() == before  # no row is locked and nothing moves before the commit
    for callback in callbacks:
        callback()
    assert current_network_version() > before


def test_renaming_a_site_moves_the_network_version(beta, django_capture_on_commit_callbacks):
    from cms.network.index import current_network_version

    before = current_network_version()
    with django_capture_on_commit_callbacks(execute=True):
        beta.name = "测试作家协会（新名）"
        beta.save()
    assert current_network_version() > before
