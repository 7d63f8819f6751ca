"""Syndication up (报送) and down (下发) across real site schemas, and keeping copies true."""

import os

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context
from wagtail.models import GroupApprovalTask, Page, Workflow, WorkflowPage, WorkflowTask

from cms.media.models import SiteImage
from cms.network import syndication
from cms.network.models import IndexEntry, Syndication, SyndicationEvent
from cms.network.syndication import SyndicationError
from cms.pages.models import ArticlePage, SectionPage
from sites.services import archive_site
from tests.api.conftest import graphql_data
from tests.conftest import ADMIN_PASSWORD, HOSTS, add_article
from tests.factories import make_document, make_image, make_restricted_document, make_section, rich_body


def copy_of(record: Syndication):
    with schema_context(record.target_site.schema_name):
        return ArticlePage.objects.get(pk=record.copy_page_id)


def submitted(source, target, page, note="请采用"):
    return syndication.submit(
        source_site=source, page_id=page.pk, target_site=target, user_name="city-editor", note=note
    )


def editor(site):
    """The receiving site's own administrator (a user of its schema)."""
    from cms.accounts.models import User

    with schema_context(site.schema_name):
        return User.objects.get(username="admin")


def accepted(record, receiver, **options):
    return syndication.accept(
        syndication_id=record.pk,
        receiver=receiver,
        section_id=section_of(receiver).pk,
        user=editor(receiver),
        **options,
    )


def without_workflows(site):
    """Wagtail's default moderation workflow sits on every blank site's root; some tests publish straight."""
    with schema_context(site.schema_name):
        Workflow.objects.all().delete()


def section_of(site, slug="news"):
    with schema_context(site.schema_name):
        section = SectionPage.objects.filter(slug=slug).first()
    return section or make_section(site, "新闻动态", slug)


@pytest.fixture
def city_article(delta):
    """A city's article with a cover, a gallery, an attachment and a link to another of its pages."""
    image, document = make_image(delta, "封面图"), make_document(delta, "活动方案")
    linked = add_article(delta, "往期回顾")
    return add_article(
        delta,
        "杭州诗歌节开幕",
        summary="诗歌节摘要",
        cover=image,
        art_forms=["literature"],
        body=rich_body(image, document, text="诗歌节正文", link_to=linked),
    )


def test_an_item_submitted_up_is_accepted_as_a_copy_with_provenance(client, delta, gamma, city_article):
    # Given a city submits its article to its provincial federation
    record = submitted(delta, gamma, city_article)
    assert list(syndication.inbox(gamma)) == [record] and not syndication.inbox(delta).exists()
    # When the province accepts it into its news section
    record = accepted(record, gamma)
    # Then the province has a published copy that names its source
    copy = copy_of(record)
    assert (record.status, copy.live, copy.title, copy.summary) == ("accepted", True, "杭州诗歌节开幕", "诗歌节摘要")
    assert copy.source_site_name == "测试杭州市文联" and copy.source_url.startswith("//delta.localhost/news/")
    assert copy.canonical_url == copy.source_url  # stored portable, completed when read
    # with its images and attachment copied into the province's own media, and the page link made absolute
    with schema_context(gamma.schema_name):
        cover = SiteImage.objects.get(pk=copy.cover_id)
        assert cover.file.name.startswith("original_images/") and default_storage.exists(cover.file.name)
        assert os.path.join("gamma", "") in cover.file.path
        body = copy.body.raw_data
        kinds = {block["type"]: block["value"] for block in body}
        assert kinds["image"]["image"] == copy.cover_id
        assert (
            'href="http://delta.localhost/news/' in kinds["paragraph"] and 'linktype="page"' not in kinds["paragraph"]
        )
        first_item = kinds["gallery"]["images"][0]
        assert SiteImage.objects.filter(pk=first_item.get("value", first_item)["image"]).exists()
    # and the national index knows the copy points at the original
    row = IndexEntry.objects.get(site=gamma, page_id=copy.pk)
    assert (row.canonical_url, row.source_site_name) == (copy.source_url, "测试杭州市文联")
    # and the API exposes the provenance
    query = (
        "query($id: ID) { page(id: $id) { ... on ArticlePage { provenance { sourceSite sourceUrl canonicalUrl } } } }"
    )
    provenance = graphql_data(client, query, host=HOSTS["gamma"], variables={"id": str(copy.pk)})["page"]["provenance"]
    source_url = f"http:{copy.source_url}"
    assert provenance == {"sourceSite": "测试杭州市文联", "sourceUrl": source_url, "canonicalUrl": source_url}
    # and every move is on record
    actions = list(
        SyndicationEvent.objects.filter(syndication=record).values_list("action", "actor", "from_site", "to_site")
    )
    assert actions == [
        ("submitted", "city-editor", "测试杭州市文联", "测试浙江省文联"),
        ("accepted", "admin", "测试杭州市文联", "测试浙江省文联"),
    ]


