"""Syndication in each site's own admin: inbox, accept, decline, sent items, policy and the page actions."""

from django.test import Client
from django_tasks_db.models import DBTaskResult
from django_tenants.utils import schema_context

from cms.network import syndication
from cms.network.models import Syndication, SyndicationPolicy
from cms.pages.models import ArticlePage
from tests.conftest import ADMIN_PASSWORD, HOSTS, add_article

BASE = "/admin/network/syndication"


class SiteAdmin:
    """A logged-in user of one site's admin; each site keeps its own sessions, so one client per site."""

    def __init__(self, site, username="admin", password=ADMIN_PASSWORD):
        self.host = HOSTS[site.slug]
        self.client = Client()
        response = self.client.post("/admin/login/", {"username": username, "password": password}, HTTP_HOST=self.host)
        assert response.status_code == 302

    def get(self, url, **kwargs):
        return self.client.get(url, HTTP_HOST=self.host, **kwargs)

    def post(self, url, data, **kwargs):
        return self.client.post(url, data, HTTP_HOST=self.host, **kwargs)

    def html(self, url) -> str:
        response = self.get(url)
        assert response.status_code == 200, response.status_code
        return response.content.decode()


def submitted(source, target, title, note=""):
    article = add_article(source, title)
    record = syndication.submit(
        source_site=source, page_id=article.pk, target_site=target, user_name="admin", note=note
    )
    return article, record


def a_section(site):
    """The site's 新闻动态 section (add_article makes it when missing)."""
    article = add_article(site, f"{site.slug} 本站稿件")
    with schema_context(site.schema_name):
        return article.get_parent().specific


def test_an_item_submitted_from_a_city_admin_reaches_only_its_provincial_inbox(alpha, beta, gamma, delta):
    # Given an article published on the city site delta
    article = add_article(delta, "杭州诗歌节报送稿")
    delta_admin = SiteAdmin(delta)
    # When its editor opens 报送上级: only delta's ancestors are offered
    form = delta_admin.get(f"{BASE}/pages/{article.pk}/submit/")
    assert [pk for pk, _ in form.context["form"].fields["target"].choices] == [gamma.pk, alpha.pk]
    # and submits it to gamma with a note
    response = delta_admin.post(f"{BASE}/pages/{article.pk}/submit/", {"target": gamma.pk, "note": "请省文联采用"})
    assert response.status_code == 302 and response["Location"] == f"{BASE}/sent/"
    # Then gamma's inbox shows it, with the sending site and the note; alpha's and beta's do not
    inbox = SiteAdmin(gamma).html(f"{BASE}/inbox/")
    for text in ("杭州诗歌节报送稿", "测试杭州市文联", "请省文联采用", "http://delta.localhost/news/"):
        assert text in inbox, text
    assert "杭州诗歌节报送稿" not in SiteAdmin(alpha).html(f"{BASE}/inbox/")
    assert "杭州诗歌节报送稿" not in SiteAdmin(beta).html(f"{BASE}/inbox/")
    # and delta's 我的报送 lists it as pending
    sent = delta_admin.html(f"{BASE}/sent/")
    assert "杭州诗歌节报送稿" in sent and "待处理" in sent and "测试浙江省文联" in sent


def test_accepting_in_the_admin_makes_a_copy_whose_edit_page_shows_its_provenance(gamma, delta):
    # Given an item submitted from delta to gamma, and a section of gamma
    _, record = submitted(delta, gamma, "采用后有副本的稿件")
    section = a_section(gamma)
    gamma_admin = SiteAdmin(gamma)
    # When gamma's editor accepts it into the section and publishes
    response = gamma_admin.post(
        f"{BASE}/inbox/{record.pk}/accept/", {"section": section.pk, "action": "publish"}, follow=True
    )
    # Then the item is accepted, the message says where it went, and a live copy with provenance is in gamma's tree
    assert "已采用“采用后有副本的稿件”：采用到栏目“新闻动态”，已发布" in response.content.decode()
    record.refresh_from_db()
    assert (record.status, record.copy_state, record.decided_by) == ("accepted", "in_sync", "admin")
    with schema_context(gamma.schema_name):
        copy = ArticlePage.objects.get(pk=record.copy_page_id)
        assert (copy.live, copy.get_parent().pk, copy.syndication_id) == (True, section.pk, record.pk)
        assert copy.source_site_name == "测试杭州市文联" and copy.source_url.startswith("//delta.localhost/news/")
    assert "采用后有副本的稿件" not in gamma_admin.html(f"{BASE}/inbox/")
    # and the copy's edit page shows where it came from, without offering to pass it on
    edit = gamma_admin.html(f"/admin/pages/{copy.pk}/edit/")
    assert "本页转载自" in edit and "测试杭州市文联</a>的《" in edit and f'href="http:{copy.source_url}"' in edit
    assert f"{BASE}/pages/{copy.pk}/" not in edit
    # When the source changes under an edited copy, the edit page and 已采用 flag it
    Syndication.objects.filter(pk=record.pk).update(copy_state=Syndication.CopyState.SOURCE_CHANGED)
    assert "来源已更新，本站副本已改动，请核对" in gamma_admin.html(f"/admin/pages/{copy.pk}/edit/")
    received = gamma_admin.html(f"{BASE}/received/")
    assert "⚠ 来源已更新" in received and f"/admin/pages/{copy.pk}/edit/" in received


