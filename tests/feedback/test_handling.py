"""Handling: drafts for comment and their report, masking for public Q&A, deadlines in working days across
National Day 2026, reminders and escalation, retention, figures and export, and per-site isolation."""

import csv
import datetime
import io
import zoneinfo

import openpyxl
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from cms.feedback import export, selectors, services
from cms.feedback.masking import mask, mask_address
from cms.feedback.models import Opinion, OpinionAttachment, OpinionEvent, ReplyTemplate
from cms.feedback.receipts.models import Receipt
from tests.conftest import HOSTS

from .conftest import admin_client, admin_user, graphql, make_campaign, make_mailbox, submit

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def opinion_on(site, client, channel, **fields):
    response = submit(client, HOSTS[site.slug], channel=str(channel.pk), **fields)
    assert response.status_code == 200 and "errors" not in response.json(), response.content
    with schema_context(site.schema_name):
        return Opinion.objects.order_by("-id").first()


def test_a_draft_for_comment_collects_comments_by_article_and_exports_its_report(client, delta):
    # given a draft regulation in three articles
    campaign = make_campaign(
        delta,
        title="关于《文艺工作者权益保障办法》征求意见",
        articles=[(1, "总则", "为了保障……"), (2, "权利", "文艺工作者享有……"), (3, "附则", "本办法自……")],
    )
    # when people comment on articles 1 and 2
    first = opinion_on(delta, client, campaign, article=1, content="第一条应写明适用范围。")
    opinion_on(delta, client, campaign, article=1, content="第一条建议增加“新文艺群体”。", contact="13800000001")
    opinion_on(delta, client, campaign, article=2, content="第二条应包括署名权。", contact="13800000002")
    missing = submit(client, HOSTS["delta"], channel=str(campaign.pk), article=9, contact="13800000003")
    assert missing.status_code == 400 and "没有第 9 条" in missing.json()["errors"][0]["message"]
    with schema_context(delta.schema_name):
        services.adopt(opinion_id=first.pk, user=admin_user(delta), adopted=True, note="已在第一条第二款采纳")
        # then the report groups them by article, with counts and what was adopted
        report = selectors.draft_report(campaign=campaign)
        assert [(a.number, len(a.comments), a.adopted) for a in report] == [(1, 2, 1), (2, 1, 0), (3, 0, 0)]
        assert all(c.kind == Opinion.Kind.COMMENT for a in report for c in a.comments)
    # and the admin exports it as CSV and XLSX
    staff = admin_client(delta)
    page = staff.get(f"/admin/opinions/campaigns/{campaign.pk}/report/", HTTP_HOST=HOSTS["delta"]).content.decode()
    assert "第1条 总则（意见 2 条，采纳 1 条）" in page
    csv_body = staff.get(
        f"/admin/opinions/campaigns/{campaign.pk}/report/?export=csv", HTTP_HOST=HOSTS["delta"]
    ).content
    rows = list(csv.reader(io.StringIO(csv_body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["条号", "标题", "意见数", "采纳数"] and rows[1][:4] == ["第1条", "总则", "2", "1"]
    assert any("已在第一条第二款采纳" in cell for row in rows for cell in row)
    xlsx = staff.get(f"/admin/opinions/campaigns/{campaign.pk}/report/?export=xlsx", HTTP_HOST=HOSTS["delta"]).content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert [c.value for c in sheet[2]][:4] == ["第1条", "总则", 2, 1]


def test_masking_hides_phones_id_numbers_and_addresses_below_township():
    # given text with personal data; when masked
    text = (
        "我是张三，电话13812341234，身份证330102199001011234，"
        "住杭州市西湖区北山街道曙光路12号3单元501室，邮箱zhangsan@example.com。"
    )
    masked = mask(text, name="张三", contact="13812341234", address="杭州市西湖区北山街道曙光路12号3单元501室")
    # then each is masked as the rules ask
    assert "138****1234" in masked and "13812341234" not in masked
    assert "3301**********1234" in masked and "199001011234" not in masked
    assert "北山街道***" in masked and "曙光路" not in masked and "501" not in masked
    assert "张*" in masked and "张三" not in masked
    assert "z***@example.com" in masked
    assert mask_address("浙江省杭州市余杭区良渚镇港南村3组15号") == "浙江省杭州市余杭区良渚镇***"
    assert mask_address("杭州市上城区") == "杭州市上城区"
    assert mask("座机 0571-88886666") == "座机 0571-****6666"


def test_published_answers_are_masked_and_public_graphql_never_holds_personal_data(client, delta):
    # given an answered opinion whose text carries the submitter's phone and address
    mailbox = make_mailbox(delta)
    opinion = opinion_on(
        delta,
        client,
        mailbox,
        name="赵六",
        contact="13912345678",
        address="杭州市拱墅区米市巷街道湖墅南路88号",
        content="我住杭州市拱墅区米市巷街道湖墅南路88号，电话13912345678，希望增设文艺活动室。",
    )
    with schema_context(delta.schema_name):
        services.reply(opinion_id=opinion.pk, user=admin_user(delta), text="已列入明年计划。")
        services.publish(opinion_id=opinion.pk, user=admin_user(delta))
    # when the public asks for the Q&A
    response = graphql(client, HOSTS["delta"], "{ opinionAnswers(first: 5) { question reply category } }")
    answers = response.json()["data"]["opinionAnswers"]
    # then the question is masked and the reply is there
    assert answers[0]["reply"] == "已列入明年计划。"
    assert "139****5678" in answers[0]["question"] and "米市巷街道***" in answers[0]["question"]
    body = response.content.decode()
    assert "赵六" not in body and "13912345678" not in body and "湖墅南路" not in body


def test_deadlines_count_chinese_working_days_across_national_day_2026(client, delta, gamma):
    # given an opinion submitted on 30 September 2026, the day before the National Day holiday
    mailbox = make_mailbox(delta)
    submitted = datetime.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    with schema_context(delta.schema_name):
        from cms.feedback.abuse import form_token

        token = form_token(schema_name="delta", now=submitted.timestamp() - 10)
        result = services.submit_opinion(
            channel_id=mailbox.pk, content="国庆前的建议", name="甲", form_token=token, now=submitted
        )
    # then the 15 working days skip 1-7 October and count Saturday 10 October (a make-up working day)
    assert result.due_date == datetime.date(2026, 10, 27)  # a weekday count would give 21 October
    assert Receipt.objects.get(site=delta).due_date == datetime.date(2026, 10, 27)
    # and a site with 10 days in its settings gets its own deadline
    with schema_context(gamma.schema_name):
        settings_row = services.feedback_settings()
        settings_row.answer_days = 10
        settings_row.save()
        assert services.due_date_from(
            start=submitted.date(), answer_days=services.feedback_settings().answer_days
        ) == datetime.date(2026, 10, 20)


def test_reminders_before_and_escalation_after_the_deadline_go_to_the_right_people_once(client, delta):
    from django.contrib.auth.models import Group, Permission

    from cms.accounts.models import User

    # given an opinion due in 2 working days, one overdue, and a leader who receives escalations
    mailbox = make_mailbox(delta)
    soon = opinion_on(delta, client, mailbox, contact="13800000011")
    late = opinion_on(delta, client, mailbox, contact="13800000012")
    today = timezone.localdate()
    with schema_context(delta.schema_name):
        Opinion.objects.filter(pk=soon.pk).update(due_date=services.due_date_from(start=today, answer_days=2))
        Opinion.objects.filter(pk=late.pk).update(due_date=today - datetime.timedelta(days=3))
        leaders = Group.objects.create(name="单位负责人")
        leaders.permissions.add(Permission.objects.get(codename="receive_escalation"))
        leader = User.objects.create_user("leader", email="leader@example.org", password="a-long-password-for-tests")
        leader.groups.add(leaders)
        User.objects.filter(username="admin").update(email="admin@example.org")
        # when the upkeep job runs twice
        first = services.check_deadlines(today=today)
        second = services.check_deadlines(today=today)
        # then the first run reminds and escalates once each, the second does nothing
        assert first == {"reminded": 1, "escalated": 1} and second == {"reminded": 0, "escalated": 0}
        assert Opinion.objects.get(pk=soon.pk).events.filter(kind=OpinionEvent.Kind.REMINDED).count() == 1
        assert Opinion.objects.get(pk=late.pk).events.filter(kind=OpinionEvent.Kind.ESCALATED).count() == 1
    escalation = next(m for m in mail.outbox if "超期" in m.subject)
    assert "leader@example.org" in escalation.to
    assert Receipt.objects.get(site=delta, opinion_id=late.pk).escalated_at is not None


def test_the_worker_sweep_enqueues_upkeep_only_for_sites_that_need_it(client, delta, gamma):
    from django_tasks_db.models import DBTaskResult

    from cms.feedback.receivers import run_sweep

    # given an overdue opinion on delta and nothing due on gamma
    mailbox = make_mailbox(delta)
    late = opinion_on(delta, client, mailbox)
    with schema_context(delta.schema_name):
        Opinion.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    Receipt.objects.filter(site=delta).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    # when the sweep runs
    schemas = run_sweep()
    # then one upkeep task is queued, in delta's schema only
    assert "delta" in schemas and "gamma" not in schemas
    queued = DBTaskResult.objects.filter(task_path="cms.feedback.jobs.site_upkeep")
    assert {task.args_kwargs["schema"] for task in queued} >= {"delta"}
    assert "gamma" not in {task.args_kwargs["schema"] for task in queued}


def test_overdue_and_red_counts_per_site_for_the_central_office(client, delta, gamma):
    # given on delta one opinion open for four months and one overdue, and on gamma one fresh one
    first, second = make_mailbox(delta), make_mailbox(gamma)
    old = opinion_on(delta, client, first, contact="13800000021")
    overdue = opinion_on(delta, client, first, contact="13800000022")
    opinion_on(gamma, client, second, contact="13800000023")
    today = timezone.localdate()
    four_months_ago = timezone.now() - datetime.timedelta(days=125)
    Receipt.objects.filter(site=delta, opinion_id=old.pk).update(
        submitted_at=four_months_ago, due_date=today - datetime.timedelta(days=100)
    )
    Receipt.objects.filter(site=delta, opinion_id=overdue.pk).update(due_date=today - datetime.timedelta(days=1))
    with schema_context(delta.schema_name):
        Opinion.objects.filter(pk=old.pk).update(submitted_at=four_months_ago)
    # when oversight asks, in one query
    with CaptureQueriesContext(connection) as queries:
        counts = selectors.overdue_counts()
    # then per site: open, overdue and red
    assert len([q for q in queries.captured_queries if not q["sql"].startswith("SET ")]) == 1
    assert counts[delta.pk] == {"open": 2, "overdue": 2, "red": 1}
    assert counts[gamma.pk] == {"open": 1, "overdue": 0, "red": 0}
    # and the inbox flags the old one red
    staff = admin_client(delta)
    assert "超过三个月" in staff.get("/admin/opinions/", HTTP_HOST=HOSTS["delta"]).content.decode()


def test_figures_per_site_and_nationally_with_export(client, delta, gamma, alpha):
    # given two opinions on delta (one answered) and one on gamma
    first, second = make_mailbox(delta), make_mailbox(gamma)
    answered = opinion_on(delta, client, first, category="文艺创作", contact="13800000031")
    opinion_on(delta, client, first, category="权益保障", contact="13800000032")
    opinion_on(gamma, client, second, category="文艺创作", contact="13800000033")
    with schema_context(delta.schema_name):
        services.reply(
            opinion_id=answered.pk,
            user=admin_user(delta),
            text="答复",
            now=answered.submitted_at + datetime.timedelta(days=2),
        )
    # when delta and the provincial site gamma read their figures
    delta_rows = selectors.figures(site_ids=[s.pk for s in selectors.visible_sites(site=delta)], group_by="site")
    gamma_sites = selectors.visible_sites(site=gamma)
    national = selectors.figures(site_ids=[s.pk for s in selectors.visible_sites(site=None)], group_by="category")
    # then delta sees only itself; gamma sees itself and its city; nationally by category
    assert [(r.key, r.received, r.answered, r.median_days) for r in delta_rows] == [(delta.name, 2, 1, 2.0)]
    assert {s.slug for s in gamma_sites} == {"gamma", "delta"}
    assert {r.key: r.received for r in national} == {"文艺创作": 2, "权益保障": 1}
    # and the admin exports them (CSV and XLSX)
    staff = admin_client(gamma)
    body = staff.get("/admin/opinions/figures/?by=site&export=csv", HTTP_HOST=HOSTS["gamma"]).content.decode(
        "utf-8-sig"
    )
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "分组" and {row[0] for row in rows[1:]} == {delta.name, gamma.name}
    xlsx = staff.get("/admin/opinions/figures/?by=month&export=xlsx", HTTP_HOST=HOSTS["gamma"]).content
    assert openpyxl.load_workbook(io.BytesIO(xlsx)).active.cell(2, 2).value == 3


def test_retention_erases_personal_data_and_keeps_the_rest_and_the_export_follows(client, delta):
    # given a closed opinion with an attachment, finished three years ago, and a fresh one
    mailbox = make_mailbox(delta)
    import base64

    old = opinion_on(
        delta,
        client,
        mailbox,
        name="钱七",
        contact="13600001111",
        address="某镇某村1号",
        attachments=[{"name": "a.txt", "contentBase64": base64.b64encode(b"hello").decode()}],
    )
    fresh = opinion_on(delta, client, mailbox, name="孙八", contact="13600002222")
    with schema_context(delta.schema_name):
        user = admin_user(delta)
        services.reply(opinion_id=old.pk, user=user, text="已办理")
        services.close(opinion_id=old.pk, user=user, now=timezone.now() - datetime.timedelta(days=3 * 365))
        # when the retention job runs
        erased = services.erase_expired_personal_data()
        # then only the old one loses name, contact, address and attachments; content and reply stay
        assert erased == 1
        gone = Opinion.objects.get(pk=old.pk)
        assert (gone.name, gone.contact, gone.address, gone.address_hash) == ("", "", "", "")
        assert gone.content and gone.reply == "已办理" and gone.personal_data_erased_at
        assert not OpinionAttachment.objects.filter(opinion_id=old.pk).exists()
        assert Opinion.objects.get(pk=fresh.pk).name == "孙八"
        assert services.erase_expired_personal_data() == 0
        # and an export by staff with the permission shows what is left
        header, rows = export.inbox_rows(queryset=selectors.inbox(), user=user)
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_id[old.pk]["姓名"] == "" and by_id[fresh.pk]["姓名"] == "孙八"
    staff = admin_client(delta)
    xlsx = staff.get("/admin/opinions/?export=xlsx", HTTP_HOST=HOSTS["delta"])
    assert xlsx.status_code == 200 and openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.max_row == 3


def test_replies_from_templates_bulk_replies_and_rejection(client, delta):
    mailbox = make_mailbox(delta)
    ones = [opinion_on(delta, client, mailbox, category="文艺创作", contact=f"1350000000{i}") for i in range(3)]
    with schema_context(delta.schema_name):
        user = admin_user(delta)
        template = ReplyTemplate.objects.create(
            title="感谢", body="您{提交日期}提出的{类别}方面的建议已收悉，感谢关注。"
        )
        services.reject(opinion_id=ones[2].pk, user=user, reason="spam", note="广告")
        result = services.bulk_reply(opinion_ids=[o.pk for o in ones], user=user, template_id=template.pk)
        assert result.replied == [ones[0].pk, ones[1].pk] and result.skipped == [ones[2].pk]
        assert "文艺创作方面的建议已收悉" in Opinion.objects.get(pk=ones[0].pk).reply
        assert Opinion.objects.get(pk=ones[2].pk).get_reject_reason_display() == "垃圾信息"
        try:
            services.close(opinion_id=ones[2].pk, user=user)
            raise AssertionError("a rejected opinion was closed")
        except services.HandlingError as error:
            assert "不予受理" in str(error)


def test_a_site_s_inbox_holds_only_its_own_opinions(client, delta, gamma):
    first, second = make_mailbox(delta), make_mailbox(gamma)
    mine = opinion_on(delta, client, first, content="杭州的意见", contact="13800000041")
    opinion_on(gamma, client, second, content="浙江的意见", contact="13800000042")
    staff = admin_client(gamma)
    assert staff.get(f"/admin/opinions/{mine.pk}/", HTTP_HOST=HOSTS["gamma"]).status_code in (403, 404) or (
        "杭州的意见" not in staff.get(f"/admin/opinions/{mine.pk}/", HTTP_HOST=HOSTS["gamma"]).content.decode()
    )
    assert "杭州的意见" not in staff.get("/admin/opinions/?export=csv", HTTP_HOST=HOSTS["gamma"]).content.decode(
        "utf-8-sig"
    )


def test_channels_are_listed_in_a_constant_number_of_queries(client, delta):
    # given a mailbox and three drafts for comment with articles
    make_mailbox(delta)
    for i in range(3):
        make_campaign(delta, title=f"征集{i}", articles=[(1, "一", "甲"), (2, "二", "乙")], slug=f"draft-{i}")
    query = "{ opinionChannels { id kind title isOpen categories documentTitle articles { number heading } } }"
    # when they are asked for
    with CaptureQueriesContext(connection) as queries:
        response = graphql(client, HOSTS["delta"], query)
    channels = response.json()["data"]["opinionChannels"]
    # then all come with their articles, in a handful of queries whatever their number
    assert len(channels) == 4 and sum(len(c["articles"]) for c in channels) == 6
    assert len(queries) <= 8, [q["sql"] for q in queries.captured_queries]


def test_the_worker_heartbeat_sweeps_at_most_once_an_hour(client, delta):
    from django_tasks_db.models import DBTaskResult

    from cms.feedback.receipts.models import Sweep
    from sites.signals import worker_heartbeat

    # given an overdue opinion on delta
    mailbox = make_mailbox(delta)
    late = opinion_on(delta, client, mailbox)
    Receipt.objects.filter(site=delta, opinion_id=late.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=2)
    )
    # when the worker's heartbeat fires three times
    for _ in range(3):
        worker_heartbeat.send(sender=None)
    # then one sweep ran and queued one upkeep task in delta's schema
    assert Sweep.objects.filter(name="deadlines").exists()
    queued = DBTaskResult.objects.filter(task_path="cms.feedback.jobs.site_upkeep")
    assert [task.args_kwargs["schema"] for task in queued].count("delta") == 1


def test_figures_by_period_and_held_opinions_released_by_a_person(client, delta):
    from cms.review.models import Level
    from cms.review.services import add_entry

    # given a held opinion (a review-level word) and an ordinary one
    add_entry(site=None, word="待审词丙", level=Level.REVIEW, category="测试", actor="测试")
    mailbox = make_mailbox(delta)
    held = opinion_on(delta, client, mailbox, content="提到待审词丙的意见", contact="13800000051")
    opinion_on(delta, client, mailbox, contact="13800000052")
    assert held.status == Opinion.Status.HELD
    # when a person releases it
    with schema_context(delta.schema_name):
        released = services.release(opinion_id=held.pk, user=admin_user(delta))
    # then it is 待处理, the receipt follows, and the history names the words
    assert released.status == Opinion.Status.NEW
    assert Receipt.objects.get(site=delta, opinion_id=held.pk).status == "new"
    with schema_context(delta.schema_name):
        assert "待审词丙" in Opinion.objects.get(pk=held.pk).events.get(kind=OpinionEvent.Kind.RELEASED).text
    # and the figures of a period without opinions are empty, of today's period hold both
    staff = admin_client(delta)
    today = timezone.localdate().isoformat()
    empty = staff.get(
        "/admin/opinions/figures/?by=site&from=2020-01-01&to=2020-12-31&export=csv", HTTP_HOST=HOSTS["delta"]
    )
    assert len(list(csv.reader(io.StringIO(empty.content.decode("utf-8-sig"))))) == 1
    full = staff.get(f"/admin/opinions/figures/?by=site&from={today}&to={today}&export=csv", HTTP_HOST=HOSTS["delta"])
    rows = list(csv.reader(io.StringIO(full.content.decode("utf-8-sig"))))
    assert rows[1][:2] == [delta.name, "2"]
    bad = staff.get("/admin/opinions/figures/?from=31.12.2026", HTTP_HOST=HOSTS["delta"])
    assert bad.status_code == 200 and "格式不对" in bad.content.decode()