def test_items_go_up_to_ancestors_only_and_only_once(delta, gamma, alpha, beta, city_article):
    submitted(delta, alpha, city_article)  # the national federation is an ancestor too
    with pytest.raises(SyndicationError, match="不是“测试杭州市文联”的上级"):
        submitted(delta, beta, city_article)
    with pytest.raises(SyndicationError, match="不会重复"):
        submitted(delta, alpha, city_article)
    assert Syndication.objects.filter(source_site=delta).count() == 1


def test_drafts_and_pages_that_are_not_items_cannot_be_submitted(delta, gamma):
    article = add_article(delta, "草稿")
    with schema_context(delta.schema_name):
        Page.objects.get(pk=article.pk).specific.unpublish()
    with pytest.raises(SyndicationError, match="尚未发布"):
        submitted(delta, gamma, article)
    with pytest.raises(SyndicationError, match="不是稿件"):
        submitted(delta, gamma, section_of(delta))
    with pytest.raises(SyndicationError, match="没有编号"):
        syndication.submit(source_site=delta, page_id=987654, target_site=gamma, user_name="x")


def test_accepting_twice_or_another_site_s_item_is_refused(delta, gamma, alpha, city_article):
    record = submitted(delta, gamma, city_article)
    with pytest.raises(SyndicationError, match="收件箱中没有"):
        syndication.accept(syndication_id=record.pk, receiver=alpha, section_id=section_of(alpha).pk)
    accepted(record, gamma)
    with pytest.raises(SyndicationError, match="已处理"):
        accepted(record, gamma)
    with schema_context(gamma.schema_name):
        assert ArticlePage.objects.filter(title="杭州诗歌节开幕").count() == 1


def test_a_declined_item_tells_the_sender_why(delta, gamma, city_article):
    record = submitted(delta, gamma, city_article)
    with pytest.raises(SyndicationError, match="请填写退回理由"):
        syndication.decline(syndication_id=record.pk, receiver=gamma, reason="  ", user_name="province-editor")
    assert Syndication.objects.get(pk=record.pk).status == "pending"
    syndication.decline(syndication_id=record.pk, receiver=gamma, reason="与本站栏目不符", user_name="province-editor")
    sent = syndication.sent(delta).get(pk=record.pk)
    assert (sent.status, sent.decline_reason, sent.decided_by) == ("declined", "与本站栏目不符", "province-editor")
    # and it may be submitted again afterwards
    assert submitted(delta, gamma, city_article).status == "pending"


def test_a_source_deleted_mid_flight_withdraws_the_item_and_copies_nothing(delta, gamma, city_article):
    record = submitted(delta, gamma, city_article)
    with schema_context(delta.schema_name):
        Page.objects.get(pk=city_article.pk).delete()
    record.refresh_from_db()
    assert record.status == "withdrawn"  # the deletion withdrew it at once
    with pytest.raises(SyndicationError, match="已处理"):
        syndication.accept(syndication_id=record.pk, receiver=gamma, section_id=section_of(gamma).pk)
    with schema_context(gamma.schema_name):
        assert not ArticlePage.objects.filter(title="杭州诗歌节开幕").exists()


def test_a_source_that_disappears_between_submit_and_accept_is_reported(delta, gamma, city_article):
    record = submitted(delta, gamma, city_article)
    # The source goes without its signals (e.g. restored from an older backup)
    Syndication.objects.filter(pk=record.pk).update(source_page_id=987654)
    images_before = _image_count(gamma)
    with pytest.raises(SyndicationError, match="来源稿件已被删除"):
        syndication.accept(syndication_id=record.pk, receiver=gamma, section_id=section_of(gamma).pk)
    record.refresh_from_db()
    assert record.status == "withdrawn" and record.events.filter(action="withdrawn").exists()
    assert _image_count(gamma) == images_before


def _image_count(site):
    with schema_context(site.schema_name):
        return SiteImage.objects.count()


