"""Model sites (示范推广): a site's structure becomes a theme version others are created from or upgraded to."""

import shutil

import pytest
import yaml
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context
from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

from cms.pages.models import SectionPage, SiteSettings, StandardPage
from sites.model_sites import theme_from_site
from sites.models import Association
from sites.services import create_site
from sites.theme_upgrades import upgrade_sites
from tests.conftest import home_page
from tests.factories import make_section
from themes import blueprint


def shape_model_site(site):
    """Sections (nested, with cadences), a standard page, navigation, a second group and a workflow."""
    news = make_section(site, "新闻动态", "news")
    make_section(site, "文联要闻", "headlines", parent=news)
    policies = make_section(site, "政策文件", "policies")
    with schema_context(site.schema_name):
        home = home_page(site)
        for page, cadence in ((news, 3), (policies, 180)):
            page = SectionPage.objects.get(pk=page.pk)
            page.update_cadence_days, page.show_in_menus = cadence, True
            page.save_revision().publish()
        about = StandardPage(title="关于我们", slug="about", body=[{"type": "paragraph", "value": "<p>本站内容</p>"}])
        home.add_child(instance=about)
        about.save_revision().publish()
        settings = SiteSettings.objects.get()
        settings.navigation = [
            {"type": "menu", "value": {"label": "", "page": page.pk, "url": "", "children": []}}
            for page in (news, policies)
        ]
        settings.design_tokens = {"theme": "blank", "version": 1, "colors": {"primary": "#123456"}}
        settings.save()
        editors = Group.objects.get(name="编辑")
        reviewers = Group.objects.create(name="终审")
        from django.contrib.auth.models import Permission
        from wagtail.models import GroupPagePermission

        GroupPagePermission.objects.create(
            group=reviewers, page=home, permission=Permission.objects.get(codename="publish_page")
        )
        workflow = Workflow.objects.create(name="三审三校")
        for order, (name, group) in enumerate([("初审", editors), ("终审", reviewers)]):
            task = GroupApprovalTask.objects.create(name=name)
            task.groups.set([group])
            WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=order)
        WorkflowPage.objects.create(page=home, workflow=workflow)


def test_model_site_theme_round_trip(committed, tmp_path, monkeypatch):
    shutil.copytree(blueprint.THEMES_DIR / "blank", tmp_path / "blank")
    monkeypatch.setattr(blueprint, "THEMES_DIR", tmp_path)
    blueprint.get_theme.cache_clear()
    try:
        # Given a model site with its own structure
        source = create_site(
            name="临时示范文联",
            short_name="示范",
            slug="tmp-model",
            kind="provincial",
            domain="tmp-model.localhost",
            theme="blank",
            parent=Association.objects.get(slug="alpha"),
        )
        shape_model_site(source)
        assert source.sponsor == "临时示范文联"  # a new site's registry names its sponsor as its name
        # A site not marked as a model is refused
        with pytest.raises(ValidationError, match="还不是示范网站"):
            theme_from_site(site=source)
        Association.objects.filter(pk=source.pk).update(is_model=True)
        source.refresh_from_db()
        # When the central office turns it into a theme
        path = theme_from_site(site=source)
        theme = blueprint.get_theme("model_tmp_model")
        # Then the theme has its sections with cadences, navigation, groups and workflow, and none of its content
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert theme.version == 1 and theme.navigation == ("news", "policies")
        assert [(p.slug, p.cadence_days) for p in theme.pages if p.type == "section"] == [
            ("news", 3),
            ("policies", 180),
        ]
        assert [c.slug for c in theme.pages[0].children] == ["headlines"]
        assert {g.name: g.permissions for g in theme.groups} == {
            "编辑": ("add", "change", "publish"),
            "终审": ("publish",),
        }
        assert theme.workflow_name == "三审三校" and theme.workflow_tasks == (("初审", "编辑"), ("终审", "终审"))
        assert theme.tokens == {"colors": {"primary": "#123456"}} and "本站内容" not in path.read_text(encoding="utf-8")
        assert data["name"] == "model_tmp_model"
        # And a new site can be created from it, with the same structure
        copy = create_site(
            name="临时示范副本",
            short_name="副本",
            slug="tmp-model-copy",
            kind="provincial",
            domain="tmp-copy.localhost",
            parent=Association.objects.get(slug="alpha"),
            theme="model_tmp_model",
        )
        with schema_context(copy.schema_name):
            sections = dict(SectionPage.objects.values_list("slug", "update_cadence_days"))
            assert sections == {"news": 3, "headlines": 7, "policies": 180}
            assert StandardPage.objects.filter(slug="about").exists()
            assert list(Workflow.objects.values_list("name", flat=True)) == ["三审三校"]
        # When the model site grows a section and is exported again, the theme moves to version 2
        make_section(source, "文艺评论", "reviews")
        assert blueprint.load_theme(theme_from_site(site=source)).version == 2
        # And the site made from version 1 can be upgraded to it
        plans = upgrade_sites(blueprint.get_theme("model_tmp_model"), apply=False)
        assert [("/".join(path), spec.title) for plan in plans for path, spec in plan.add] == [("reviews", "文艺评论")]
    finally:
        blueprint.get_theme.cache_clear()


def test_admin_action_refuses_a_site_that_is_not_a_model(client, gamma):
    from tests.conftest import ADMIN_PASSWORD, HOSTS

    client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["central"])
    response = client.post(f"/admin/network/sites/{gamma.pk}/make-theme/", HTTP_HOST=HOSTS["central"], follow=True)
    assert "未能生成模板" in response.content.decode() and "还不是示范网站" in response.content.decode()
