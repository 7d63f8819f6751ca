"""In a real browser: logging in, an article through the theme's review workflow (submitted by one user, each
of its six steps passed in the page editor by another), 报送上级 and accepting it on the parent site, and CJK text
that renders (fonts resolve, no tofu).

Two throwaway sites built from the national association theme (its 三审三校 workflow and sections), the child below
the parent, are made once for the module and removed afterwards.
"""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context
from selenium.webdriver.common.by import By

from tests.browser.conftest import PASSWORD, SCREENSHOTS, Admin

PARENT, CHILD = "tmp-browser-up", "tmp-browser"
# The theme's 三审三校 steps in order, and who passes each (no one may pass two steps of one run).
STEPS = ("一校", "初审", "二校", "复审", "三校", "终审")
REVIEWERS = (
    ("jiaodui1", "赵校对", "校对"),
    ("chushen", "钱初审", "编辑"),
    ("jiaodui2", "孙校对", "校对"),
    ("shenhe", "李审核", "审核"),
    ("jiaodui3", "周校对", "校对"),
    ("zhongshen", "吴终审", "审核"),
)


@pytest.fixture(scope="module")
def network(django_db_setup, django_db_blocker):
    """A parent and a child site (committed: the server reads them), an editor and a reviewer on the child."""
    from django.contrib.auth.models import Group
    from django.db import connection

    from cms.accounts.models import User
    from sites.models import Association
    from sites.services import SiteAdmin, create_site, delete_site

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        admin = SiteAdmin(username="admin", password=PASSWORD)
        parent = create_site(
            name="浏览器测试文联",
            short_name="测试上级",
            slug=PARENT,
            kind="national_federation",
            domain=f"{PARENT}.localhost",
            admin=admin,
            theme="national_association",
        )
        child = create_site(
            name="浏览器测试协会",
            short_name="测试协会",
            slug=CHILD,
            kind="national_association",
            domain=f"{CHILD}.localhost",
            parent=parent,
            admin=admin,
            theme="national_association",
        )
        with schema_context(child.schema_name):
            editor = User.objects.create_user(username="bianji", password=PASSWORD, full_name="王编辑")
            # (also a proofreader: only the rule against passing one's own article keeps him from 一校)
            editor.groups.add(Group.objects.get(name="编辑"), Group.objects.get(name="校对"))
            reviewer = User.objects.create_user(username="shenhe", password=PASSWORD, full_name="李审核")
            reviewer.groups.add(Group.objects.get(name="编辑"), Group.objects.get(name="审核"))
            # 三审三校: each step is passed by a different person of its group (cms/review/workflow)
            for username, full_name, group in REVIEWERS:
                if username != "shenhe":
                    user = User.objects.create_user(username=username, password=PASSWORD, full_name=full_name)
                    user.groups.add(Group.objects.get(name=group))
        connection.set_schema_to_public()
        yield {"parent": parent, "child": child}
        connection.set_schema_to_public()
        for slug in (CHILD, PARENT):
            site = Association.objects.filter(slug=slug).first()
            if site is not None:
                delete_site(association=site)


@pytest.fixture(autouse=True)
def database(django_db_blocker):
    """The server only sees committed rows, so these tests work outside a transaction (the sites are removed)."""
    with django_db_blocker.unblock():
        yield


def page_state(site, page_id: int):
    from wagtail.models import Page

    with schema_context(site.schema_name):
        page = Page.objects.get(pk=page_id)
        state = page.current_workflow_state
        return page.live, (state.current_task_state.task.name if state and state.current_task_state else None)


def test_logging_in_shows_the_sites_own_dashboard_in_chinese(browser, cms_server, network):
    # Given the child site's login page
    admin = Admin(browser, cms_server, CHILD)
    admin.open("/admin/login/")
    # Then it names the site and asks in Chinese
    assert browser.find_element(By.TAG_NAME, "h1").text == "登录 浏览器测试协会"
    assert "浏览器测试协会" in browser.title
    # When the editor logs in, the dashboard's heading is the site's name
    admin.login("bianji")
    assert browser.find_element(By.CSS_SELECTOR, "h1.w-h1").text == "浏览器测试协会"