def test_an_archived_receiver_cannot_take_items(delta, gamma, city_article):
    record = submitted(delta, gamma, city_article)
    archive_site(association=gamma)
    with pytest.raises(SyndicationError, match="已归档"):
        syndication.accept(syndication_id=record.pk, receiver=gamma, section_id=section_of(gamma).pk)
    with pytest.raises(SyndicationError, match="已归档"):
        submitted(delta, gamma, add_article(delta, "另一篇"))
    assert Syndication.objects.get(pk=record.pk).status == "pending"  # nothing lost


def test_a_failing_accept_leaves_no_copy_and_no_files(delta, gamma, city_article, monkeypatch):
    record = submitted(delta, gamma, city_article)
    images_before, files_before = _image_count(gamma), _files(gamma)

    def broken(page, *, publish, user):
        raise RuntimeError("publishing failed")

    monkeypatch.setattr(syndication, "_land", broken)
    with pytest.raises(RuntimeError):
        syndication.accept(syndication_id=record.pk, receiver=gamma, section_id=section_of(gamma).pk)
    record.refresh_from_db()
    assert record.status == "pending" and record.copy_page_id is None
    assert _image_count(gamma) == images_before
    with schema_context(gamma.schema_name):
        assert not ArticlePage.objects.filter(title="杭州诗歌节开幕").exists()
    assert _files(gamma) == files_before


def _files(site) -> set[str]:
    with schema_context(site.schema_name):
        root = default_storage.location
    return {os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names}


def test_an_item_pushed_down_lands_as_each_receiver_s_policy_says(alpha, beta, gamma, delta):
    article = add_article(alpha, "全国文联通知精神")
    without_workflows(gamma)
    syndication.set_policy(site=gamma, landing="publish", section_id=section_of(gamma).pk)
    result = syndication.push(source_site=alpha, page_id=article.pk, targets=None, user_name="central-editor")
    assert sorted(r.target_site.slug for r in result.created) == ["beta", "delta", "gamma"]
    progress = []
    counts = syndication.deliver_all(
        syndication_ids=[r.pk for r in result.created],
        progress=lambda n, total, r: progress.append((n, total, r.status)),
    )
    assert counts == {"delivered": 3, "failed": 0} and progress[-1] == (3, 3, "delivered")
    copies = {r.target_site.slug: copy_of(Syndication.objects.get(pk=r.pk)) for r in result.created}
    # gamma publishes into its chosen section; beta and delta (default policy) get drafts in a 转载 section
    with schema_context(gamma.schema_name):
        assert copies["gamma"].live and copies["gamma"].get_parent().pk == section_of(gamma).pk
    assert not copies["beta"].live and not copies["delta"].live
    with schema_context(beta.schema_name):
        assert Page.objects.get(pk=copies["beta"].pk).get_parent().slug == "syndicated"
    # a second push to the same receivers adds nothing
    again = syndication.push(source_site=alpha, page_id=article.pk, targets=[beta], user_name="central-editor")
    assert again.created == [] and again.skipped == ["测试作家协会"]


def test_pushes_go_down_only(gamma, beta, alpha, delta):
    article = add_article(gamma, "省文联稿件")
    with pytest.raises(SyndicationError, match="只能下发给本站的下级网站"):
        syndication.push(source_site=gamma, page_id=article.pk, targets=[beta], user_name="x")
    with pytest.raises(SyndicationError, match="只能下发给本站的下级网站"):
        syndication.push(source_site=gamma, page_id=article.pk, targets=[alpha], user_name="x")
    assert [s.slug for s in syndication.descendants(gamma)] == ["delta"]
    assert [s.slug for s in syndication.ancestors(delta)] == ["gamma", "alpha"]


def test_a_push_to_a_receiver_archived_before_delivery_fails_on_record(alpha, beta):
    article = add_article(alpha, "下发稿件")
    result = syndication.push(source_site=alpha, page_id=article.pk, targets=[beta], user_name="x")
    archive_site(association=beta)
    record = syndication.deliver(syndication_id=result.created[0].pk)
    assert (record.status, "已归档" in record.error) == ("failed", True)


