"""Screening holds wherever a revision goes live: the editor's publish, workflow approval, scheduled
publishing, syndication (against the receiver's lexicon), with overrides for review-level hits."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone
from django_tenants.utils import schema_context
from wagtail.actions.publish_page_revision import PublishPageRevisionAction
from wagtail.models import GroupApprovalTask, Page, Workflow, WorkflowPage, WorkflowTask

from cms.network import syndication
from cms.pages.models import ArticlePage, SectionPage
from cms.review import services
from cms.review.models import Finding, ScreeningOverride
from cms.review.publishing import PublishRefused
from cms.review.wagtail_hooks import refuse_unscreened_publish
from tests.conftest import add_article
from tests.factories import make_section


def paragraph(text):
    return [{"type": "paragraph", "value": f"<p>{text}</p>"}]


def admin_of(site):
    from cms.accounts.models import User

    with schema_context(site.schema_name):
        return User.objects.get(username="admin")


def draft(site, title, body="", section_slug="news", **fields):
    with schema_context(site.schema_name):
        section = SectionPage.objects.filter(slug=section_slug).first() or make_section(site, "新闻动态", section_slug)
        article = ArticlePage(title=title, body=paragraph(body), live=False, **fields)
        section.add_child(instance=article)
        article.save_revision()
        return article


def live(site, page):
    with schema_context(site.schema_name):
        return Page.objects.get(pk=page.pk).live


@pytest.fixture
def lexicon(gamma):
    services.add_entry(site=None, word="禁词甲", actor="central", category="违禁", level="block")
    services.add_entry(site=None, word="审核词乙", actor="central", category="政治", level="review")
    services.add_entry(site=None, word="提示词丙", actor="central", category="其他", level="note")


def test_the_editor_s_publish_is_refused_naming_word_field_and_context(alpha, lexicon):
    # given a draft with a blocked word, written with a separator, in its body
    article = draft(alpha, "一篇稿件", body="前文内容，这里写着禁 词 甲，后文内容")
    with schema_context(alpha.schema_name):
        revision = article.get_latest_revision()
        # when published the way the page editor does (the edit view builds this action itself)
        with pytest.raises(PublishRefused) as refused:
            PublishPageRevisionAction(revision, user=admin_of(alpha)).execute(skip_permission_checks=True)
    # then nothing went live and the message names the word, the field and the context
    message = str(refused.value)
    assert "禁止发布" in message and "“禁词甲”" in message and "正文第1块" in message and "【禁 词 甲】" in message
    assert not live(alpha, article)


def test_the_editor_sees_the_refusal_on_the_edit_page(alpha, lexicon):
    article = draft(alpha, "禁詞甲的标题")
    request = RequestFactory().post("/admin/")
    request.session, request._messages = {}, _Messages()
    with schema_context(alpha.schema_name):
        response = refuse_unscreened_publish(request, ArticlePage.objects.get(pk=article.pk))
    assert response.status_code == 302 and f"/pages/{article.pk}/edit/" in response.url
    assert "“禁词甲”" in request._messages.texts[0] and "标题" in request._messages.texts[0]


class _Messages:
    def __init__(self):
        self.texts = []

    def add(self, level, message, extra_tags=""):
        self.texts.append(str(message))


def test_a_clean_page_and_note_level_hits_publish(alpha, lexicon):
    article = draft(alpha, "干净的稿件", body="只有提示词丙")
    with schema_context(alpha.schema_name):
        article.get_latest_revision().publish()
    assert live(alpha, article)


def test_a_review_level_hit_needs_a_named_reviewer_s_override_with_a_reason(alpha, lexicon):
    article = draft(alpha, "需审核的稿件", body="含有审核词乙的内容")
    reviewer = admin_of(alpha)
    with schema_context(alpha.schema_name):
        revision = article.get_latest_revision()
        with pytest.raises(PublishRefused, match="须由审核人填写理由放行"):
            revision.publish(user=reviewer)
        with pytest.raises(services.OverrideError, match="请填写放行理由"):
            services.record_override(site=alpha, revision=revision, user=reviewer, reason="")
        # when a named reviewer records why
        override = services.record_override(
            site=alpha, revision=revision, user=reviewer, reason="引用的是已公开的政策原文"
        )
        revision.publish(user=reviewer)
    # then it goes live, and the override says who, why and when, for which words
    assert live(alpha, article)
    saved = ScreeningOverride.objects.get(pk=override.pk)
    assert (saved.user_name, saved.words, saved.page_id) == ("admin", ["审核词乙"], article.pk)
    assert saved.reason == "引用的是已公开的政策原文" and saved.at is not None


def test_an_override_covers_only_its_revision_and_never_a_block(alpha, lexicon):
    article = draft(alpha, "稿件", body="审核词乙")
    reviewer = admin_of(alpha)
    with schema_context(alpha.schema_name):
        services.record_override(
            site=alpha, revision=article.get_latest_revision(), user=reviewer, reason="已核实，可以发布"
        )
        page = ArticlePage.objects.get(pk=article.pk)
        page.title = "改过的稿件"
        newer = page.save_revision()
        with pytest.raises(PublishRefused):
            newer.publish()
        page.body = paragraph("审核词乙和禁词甲")
        blocked = page.save_revision()
        with pytest.raises(services.OverrideError, match="不能放行"):
            services.record_override(site=alpha, revision=blocked, user=reviewer, reason="我认为没问题的")


def test_workflow_approve_and_publish_is_screened(gamma, lexicon):
    # given a one-step workflow on a section and a submitted article with a blocked word
    with schema_context(gamma.schema_name):
        section = make_section(gamma, "审核栏目", "reviewed")
        workflow = Workflow.objects.create(name="三审三校")
        task = GroupApprovalTask.objects.create(name="终审")
        task.groups.set(Group.objects.filter(name="Moderators"))
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        WorkflowPage.objects.create(page=Page.objects.get(pk=section.pk), workflow=workflow)
    article = draft(gamma, "送审稿件", body="内容里有禁词甲", section_slug="reviewed")
    approver = admin_of(gamma)
    with schema_context(gamma.schema_name):
        page = ArticlePage.objects.get(pk=article.pk)
        state = workflow.start(page, approver)
        # when the last step is approved ("approve and publish")
        with pytest.raises(PublishRefused, match="禁词甲"):
            task.on_action(state.current_task_state, approver, "approve")
        # then nothing is live and the step is still waiting (the approval rolled back)
        state.refresh_from_db()
        assert not Page.objects.get(pk=article.pk).live
        assert state.current_task_state.status == "in_progress"


def test_scheduled_publishing_is_screened_when_scheduled_and_when_due(alpha, lexicon):
    # given a blocked word: scheduling a page with it is refused at once
    with schema_context(alpha.schema_name):
        bad = draft(alpha, "定时稿件", body="禁词甲")
        page = ArticlePage.objects.get(pk=bad.pk)
        page.go_live_at = timezone.now() + timedelta(hours=1)
        with pytest.raises(PublishRefused):
            page.save_revision().publish()
    # given two clean pages approved to go live a minute ago (as scheduling leaves them), then the
    # lexicon changes before the scheduler runs
    due_pages = []
    for title, body in [("稍后含新词", "新禁词丁出现在这里"), ("稍后干净", "干净的内容")]:
        article = draft(alpha, title, body=body)
        with schema_context(alpha.schema_name):
            page = ArticlePage.objects.get(pk=article.pk)
            page.save_revision(approved_go_live_at=timezone.now() - timedelta(minutes=1))
        due_pages.append(article)
    services.add_entry(site=alpha, word="新禁词丁", actor="alpha-admin")
    # when the scheduler runs
    call_command("publish_scheduled_all")
    # then the clean page goes live, the other is withheld and reported to the site's editors
    assert live(alpha, due_pages[1]) and not live(alpha, due_pages[0])
    finding = Finding.objects.get(site=alpha, page_id=due_pages[0].pk)
    assert finding.word == "新禁词丁" and finding.field.startswith("定时发布已取消")


def test_syndication_accept_is_screened_against_the_receiver_s_lexicon(delta, gamma):
    # given a city's published article, and a word the province (the receiver) blocks since
    article = add_article(delta, "市里的稿件", body=paragraph("这篇提到省禁词的内容"))
    services.add_entry(site=gamma, word="省禁词", actor="gamma-admin")
    record = syndication.submit(source_site=delta, page_id=article.pk, target_site=gamma, user_name="city")
    section = make_section(gamma, "采用栏目", "adopted")
    # when the province accepts it for publishing
    with pytest.raises(syndication.SyndicationError, match="省禁词"):
        syndication.accept(syndication_id=record.pk, receiver=gamma, section_id=section.pk, user=admin_of(gamma))
    # then nothing was adopted; accepting as a draft still works
    with schema_context(gamma.schema_name):
        assert not ArticlePage.objects.filter(title="市里的稿件").exists()
    syndication.accept(
        syndication_id=record.pk, receiver=gamma, section_id=section.pk, user=admin_of(gamma), publish=False
    )


def test_syndication_delivery_lands_a_refused_item_as_a_draft_with_the_reason(alpha, gamma):
    services.add_entry(site=gamma, word="省禁词", actor="gamma-admin")
    with schema_context(gamma.schema_name):
        from wagtail.models import Workflow as W

        W.objects.all().delete()
    section = make_section(gamma, "下发栏目", "pushed")
    syndication.set_policy(site=gamma, landing="publish", section_id=section.pk)
    article = add_article(alpha, "全国下发稿件", body=paragraph("含有省禁词"))  # alpha's lexicon does not block it
    result = syndication.push(source_site=alpha, page_id=article.pk, targets=[gamma], user_name="central")
    record = syndication.deliver(syndication_id=result.created[0].pk)
    assert record.status == "delivered"
    with schema_context(gamma.schema_name):
        assert not ArticlePage.objects.get(pk=record.copy_page_id).live
    assert "未发布，存为草稿" in record.events.get(action="delivered").detail
    assert "省禁词" in record.events.get(action="delivered").detail
