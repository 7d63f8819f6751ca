"""The review queue and the 内容安全 admin: the next reviewer's dashboard, who must act on a page in
review, overdue steps (the date frozen by passing it in), the screening views for a site's editors and
the central office, imports with line-numbered errors, and a screened-out approval shown as a message."""

import json

from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from cms.review import services
from cms.review.models import LexiconChange, LexiconEntry, ReviewPolicy
from cms.review.workflow.panels import ReviewQueuePanel
from cms.review.workflow.selectors import pending_steps
from cms.review.workflow.services import set_review_policy
from cms.workdays import add_working_days
from tests.conftest import ADMIN_PASSWORD, HOSTS
from tests.review.workflow_helpers import review_site


class Browser:
    """One user signed in to one site's admin (the central office's: site None)."""

    def __init__(self, site, username="admin", password=None):
        self.host = HOSTS[site.slug] if site is not None else HOSTS["central"]
        self.client = Client()
        password = password or (ADMIN_PASSWORD if username == "admin" else f"pw-{username}-12345")
        response = self.client.post("/admin/login/", {"username": username, "password": password}, HTTP_HOST=self.host)
        assert response.status_code == 302, response.content[:500]

    def get(self, url, **kwargs):
        return self.client.get(url, HTTP_HOST=self.host, **kwargs)

    def post(self, url, data=None, **kwargs):
        return self.client.post(url, data or {}, HTTP_HOST=self.host, **kwargs)

    def html(self, url) -> str:
        response = self.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content.decode()


def two_levels(gamma):
    reviewed = review_site(gamma)
    set_review_policy(site=gamma, actor="central", levels=2, proofreading=False)
    return reviewed


def queue(dashboard: str) -> str:
    """The 待我审核 panel of a dashboard page."""
    start = dashboard.index('id="review-queue"')
    return dashboard[start : dashboard.index("</section>", start)]


def panel_html(site, user, today):
    request = RequestFactory().get("/admin/", HTTP_HOST=HOSTS[site.slug])
    request.user = user
    with schema_context(site.schema_name):
        return ReviewQueuePanel(today=today).render_html({"request": request})


def test_the_next_reviewer_s_dashboard_lists_the_step_and_flags_it_when_overdue(gamma):
    # given an article the writer submitted to 两审
    reviewed = two_levels(gamma)
    article = reviewed.submit("待初审的稿件")
    # then the dashboard of an editor of 初审's group lists it, and the writer's does not
    assert "待初审的稿件" in queue(Browser(gamma, "editor").html("/admin/"))
    writer_queue = queue(Browser(gamma, "writer").html("/admin/"))
    assert "待我审核" in writer_queue and "待初审的稿件" not in writer_queue
    # the panel flags it once more than 2 working days (the default) have passed
    today = timezone.localdate()
    editor = reviewed.user("editor")
    assert "已超期" not in panel_html(gamma, editor, today)
    late = panel_html(gamma, editor, add_working_days(today, 3))
    assert "待初审的稿件" in late and "已超期" in late and "已等待 3 个工作日" in late
    # with the site set to 5 days, the same wait is not overdue
    set_review_policy(site=gamma, actor="central", overdue_working_days=5)
    assert "已超期" not in panel_html(gamma, editor, add_working_days(today, 3))
    # when the editor passes 初审, the chiefs' dashboards list it and the editor's no longer does
    reviewed.approve(article, "editor")
    assert "待初审的稿件" in panel_html(gamma, reviewed.user("chief"), today)
    assert "待初审的稿件" not in panel_html(gamma, editor, today)