def test_accepting_as_a_draft_keeps_the_copy_unpublished(gamma, delta):
    _, record = submitted(delta, gamma, "存为草稿的稿件")
    section = a_section(gamma)
    SiteAdmin(gamma).post(f"{BASE}/inbox/{record.pk}/accept/", {"section": section.pk, "action": "draft"})
    record.refresh_from_db()
    with schema_context(gamma.schema_name):
        copy = ArticlePage.objects.get(pk=record.copy_page_id)
        assert (copy.live, copy.has_unpublished_changes, copy.workflow_in_progress) == (False, True, False)


def test_declining_needs_a_reason_and_the_sender_sees_it(gamma, delta):
    # Given an item submitted from delta to gamma
    _, record = submitted(delta, gamma, "需要退回的稿件")
    gamma_admin = SiteAdmin(gamma)
    # When gamma declines it without a reason
    response = gamma_admin.post(f"{BASE}/inbox/{record.pk}/decline/", {"reason": "   "}, follow=True)
    # Then the editor is told, and the item stays pending in the inbox
    html = response.content.decode()
    assert response.status_code == 200 and "请填写退回理由，报送单位会看到它。" in html and "需要退回的稿件" in html
    record.refresh_from_db()
    assert record.status == "pending"
    # When gamma declines it with a reason
    gamma_admin.post(f"{BASE}/inbox/{record.pk}/decline/", {"reason": "与本站栏目定位不符"})
    record.refresh_from_db()
    assert (record.status, record.decline_reason) == ("declined", "与本站栏目定位不符")
    # Then delta's 我的报送 shows it declined, with the reason
    sent = SiteAdmin(delta).html(f"{BASE}/sent/")
    assert "需要退回的稿件" in sent and "已退回" in sent and "与本站栏目定位不符" in sent


def test_a_site_cannot_act_on_another_sites_inbox_item(alpha, gamma, delta):
    # Given an item in gamma's inbox, and alpha (delta's grandparent) with a section of its own
    _, record = submitted(delta, gamma, "只属于省文联收件箱的稿件")
    section = a_section(alpha)
    alpha_admin = SiteAdmin(alpha)
    # When alpha's admin posts an accept and a decline with gamma's item id
    accepted = alpha_admin.post(
        f"{BASE}/inbox/{record.pk}/accept/", {"section": section.pk, "action": "publish"}, follow=True
    )
    declined = alpha_admin.post(f"{BASE}/inbox/{record.pk}/decline/", {"reason": "越权退回"}, follow=True)
    # Then both are refused with a message, not an error page, and nothing changes
    for response in (accepted, declined):
        assert response.status_code == 200 and "本站收件箱中没有这条报送。" in response.content.decode()
    record.refresh_from_db()
    assert (record.status, record.copy_page_id, record.decline_reason) == ("pending", None, "")
    with schema_context(alpha.schema_name):
        assert not ArticlePage.objects.filter(title="只属于省文联收件箱的稿件").exists()


