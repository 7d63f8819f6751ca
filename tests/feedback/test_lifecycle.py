"""The whole life of an opinion across real tenants: submitted on a city site (delta), forwarded to its province
(gamma), answered there, followed by its tracking code throughout."""

from django_tenants.utils import schema_context

from cms.feedback import services
from cms.feedback.models import Opinion, OpinionEvent
from cms.feedback.receipts.models import Receipt
from tests.conftest import HOSTS

from .conftest import LOOKUP, admin_client, admin_user, graphql, make_mailbox, submit


def test_an_opinion_submitted_on_a_city_site_is_forwarded_to_the_province_answered_and_tracked(
    client, delta, gamma, alpha
):
    # given a mailbox on the city site and one on its province
    mailbox = make_mailbox(delta)
    make_mailbox(gamma)

    # when someone submits through the GraphQL mutation
    response = submit(
        client,
        HOSTS["delta"],
        channel=str(mailbox.pk),
        category="文艺创作",
        address="浙江省杭州市西湖区北山街道曙光路12号3单元",
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.content
    answer = response.json()["data"]["submitOpinion"]
    code = answer["code"]
    assert answer["status"] == "NEW" and len(code) == 19

    # then it is stored once in delta's schema, with a receipt in the public schema and none in gamma
    with schema_context(delta.schema_name):
        opinion = Opinion.objects.get()
        assert opinion.name == "张三" and opinion.category == "文艺创作"
    with schema_context(gamma.schema_name):
        assert not Opinion.objects.exists()
    assert Receipt.objects.get().site_id == delta.pk

    # and the code shows its status on any site, with no personal data
    looked_up = graphql(client, HOSTS["alpha"], LOOKUP, {"code": code.lower()}).json()["data"]["opinion"]
    assert looked_up["status"] == "NEW" and looked_up["siteName"] == delta.name
    assert "张三" not in str(looked_up) and "1381234" not in str(looked_up)

    # when delta forwards it to gamma (its parent) through the admin
    staff = admin_client(delta)
    form = staff.post(
        f"/admin/opinions/{opinion.pk}/action/",
        {"action": "forward", "site": gamma.pk, "note": "属省文联职责"},
        HTTP_HOST=HOSTS["delta"],
    )
    assert form.status_code == 302

    # then both sides record it and the code now points at gamma
    with schema_context(delta.schema_name):
        source = Opinion.objects.get()
        assert source.status == Opinion.Status.FORWARDED and source.forwarded_to_site_id == gamma.pk
        assert source.events.filter(kind=OpinionEvent.Kind.FORWARDED_OUT).exists()
    with schema_context(gamma.schema_name):
        copy = Opinion.objects.get()
        assert copy.forwarded_from_site_id == delta.pk and copy.name == "张三" and copy.status == Opinion.Status.NEW
        assert copy.events.filter(kind=OpinionEvent.Kind.FORWARDED_IN).exists()
        assert copy.events.filter(kind=OpinionEvent.Kind.SUBMITTED).exists()  # history came along
    looked_up = graphql(client, HOSTS["delta"], LOOKUP, {"code": code}).json()["data"]["opinion"]
    assert looked_up["siteName"] == gamma.name and looked_up["forwarded"] is True

    # when gamma answers and closes it
    with schema_context(gamma.schema_name):
        services.reply(opinion_id=copy.pk, user=admin_user(gamma), text="感谢您的建议，我会将于明年开展基层培训。")
        services.close(opinion_id=copy.pk, user=admin_user(gamma))

    # then the code shows the reply and the dates
    looked_up = graphql(client, HOSTS["beta"], LOOKUP, {"code": code}).json()["data"]["opinion"]
    assert looked_up["status"] == "CLOSED" and "基层培训" in looked_up["reply"] and looked_up["repliedAt"]


def test_forwarding_outside_the_hierarchy_is_refused_and_changes_nothing(client, delta, beta):
    # given an opinion on delta
    mailbox = make_mailbox(delta)
    code = submit(client, HOSTS["delta"], channel=str(mailbox.pk)).json()["data"]["submitOpinion"]["code"]
    with schema_context(delta.schema_name):
        opinion = Opinion.objects.get()
        # when it is forwarded to beta, which is neither its parent nor its child
        try:
            services.forward(opinion_id=opinion.pk, user=admin_user(delta), to_site_id=beta.pk)
            raise AssertionError("forwarding to a site outside the hierarchy was accepted")
        except services.HandlingError as error:
            assert "上级或下级" in str(error)
        # then nothing moved
        assert Opinion.objects.get().status == Opinion.Status.NEW
    with schema_context(beta.schema_name):
        assert not Opinion.objects.exists()
    assert graphql(client, HOSTS["delta"], LOOKUP, {"code": code}).json()["data"]["opinion"]["siteName"] == delta.name


def test_unknown_and_malformed_codes_are_the_same_404(client, delta):
    # given no opinion with these codes; when looked up
    for code in ("ABCD-EFGH-JKMN-PQRS", "x", "'; drop table --"):
        response = graphql(client, HOSTS["delta"], LOOKUP, {"code": code})
        # then each is a 404 with one Chinese message
        assert response.status_code == 404, response.content
        assert response.json()["errors"][0]["message"] == "查询码不存在，请核对后重新输入。"


def test_code_lookups_are_rate_limited_per_address(client, delta, settings):
    # given a limit of 3 lookups per window
    settings.CMS_OPINION_LIMITS = {**settings.CMS_OPINION_LIMITS, "lookups_per_address": 3}
    # when one address guesses four times
    statuses = [
        graphql(client, HOSTS["delta"], LOOKUP, {"code": f"ABCD-EFGH-JKMN-PQR{i}"}, REMOTE_ADDR="10.9.9.9").status_code
        for i in range(4)
    ]
    # then the fourth is refused with 429, while another address may still ask
    assert statuses == [404, 404, 404, 429]
    assert (
        graphql(client, HOSTS["delta"], LOOKUP, {"code": "ABCD-EFGH-JKMN-PQRS"}, REMOTE_ADDR="10.9.9.8").status_code
        == 404
    )


def test_the_inbox_shows_opinions_and_personal_data_only_with_the_permission(client, delta):
    from django.contrib.auth.models import Group, Permission

    from cms.accounts.models import User

    # given an opinion and a handler who may handle but not see personal data
    mailbox = make_mailbox(delta)
    submit(client, HOSTS["delta"], channel=str(mailbox.pk), name="李四", contact="13900001111")
    with schema_context(delta.schema_name):
        group = Group.objects.create(name="意见办理")
        group.permissions.add(
            Permission.objects.get(codename="handle_opinion"), Permission.objects.get(codename="access_admin")
        )
        handler = User.objects.create_user("handler", password="a-long-password-for-tests")
        handler.groups.add(group)
        opinion_id = Opinion.objects.get().pk
    staff = client
    staff.force_login(handler)
    # when the handler opens the inbox and the opinion, asking for personal data
    inbox = staff.get("/admin/opinions/", HTTP_HOST=HOSTS["delta"])
    detail = staff.get(f"/admin/opinions/{opinion_id}/?show=personal", HTTP_HOST=HOSTS["delta"])
    # then the opinion is listed, its personal data is not shown
    assert inbox.status_code == 200 and f"#{opinion_id}" in inbox.content.decode()
    assert (
        detail.status_code == 200
        and "李四" not in detail.content.decode()
        and "13900001111" not in detail.content.decode()
    )
    # and the administrator (who has every permission) sees it, through the one audited function
    admin = admin_client(delta)
    seen = admin.get(f"/admin/opinions/{opinion_id}/?show=personal", HTTP_HOST=HOSTS["delta"]).content.decode()
    assert "李四" in seen and "13900001111" in seen
    # and that view (only that one: the handler saw none) is in the site's audit log, with who and where
    from cms.audit.models import AuditEntry

    views = AuditEntry.objects.filter(schema_name=delta.schema_name, action="feedback.personal_data_viewed")
    assert [(entry.object_id, entry.details.get("purpose")) for entry in views] == [(str(opinion_id), "view")]
    assert views.get().username and views.get().ip_address


def test_a_submitted_opinion_reaches_the_opinion_watch_with_personal_data_masked(client, delta):
    from cms.feedback.signals import opinion_submitted

    # given something listening to the channel, as the opinion watch does
    seen = []

    def listen(sender, **kwargs):
        seen.append(kwargs)

    opinion_submitted.connect(listen)
    try:
        # when an opinion naming a phone number is submitted
        mailbox = make_mailbox(delta)
        response = submit(client, HOSTS["delta"], channel=str(mailbox.pk), content="请联系我13900001111，谈谈创作补贴")
        assert "errors" not in response.json(), response.content
    finally:
        opinion_submitted.disconnect(listen)
    # then the watch is told once, with the site and the content masked
    with schema_context(delta.schema_name):
        opinion = Opinion.objects.get()
    assert len(seen) == 1 and seen[0]["site"] == delta
    assert seen[0]["external_id"] == f"{delta.schema_name}:{opinion.pk}"
    assert "13900001111" not in seen[0]["text"] and "139****1111" in seen[0]["text"]


def test_page_lists_hold_the_channels_pages(client, delta):
    # given a site with a mailbox among its pages
    mailbox = make_mailbox(delta)
    # when a front end lists the site's pages
    answer = graphql(client, HOSTS["delta"], "{ pages(limit: 100) { id title pageType } }").json()
    # then the mailbox is listed with its type, and nothing else about the channel is exposed there
    assert "errors" not in answer, answer
    listed = {page["id"]: page["pageType"] for page in answer["data"]["pages"]}
    assert listed[str(mailbox.pk)] == "MailboxPage"