def test_each_step_shows_who_must_act_and_the_queue_costs_the_same_queries_for_more_steps(gamma):
    reviewed = two_levels(gamma)
    first = reviewed.submit("第一篇")
    with schema_context(gamma.schema_name):
        [step] = pending_steps(page_id=first.pk)
        assert step.step == "初审" and step.reviewers == ["editor", "editor2"]
        assert "送审人" in step.refusal_for(reviewed.user("writer"))
        pending_steps(user=reviewed.user("editor"))  # warm: the schema set, content types cached
        with CaptureQueriesContext(connection) as one:
            pending_steps(user=reviewed.user("editor"))
    for number in range(4):
        reviewed.submit(f"更多稿件{number}", by="editor2" if number % 2 else "writer")
    with schema_context(gamma.schema_name):
        pending_steps(user=reviewed.user("editor"))
        with CaptureQueriesContext(connection) as five:
            steps = pending_steps(user=reviewed.user("editor"))
    assert len(steps) == 5 and len(five.captured_queries) == len(one.captured_queries)
    # the edit page says who must act, and tells the submitter why he cannot
    page = Browser(gamma, "writer").html(f"/admin/pages/{first.pk}/edit/")
    assert "待 editor、editor2 处理" in page and "您是本稿的送审人" in page
    # and the 审核进度 view lists every step with who must act
    progress = Browser(gamma, "editor").html(reverse("review_steps"))
    assert "第一篇" in progress and "更多稿件3" in progress and "editor、editor2" in progress