def test_the_push_form_of_a_provincial_site_lists_its_city_only_and_queues_delivery(alpha, beta, gamma, delta):
    # Given an article of gamma
    article = add_article(gamma, "省文联下发的通知稿")
    gamma_admin = SiteAdmin(gamma)
    # Then its edit page offers 报送上级 and 下发, and the push form lists delta only
    edit = gamma_admin.html(f"/admin/pages/{article.pk}/edit/")
    assert f"{BASE}/pages/{article.pk}/submit/" in edit and f"{BASE}/pages/{article.pk}/push/" in edit
    form = gamma_admin.get(f"{BASE}/pages/{article.pk}/push/")
    assert [pk for pk, _ in form.context["form"].fields["targets"].choices] == [delta.pk]
    # When gamma chooses to push to selected sites but selects none, it is told so and nothing is recorded
    refused = gamma_admin.post(f"{BASE}/pages/{article.pk}/push/", {"scope": "chosen"})
    assert refused.status_code == 200 and "请勾选至少一个下级网站" in refused.content.decode()
    assert not Syndication.objects.filter(source_site=gamma, source_page_id=article.pk).exists()
    # When gamma pushes it to all its descendants
    response = gamma_admin.post(f"{BASE}/pages/{article.pk}/push/", {"scope": "all", "note": "请转载"}, follow=True)
    # Then one delivery is queued, for delta
    assert "已下发“省文联下发的通知稿”：1 个网站排队送达。" in response.content.decode()
    record = Syndication.objects.get(source_site=gamma, source_page_id=article.pk)
    assert (record.direction, record.target_site_id, record.status) == ("down", delta.pk, "pending")
    task = DBTaskResult.objects.filter(task_path="cms.network.jobs.deliver_pushed").latest("enqueued_at")
    assert task.args_kwargs["args"] == [[record.pk]]
    # and pushing again skips delta, which already has it
    again = gamma_admin.post(f"{BASE}/pages/{article.pk}/push/", {"scope": "all"}, follow=True).content.decode()
    assert "0 个网站排队送达；1 个网站已有此稿件，跳过（测试杭州市文联）" in again


def test_a_city_site_without_descendants_is_not_offered_push(delta):
    article = add_article(delta, "市文联自己的稿件")
    delta_admin = SiteAdmin(delta)
    assert f"{BASE}/pages/{article.pk}/push/" not in delta_admin.html(f"/admin/pages/{article.pk}/edit/")
    response = delta_admin.get(f"{BASE}/pages/{article.pk}/push/", follow=True)
    assert "本站没有可下发的下级网站。" in response.content.decode()


def test_the_policy_form_saves_landing_and_section(gamma):
    section = a_section(gamma)
    gamma_admin = SiteAdmin(gamma)
    assert "转载设置" in gamma_admin.html(f"{BASE}/policy/")
    response = gamma_admin.post(f"{BASE}/policy/", {"landing": "publish", "section": section.pk})
    assert response.status_code == 302
    policy = SyndicationPolicy.objects.get(site=gamma)
    assert (policy.landing, policy.section_id) == ("publish", section.pk)
    # another site's page id is not one of this site's sections
    refused = gamma_admin.post(f"{BASE}/policy/", {"landing": "draft", "section": 999999})
    assert refused.status_code == 200 and "请选择本站的一个栏目。" in refused.content.decode()
    assert SyndicationPolicy.objects.get(site=gamma).landing == "publish"


def test_only_editors_who_can_publish_see_and_use_syndication(gamma, delta):
    # Given an item in gamma's inbox, and two gamma users: one who may publish, one who may only edit
    _, record = submitted(delta, gamma, "权限测试稿件")
    with schema_context(gamma.schema_name):
        from django.contrib.auth.models import Group, Permission
        from wagtail.models import GroupPagePermission, Page

        from cms.accounts.models import User

        # a group that may write but not publish (Wagtail's default "Editors" is no longer made)
        writers = Group.objects.create(name="撰稿")
        writers.permissions.add(Permission.objects.get(codename="access_admin"))
        for codename in ("add_page", "change_page"):
            GroupPagePermission.objects.create(
                group=writers, page=Page.get_first_root_node(), permission=Permission.objects.get(codename=codename)
            )
        for username, group in (("publisher", "编辑"), ("writer", "撰稿")):
            User.objects.create_user(username=username, password="pw-" + username).groups.add(
                Group.objects.get(name=group)
            )
    publisher, writer = SiteAdmin(gamma, "publisher", "pw-publisher"), SiteAdmin(gamma, "writer", "pw-writer")
    # Then the publisher has the menu and the inbox; the writer has neither and cannot decline
    assert f"{BASE}/inbox/" in publisher.html("/admin/") and "权限测试稿件" in publisher.html(f"{BASE}/inbox/")
    assert f"{BASE}/inbox/" not in writer.html("/admin/")
    for refused in (
        writer.get(f"{BASE}/inbox/"),
        writer.post(f"{BASE}/inbox/{record.pk}/decline/", {"reason": "无权退回"}),
    ):
        assert (refused.status_code, refused["Location"]) == (302, "/admin/")  # Wagtail's "no permission" redirect
    record.refresh_from_db()
    assert record.status == "pending"