def test_items_pass_the_receiver_s_review_workflow(alpha, gamma):
    with schema_context(gamma.schema_name):
        workflow = Workflow.objects.create(name="三审三校")
        task = GroupApprovalTask.objects.create(name="初审")
        task.groups.set(Group.objects.filter(name="Moderators"))
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        WorkflowPage.objects.create(page=Page.objects.get(pk=section_of(gamma).pk), workflow=workflow)
    syndication.set_policy(site=gamma, landing="publish", section_id=section_of(gamma).pk)
    article = add_article(alpha, "需要审核的稿件")
    result = syndication.push(source_site=alpha, page_id=article.pk, targets=[gamma], user_name="x")
    record = syndication.deliver(syndication_id=result.created[0].pk)
    copy = copy_of(record)
    with schema_context(gamma.schema_name):
        assert not copy.live
        assert copy.workflow_in_progress
    assert "已提交审核（三审三校）" in record.events.get(action="delivered").detail


def test_unchanged_copies_follow_their_source_and_edited_ones_are_flagged(delta, gamma, alpha, city_article):
    # Given two copies of one item: gamma's untouched, alpha's edited by its editors
    without_workflows(gamma)
    records = [accepted(submitted(delta, receiver, city_article), receiver) for receiver in (gamma, alpha)]
    with schema_context(alpha.schema_name):
        edited = ArticlePage.objects.get(pk=records[1].copy_page_id)
        edited.title = "本站改过的标题"
        edited.save_revision().publish()
    # When the source is republished
    with schema_context(delta.schema_name):
        source = ArticlePage.objects.get(pk=city_article.pk)
        source.title = "杭州诗歌节开幕（更新）"
        source.save_revision().publish()
    for record in records:
        syndication.refresh_copy(syndication_id=record.pk)
    # Then the untouched copy follows; the edited one keeps its text and is flagged for its editors
    gamma_record, alpha_record = (Syndication.objects.get(pk=r.pk) for r in records)
    assert (copy_of(gamma_record).title, gamma_record.copy_state) == ("杭州诗歌节开幕（更新）", "in_sync")
    assert copy_of(gamma_record).live
    assert (copy_of(alpha_record).title, alpha_record.copy_state) == ("本站改过的标题", "source_changed")
    # And when the source is unpublished, every copy is flagged
    with schema_context(delta.schema_name):
        ArticlePage.objects.get(pk=city_article.pk).unpublish()
    assert set(Syndication.objects.filter(pk__in=[r.pk for r in records]).values_list("copy_state", flat=True)) == {
        "source_unpublished"
    }