def test_a_screened_out_approve_and_publish_is_a_message_not_an_error_page(gamma):
    # given one-level review (终审 only) and a submitted article with a blocked word
    reviewed = review_site(gamma)
    set_review_policy(site=gamma, actor="central", levels=1, proofreading=False)
    services.add_entry(site=None, word="禁词甲", actor="central", category="违禁", level="block")
    article = reviewed.submit("含禁词的稿件", body="这里有禁词甲")
    state, _ = reviewed.current(article)
    chief = Browser(gamma, "chief")
    # when the chief approves it in the workflow modal (approve and publish)
    url = reverse("wagtailadmin_pages:workflow_action", args=[article.pk, "approve", state.pk])
    response = chief.post(url, {"comment": ""}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    # then the modal is sent to the edit page, where the refusal names the word; nothing went live
    assert response.status_code == 200
    edit_url = reverse("wagtailadmin_pages:edit", args=[article.pk])
    assert json.loads(response.content)["redirect"] == edit_url
    assert "未能发布" in (page := chief.html(edit_url)) and "禁词甲" in page
    assert not reviewed.live(article)
    state.refresh_from_db()
    assert state.status == "in_progress"
    # and without the modal (a plain POST), the same
    response = chief.post(url, {"comment": ""})
    assert (response.status_code, response["Location"]) == (302, edit_url)


def test_the_screening_admin_serves_a_site_s_keepers_and_the_central_office_and_refuses_others(gamma):
    reviewed = review_site(gamma)
    with schema_context(gamma.schema_name):
        Group.objects.get(name="审核").permissions.add(Permission.objects.get(codename="manage_screening"))
    services.add_entry(site=gamma, word="江南本站词", actor="gamma-admin")
    services.add_entry(site=None, word="塞北全国词", actor="central")
    urls = [
        reverse(name)
        for name in ("review_lexicon", "review_lexicon_import", "review_history", "review_findings", "review_overrides")
    ]
    # a site's reviewer and its superuser see the site's layer only
    for browser in (Browser(gamma, "chief"), Browser(gamma)):
        for url in urls:
            browser.html(url)
        lexicon = browser.html(reverse("review_lexicon"))
        assert "江南本站词" in lexicon and "塞北全国词" not in lexicon
        assert reverse("review_lexicon") in browser.html("/admin/")  # the menu (its labels are escaped JSON)
    # a proofreader (no such permission; on this blank-theme site 编辑 may publish, so it has it) has no
    # menu and is turned away
    writer = Browser(gamma, "proof1")
    menu = writer.html("/admin/")
    assert reverse("review_lexicon") not in menu and reverse("review_steps") in menu
    for url in urls:
        response = writer.get(url)
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert (
        writer.post(reverse("review_lexicon"), {"word": "偷加词", "level": "block", "kind": "word"}).status_code == 302
    )
    assert not LexiconEntry.objects.filter(word="偷加词").exists()
    # nor may a site open the central office's review settings
    assert Browser(gamma).get(reverse("review_policies")).status_code == 302
    # the central office manages the national layer and each site's review settings
    central = Browser(None)
    national = central.html(reverse("review_lexicon"))
    assert "全国词库" in national and "塞北全国词" in national and "江南本站词" not in national
    assert "测试浙江省文联" in central.html(reverse("review_policies"))
    response = central.post(
        reverse("review_policy_edit", args=[gamma.pk]), {"levels": "2", "overdue_working_days": "4"}
    )
    assert response.status_code == 302
    policy = ReviewPolicy.objects.get(site=gamma)
    assert (policy.levels, policy.proofreading, policy.overdue_working_days, policy.updated_by) == (
        2,
        False,
        4,
        "admin",
    )
    with schema_context(gamma.schema_name):
        assert reviewed.workflow.tasks.filter(active=True).count() == 2


def test_lexicon_import_through_the_admin_is_all_or_nothing_with_line_numbered_errors(gamma):
    browser = Browser(gamma)
    url = reverse("review_lexicon_import")
    bad = "词语,类别,级别,类型\n好词一,政治,禁止发布,敏感词\n,政治,禁止发布,敏感词\n好词二,政治,很严重,敏感词\n好词一\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = browser.post(url, {"file": SimpleUploadedFile("words.csv", bad.encode()), "level": "block"})
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "第 3 行：词语为空" in page
        and "第 4 行：级别“很严重”无法识别" in page
        and "第 5 行：“好词一”与第 2 行重复" in page
    )
    assert not LexiconEntry.objects.filter(site=gamma).exists()
    assert browser.post(url, {"file": SimpleUploadedFile("words.pdf", b"x"), "level": "block"}).status_code == 200
    # a good file imports, shows in the history, and exports back
    good = "好词一\t政治\t禁止发布\n豁免短语\t\t提示\t豁免词\n"
    response = browser.post(url, {"file": SimpleUploadedFile("words.txt", good.encode()), "level": "block"})
    assert (response.status_code, response["Location"]) == (302, reverse("review_lexicon"))
    assert sorted(LexiconEntry.objects.filter(site=gamma).values_list("word", "kind")) == [
        ("好词一", "word"),
        ("豁免短语", "exemption"),
    ]
    assert "导入 TXT 文件 2 条" in browser.html(reverse("review_history"))
    exported = browser.get(reverse("review_lexicon_export") + "?fmt=csv")
    assert "attachment" in exported["Content-Disposition"]
    assert "好词一,政治,禁止发布,敏感词" in exported.content.decode("utf-8-sig")
    # add and remove through the list
    browser.post(reverse("review_lexicon"), {"word": "新加词", "category": "其他", "level": "review", "kind": "word"})
    entry = LexiconEntry.objects.get(site=gamma, word="新加词")
    assert entry.created_by == "admin"
    browser.post(reverse("review_lexicon_remove"), {"entry": [entry.pk]})
    assert not LexiconEntry.objects.filter(pk=entry.pk).exists()
    assert LexiconChange.objects.filter(site=gamma, action="remove", actor="admin").exists()