def test_fonts_resolve_and_chinese_glyphs_are_drawn(browser, cms_server, network):
    # Given the dashboard
    admin = Admin(browser, cms_server, CHILD)
    admin.login("bianji")
    admin.open("/admin/")
    # Then every font face the page asked for has loaded (none failed)
    fonts = browser.execute_async_script(
        "const done = arguments[0];"
        "document.fonts.ready.then(() => done({status: document.fonts.status,"
        " failed: [...document.fonts].filter(f => f.status === 'error').map(f => f.family)}));"
    )
    assert fonts == {"status": "loaded", "failed": []}
    # And Chinese characters in the admin's font are real glyphs: two different characters are drawn differently
    # (a missing glyph is the same empty box for both), and differently from a code point no font has
    drawn = browser.execute_script(
        "const font = getComputedStyle(document.body).fontFamily;"
        "const pixels = (text) => { const c = document.createElement('canvas'); c.width = 64; c.height = 64;"
        " const g = c.getContext('2d'); g.font = '40px ' + font; g.fillText(text, 4, 48);"
        " return Array.from(g.getImageData(0, 0, 64, 64).data).join(','); };"
        "return [pixels('文'), pixels('联'), pixels('\\u{10FFFD}')];"
    )
    wen, lian, nothing = drawn
    assert wen != lian and wen != nothing and lian != nothing
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "dashboard.png"))


def test_an_article_goes_through_the_review_workflow_passed_by_other_users_and_is_published(
    browser, cms_server, network
):
    from cms.pages.models import ArticlePage, SectionPage

    child = network["child"]
    with schema_context(child.schema_name):
        news = SectionPage.objects.get(slug="news")
    admin = Admin(browser, cms_server, CHILD)
    # Given the editor writing an article in 新闻动态
    admin.login("bianji")
    admin.open(f"/admin/pages/add/pages/articlepage/{news.pk}/")
    browser.find_element(By.ID, "id_title").send_keys("浏览器里写的稿件")
    admin.wait(5).until(lambda driver: driver.find_element(By.ID, "id_slug").get_attribute("value"))  # synced
    # When they submit it to the review workflow
    admin.click("button[name='action-submit']")
    admin.message("已创建并提交审核")
    with schema_context(child.schema_name):
        page_id = ArticlePage.objects.get(title="浏览器里写的稿件").pk
    assert page_state(child, page_id) == (False, STEPS[0])
    # Then the submitter is offered no approval of their own article
    admin.open(f"/admin/pages/{page_id}/edit/")
    assert not browser.find_elements(By.CSS_SELECTOR, "button[data-workflow-action-name='approve']")
    # and other users, one per step, each pass their step in the page editor until it is published
    for step, (username, _name, _group) in zip(STEPS, REVIEWERS, strict=True):
        admin.login(username)
        assert page_state(child, page_id)[1] == step
        admin.open(f"/admin/pages/{page_id}/edit/")
        admin.click("button[data-workflow-action-name='approve']:not([data-workflow-action-modal-url])")
        admin.wait().until(lambda _driver, step=step: page_state(child, page_id)[1] != step)
    assert page_state(child, page_id) == (True, None)


def test_an_article_submitted_up_is_accepted_on_the_parent_site(browser, cms_server, network):
    from cms.network.models import Syndication
    from cms.pages.models import ArticlePage

    child, parent = network["child"], network["parent"]
    with schema_context(child.schema_name):
        article = ArticlePage.objects.live().filter(title="浏览器里写的稿件").first()
        if article is None:  # this test run alone: the article the workflow test would have published
            from cms.pages.models import SectionPage

            article = ArticlePage(title="浏览器里写的稿件")
            SectionPage.objects.get(slug="news").add_child(instance=article)
            article.save_revision().publish()
    # Given the reviewer on the child site's 报送上级 form
    admin = Admin(browser, cms_server, CHILD)
    admin.login("shenhe")
    admin.open(f"/admin/network/syndication/pages/{article.pk}/submit/")
    browser.find_element(By.CSS_SELECTOR, f"input[name='target'][value='{parent.pk}']").click()
    browser.find_element(By.CSS_SELECTOR, "textarea[name='note']").send_keys("请上级采用")
    browser.find_element(By.CSS_SELECTOR, "main form[method='post'] button[type='submit']").click()
    admin.message("等待对方采用")
    record = Syndication.objects.get(source_site=child, target_site=parent, source_page_id=article.pk)
    # When the parent's administrator opens the inbox and accepts it into 新闻动态, published
    upper = Admin(browser, cms_server, PARENT)
    upper.login("admin")
    upper.open("/admin/network/syndication/inbox/")
    form = browser.find_element(By.CSS_SELECTOR, f"form[action$='/inbox/{record.pk}/accept/']")
    section = form.find_element(By.NAME, "section")
    news_option = [option for option in section.find_elements(By.TAG_NAME, "option") if "新闻动态" in option.text][0]
    news_option.click()
    form.find_element(By.CSS_SELECTOR, "button[value='publish']").click()
    upper.message("已采用")
    # Then the parent site has a live copy naming its source
    record.refresh_from_db()
    with schema_context(parent.schema_name):
        copy = ArticlePage.objects.get(pk=record.copy_page_id)
        assert copy.live and copy.title == "浏览器里写的稿件" and copy.source_site_name == "浏览器测试协会"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "accepted.png"))