def test_republishing_a_source_queues_the_refresh_of_its_copies(
    delta, gamma, city_article, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    record = submitted(delta, gamma, city_article)
    syndication.accept(syndication_id=record.pk, receiver=gamma, section_id=section_of(gamma).pk)
    with django_capture_on_commit_callbacks(execute=True):
        with schema_context(delta.schema_name):
            ArticlePage.objects.get(pk=city_article.pk).save_revision().publish()
    queued = DBTaskResult.objects.filter(task_path="cms.network.jobs.refresh_copies").order_by("-enqueued_at").first()
    assert queued is not None and queued.args_kwargs["args"] == [[record.pk]]


def test_copies_are_not_syndicated_again(delta, gamma, alpha, city_article):
    record = accepted(submitted(delta, gamma, city_article), gamma)
    with pytest.raises(SyndicationError, match="本身是转载稿件"):
        syndication.submit(source_site=gamma, page_id=record.copy_page_id, target_site=alpha, user_name="x")


def test_the_services_leave_the_caller_in_its_own_schema(delta, gamma, city_article):
    # An admin request in gamma's schema goes on in gamma's schema after accepting (its session lives there)
    from django.db import connection

    record = submitted(delta, gamma, city_article)
    with schema_context(gamma.schema_name):
        accepted(record, gamma)
        assert connection.schema_name == gamma.schema_name


def test_private_pages_are_not_syndicated(delta, gamma):
    from wagtail.models import PageViewRestriction

    article = add_article(delta, "内部资料")
    with schema_context(delta.schema_name):
        PageViewRestriction.objects.create(page=Page.objects.get(pk=article.pk), restriction_type="login")
    with pytest.raises(SyndicationError, match="非公开"):
        submitted(delta, gamma, article)


def test_a_push_goes_on_past_a_receiver_that_fails_unexpectedly(alpha, beta, gamma, monkeypatch):
    article = add_article(alpha, "下发给两个网站")
    result = syndication.push(source_site=alpha, page_id=article.pk, targets=[beta, gamma], user_name="x")
    real_write = syndication.write_copy

    def write_copy(item, **kwargs):
        from django.db import connection

        if connection.schema_name == beta.schema_name:
            raise ValueError("磁盘已满")
        return real_write(item, **kwargs)

    monkeypatch.setattr(syndication, "write_copy", write_copy)
    counts = syndication.deliver_all(syndication_ids=[r.pk for r in result.created])
    assert counts == {"delivered": 1, "failed": 1}
    failed = Syndication.objects.get(target_site=beta, source_page_id=article.pk)
    assert failed.status == "failed" and "磁盘已满" in failed.error


def test_a_missing_media_file_does_not_stop_a_copy(delta, gamma, city_article):
    from cms.media.models import SiteImage

    with schema_context(delta.schema_name):
        cover = SiteImage.objects.get(pk=ArticlePage.objects.get(pk=city_article.pk).cover_id)
        os.remove(cover.file.path)
    record = accepted(submitted(delta, gamma, city_article), gamma)
    copy = copy_of(record)
    assert record.status == "accepted" and copy.cover_id is None


def test_restricted_attachments_are_never_copied_and_the_editor_is_told(client, delta, gamma):
    from cms.media.models import SiteDocument

    # Given a city's article whose attachment and rich-text link point to a login-restricted document
    image, secret = make_image(delta, "公开封面"), make_restricted_document(delta, "内部通知原件")
    linked = add_article(delta, "相关稿件")
    article = add_article(delta, "含内部附件的稿件", cover=image, body=rich_body(image, secret, link_to=linked))
    # When the province accepts it
    record = accepted(submitted(delta, gamma, article), gamma)
    copy = copy_of(record)
    # Then the public image came along, but the restricted document did not, in any form
    with schema_context(gamma.schema_name):
        assert copy.cover_id is not None
        assert not SiteDocument.objects.filter(title="内部通知原件").exists()
    body = {block.block_type: block.value for block in copy.body}
    assert body["attachment"]["document"] is None
    assert f'id="{secret.pk}"' not in copy.body.raw_data[0]["value"] and "附件</a>" in copy.body.raw_data[0]["value"]
    # and the record the editor sees says what was left out and why
    detail = record.events.get(action="accepted").detail
    assert "文档“内部通知原件”在来源网站设有访问限制，未随稿件复制" in detail
    # and nothing of it can be fetched anonymously from the province's host
    listing = client.post(
        "/graphql/",
        {"query": "{ documents(limit: 100) { title url } }"},
        content_type="application/json",
        HTTP_HOST=HOSTS["gamma"],
    ).json()["data"]["documents"]
    assert "内部通知原件" not in [document["title"] for document in listing]


def test_a_site_deleted_and_restored_from_its_backup_gets_its_syndication_records_back(committed, tmp_path):
    from sites import backup, services
    from sites.models import Association

    # Given a city that submitted an item to its province, which accepted it, and received a push from it
    province = services.create_site(
        name="临时恢复省",
        short_name="恢复省",
        slug="tmp-rl-prov",
        kind="provincial",
        domain="tmp-rl-prov.localhost",
        parent=Association.objects.get(slug="alpha"),
        theme="blank",
        admin=services.SiteAdmin("admin", ADMIN_PASSWORD),
    )
    city = services.create_site(
        name="临时恢复市",
        short_name="恢复市",
        slug="tmp-rl-city",
        kind="municipal",
        domain="tmp-rl-city.localhost",
        parent=province,
        theme="blank",
    )
    up = accepted(submitted(city, province, add_article(city, "市里的稿件")), province)
    down = syndication.push(
        source_site=province,
        page_id=add_article(province, "省里的通知").pk,
        targets=[city],
        user_name="province-editor",
    ).created[0]
    # When the city is backed up, deleted (its records then name no site) and restored
    archive = backup.backup_site(association=city, target=tmp_path / "city.tar.gz")
    services.delete_site(association=city)
    assert (
        Syndication.objects.get(pk=up.pk).source_site is None
        and Syndication.objects.get(pk=down.pk).target_site is None
    )
    restored = backup.restore_site(source=archive)
    # Then both records point to the restored site again, and its copy of the pushed item can still land
    assert Syndication.objects.get(pk=up.pk).source_site_id == restored.pk
    assert Syndication.objects.get(pk=down.pk).target_site_id == restored.pk
    assert syndication.deliver(syndication_id=down.pk).status == "delivered"
    with schema_context(restored.schema_name):
        assert ArticlePage.objects.filter(title="省里的通知").count() == 1