def test_a_reviewer_lets_a_review_level_hit_go_live_from_the_admin_with_a_written_reason(gamma):
    # given a draft whose text holds a review-level word
    from cms.pages.models import ArticlePage
    from cms.review.models import ScreeningOverride
    from tests.factories import make_section

    services.add_entry(site=None, word="审核词乙", actor="central", category="政治", level="review")
    with schema_context(gamma.schema_name):
        section = make_section(gamma, "放行栏目", "overrides")
        article = ArticlePage(title="需放行的稿件", body=[{"type": "paragraph", "value": "<p>提到审核词乙</p>"}])
        article.live = False
        section.add_child(instance=article)
        revision = article.save_revision()
    url = reverse("review_override_new", args=[article.pk])
    admin = Browser(gamma)
    # then the form shows the hit; a reason too short is refused and nothing is recorded
    assert "审核词乙" in admin.html(url)
    assert admin.post(url, {"reason": "可以"}).status_code == 200
    assert not ScreeningOverride.objects.filter(site=gamma).exists()
    # when the reviewer writes a reason, it is recorded and the revision may go live
    response = admin.post(url, {"reason": "已核实出处，属正常引用"})
    assert (response.status_code, response["Location"]) == (302, f"/admin/pages/{article.pk}/edit/")
    override = ScreeningOverride.objects.get(site=gamma, revision_id=revision.pk)
    assert (override.user_name, override.words, override.reason) == ("admin", ["审核词乙"], "已核实出处，属正常引用")
    with schema_context(gamma.schema_name):
        revision.publish()
        assert ArticlePage.objects.get(pk=article.pk).live
    assert "已核实出处" in admin.html(reverse("review_overrides"))


def test_one_site_s_admin_and_settings_never_reach_another_site(gamma, alpha):
    # given both sites with the theme's workflow, and a word in alpha's own layer
    review_site(gamma)
    alpha_review = review_site(alpha)
    alpha_entry = services.add_entry(site=alpha, word="阿尔法专用词", actor="alpha-admin")
    # when the central office sets gamma to one level
    set_review_policy(site=gamma, actor="central", levels=1, proofreading=False)
    # then alpha's steps are untouched
    with schema_context(alpha.schema_name):
        assert active_review_steps() == 6
    with schema_context(gamma.schema_name):
        assert active_review_steps() == 1
    # and gamma's admin neither lists nor removes alpha's words
    browser = Browser(gamma)
    assert "阿尔法专用词" not in browser.html(reverse("review_lexicon"))
    assert "阿尔法专用词" not in browser.html(reverse("review_history"))
    browser.post(reverse("review_lexicon_remove"), {"entry": [alpha_entry.pk]})
    assert LexiconEntry.objects.filter(pk=alpha_entry.pk).exists()
    # nor does it list alpha's review steps
    alpha_review.submit("阿尔法的送审稿")
    assert "阿尔法的送审稿" in Browser(alpha).html(reverse("review_steps"))
    assert "阿尔法的送审稿" not in browser.html(reverse("review_steps"))


def active_review_steps():
    from cms.review.workflow.models import ReviewTask

    return ReviewTask.objects.filter(active=True).count()


def test_a_reviewer_who_edits_and_approves_in_the_editor_keeps_his_edit_and_is_refused_with_a_message(gamma):
    # given a sub-section in review at 初审, submitted by the writer
    from cms.pages.models import SectionPage

    reviewed = two_levels(gamma)
    with schema_context(gamma.schema_name):
        page = SectionPage(title="送审栏目", slug="submitted-section", intro="简介", update_cadence_days=30)
        SectionPage.objects.get(pk=reviewed.section.pk).add_child(instance=page)
        page.save_revision(user=reviewed.user("writer"))
        reviewed.workflow.start(page, reviewed.user("writer"))
    # when the editor changes the title and chooses 通过 in the editor (save and approve in one go)
    editor = Browser(gamma, "editor")
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = editor.post(
        edit_url,
        {
            "title": "送审栏目（编辑改）",
            "slug": "submitted-section",
            "intro": "简介",
            "update_cadence_days": "30",
            "action-workflow-action": "1",
            "workflow-action-name": "approve",
        },
    )
    # then his edit is kept, the step still waits for someone else, and he is told why
    assert response.status_code == 302
    assert reviewed.step_name(page) == "初审"
    with schema_context(gamma.schema_name):
        assert SectionPage.objects.get(pk=page.pk).get_latest_revision().as_object().title == "送审栏目（编辑改）"
    assert "修改过本稿" in editor.html(response["Location"])
