"""Submission's bad input and abuse control: each refusal has its HTTP status and a Chinese message, and stores
nothing; every valid submission is stored exactly once."""

import base64
import datetime
import io
import zipfile

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from cms.feedback.models import Opinion, OpinionAttachment
from cms.feedback.receipts.models import Receipt
from tests.conftest import HOSTS
from tests.factories import png_bytes

from .conftest import make_campaign, make_mailbox, submit

HOST = HOSTS["delta"]


def stored(site) -> int:
    with schema_context(site.schema_name):
        return Opinion.objects.count()


def refusal(response, status):
    assert response.status_code == status, response.content
    errors = response.json()["errors"]
    assert len(errors) == 1 and errors[0]["extensions"]["httpStatus"] == status
    return errors[0]["message"]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_a_valid_submission_with_attachments_is_stored_once_with_its_sniffed_types(client, delta):
    # given a mailbox; when an opinion with a PNG and a Word file is sent
    mailbox = make_mailbox(delta)
    response = submit(
        client,
        HOST,
        channel=str(mailbox.pk),
        attachments=[
            {"name": "照片.png", "contentBase64": b64(png_bytes())},
            {"name": "建议.docx", "contentBase64": b64(docx_bytes())},
        ],
    )
    # then it is stored once, with both files and their types from their bytes
    assert response.status_code == 200 and "errors" not in response.json(), response.content
    with schema_context(delta.schema_name):
        assert Opinion.objects.count() == 1
        types = sorted(OpinionAttachment.objects.values_list("content_type", flat=True))
    assert types == ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", "image/png"]
    assert Receipt.objects.filter(site=delta).count() == 1


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"content": ""}, 400, "请填写意见内容"),
        ({"content": "   "}, 400, "请填写意见内容"),
        ({"content": "长" * 5001}, 413, "不能超过 5000 个字"),
        ({"name": "", "anonymous": False}, 400, "请填写姓名"),
        ({"name": "名" * 51}, 413, "姓名不能超过"),
        ({"contact": "1" * 101}, 413, "联系方式不能超过"),
        ({"category": "不存在的类别"}, 400, "类别须为以下之一"),
        ({"article": 1}, 400, "没有征求意见稿"),
        ({"formToken": "forged"}, 400, "表单校验码无效"),
        ({"website": "http://spam.example"}, 400, "提交未被接受"),
        (
            {"attachments": [{"name": "报告.pdf", "contentBase64": b64(b"MZ\x90\x00 this is an exe")}]},
            415,
            "不是允许的类型",
        ),
        ({"attachments": [{"name": "报告.pdf", "contentBase64": b64(png_bytes())}]}, 415, "扩展名与其实际内容"),
        (
            {"attachments": [{"name": "大.png", "contentBase64": b64(png_bytes() + b"0" * (1024 * 1024))}]},
            413,
            "超过 1024 KB",
        ),
        ({"attachments": [{"name": "坏.png", "contentBase64": "@@not base64@@"}]}, 400, "不是有效的 base64"),
        ({"attachments": [{"name": f"{i}.txt", "contentBase64": b64(b"hi")} for i in range(4)]}, 413, "附件最多 3 个"),
    ],
)
def test_bad_input_is_refused_with_its_status_and_nothing_is_stored(client, delta, fields, status, words):
    # given a mailbox
    mailbox = make_mailbox(delta)
    # when a submission with one thing wrong is sent
    message = refusal(submit(client, HOST, channel=str(mailbox.pk), **fields), status)
    # then it is refused, saying what was wrong, and nothing is stored
    assert words in message
    assert stored(delta) == 0 and not Receipt.objects.filter(site=delta).exists()


def test_a_closed_or_unknown_campaign_refuses_submissions(client, delta):
    # given a campaign that closed yesterday and one not yet open
    closed = make_campaign(delta, title="已结束的征集", opens_days=-10, closes_days=-1, slug="closed")
    future = make_campaign(delta, title="未开始的征集", opens_days=5, closes_days=10, slug="future")
    # when people submit to them, or to a page that is not a channel
    assert "截止" in refusal(submit(client, HOST, channel=str(closed.pk)), 403)
    assert "尚未开始" in refusal(submit(client, HOST, channel=str(future.pk)), 403)
    assert "找不到该意见征集" in refusal(submit(client, HOST, channel="999999"), 404)
    assert "尚未开设意见箱" in refusal(submit(client, HOST), 404)  # no mailbox on the site yet
    # then nothing is stored
    assert stored(delta) == 0


def test_submitting_faster_than_the_minimum_fill_time_is_refused(client, delta, settings):
    # given a minimum fill time of 60 s
    settings.CMS_OPINION_LIMITS = {**settings.CMS_OPINION_LIMITS, "min_fill_seconds": 60}
    mailbox = make_mailbox(delta)
    # when the form is sent right after its token was fetched
    message = refusal(submit(client, HOST, channel=str(mailbox.pk)), 429)
    # then it is refused and nothing is stored
    assert "提交过快" in message and stored(delta) == 0


def test_a_token_of_another_site_is_refused(client, delta, gamma):
    from .conftest import form_token

    mailbox = make_mailbox(delta)
    # when a token fetched on gamma is used on delta
    message = refusal(submit(client, HOST, channel=str(mailbox.pk), token=form_token(client, HOSTS["gamma"])), 400)
    assert "不属于本网站" in message and stored(delta) == 0


def test_a_flood_from_one_address_is_cut_at_the_limit_and_others_are_not_affected(client, delta, settings):
    # given a limit of 5 posts per window and address (the real anchor is 300 per 5 minutes)
    settings.CMS_OPINION_LIMITS = {**settings.CMS_OPINION_LIMITS, "per_address": 5}
    mailbox = make_mailbox(delta)
    # when one address sends 7, each with its own contact
    statuses = [
        submit(client, HOST, channel=str(mailbox.pk), contact=f"1390000000{i}", remote="10.1.1.1").status_code
        for i in range(7)
    ]
    # then exactly 5 are stored and 2 refused with 429; another address still gets through
    assert statuses == [200] * 5 + [429] * 2
    assert submit(client, HOST, channel=str(mailbox.pk), contact="13911112222", remote="10.1.1.2").status_code == 200
    assert stored(delta) == 6


def test_one_contact_is_limited_across_addresses(client, delta, settings):
    settings.CMS_OPINION_LIMITS = {**settings.CMS_OPINION_LIMITS, "per_contact": 2}
    mailbox = make_mailbox(delta)
    statuses = [submit(client, HOST, channel=str(mailbox.pk), remote=f"10.2.0.{i}").status_code for i in range(3)]
    assert statuses == [200, 200, 429] and stored(delta) == 2


def test_rate_counters_are_kept_per_site(client, delta, gamma, settings):
    # given a limit of 1 per address; when one address posts once on each of two sites
    settings.CMS_OPINION_LIMITS = {**settings.CMS_OPINION_LIMITS, "per_address": 1}
    first, second = make_mailbox(delta), make_mailbox(gamma)
    assert submit(client, HOST, channel=str(first.pk), remote="10.3.3.3").status_code == 200
    # then the other site's limit is untouched
    assert submit(client, HOSTS["gamma"], channel=str(second.pk), remote="10.3.3.3").status_code == 200


def test_screening_refuses_block_level_words_and_holds_review_level_ones(client, delta, alpha):
    from cms.review.models import Level
    from cms.review.services import add_entry

    # given a national lexicon with a block-level and a review-level word
    add_entry(site=None, word="禁词甲", level=Level.BLOCK, category="测试", actor="测试")
    add_entry(site=None, word="审词乙", level=Level.REVIEW, category="测试", actor="测试")
    mailbox = make_mailbox(delta)
    # when one submission holds the block-level word
    message = refusal(submit(client, HOST, channel=str(mailbox.pk), content="这里有禁词甲"), 422)
    assert "禁词甲" in message and stored(delta) == 0
    # and another the review-level word
    answer = submit(client, HOST, channel=str(mailbox.pk), content="这里有审词乙").json()["data"]["submitOpinion"]
    # then that one is stored, held for moderation, never dropped
    assert answer["status"] == "HELD" and answer["heldForReview"] is True
    with schema_context(delta.schema_name):
        assert Opinion.objects.get().screening_words == ["审词乙"]


def test_the_plain_form_submits_and_shows_the_code(client, delta):
    # given a mailbox rendered by the built-in rendering
    mailbox = make_mailbox(delta)
    with schema_context(delta.schema_name):
        url = mailbox.get_url_parts()[2]
    page = client.get(url, HTTP_HOST=HOST)
    body = page.content.decode()
    assert page.status_code == 200 and 'name="form_token"' in body and 'name="website"' in body
    token = body.split('name="form_token" value="')[1].split('"')[0]
    # when the form is posted (with an attachment)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        url,
        {
            "form_token": token,
            "content": "表单提交的建议",
            "name": "王五",
            "contact": "13700001111",
            "category": "文艺创作",
            "attachments": SimpleUploadedFile("a.png", png_bytes(), content_type="application/pdf"),
        },
        HTTP_HOST=HOST,
    )
    # then it is stored and the page shows the code
    assert response.status_code == 200 and "您的查询码是" in response.content.decode()
    with schema_context(delta.schema_name):
        assert Opinion.objects.get().attachments.get().content_type == "image/png"
    # and a disguised attachment is refused with 415, nothing more stored
    bad = client.post(
        url,
        {
            "form_token": token,
            "content": "另一条",
            "name": "王五",
            "contact": "13700001112",
            "attachments": SimpleUploadedFile("a.pdf", b"#!/bin/sh\nrm -rf /", content_type="application/pdf"),
        },
        HTTP_HOST=HOST,
    )
    assert bad.status_code == 415 and stored(delta) == 1


def test_submission_time_is_recorded_with_the_deadline(client, delta):
    mailbox = make_mailbox(delta)
    answer = submit(client, HOST, channel=str(mailbox.pk)).json()["data"]["submitOpinion"]
    assert datetime.date.fromisoformat(answer["dueDate"]) > timezone.localdate()
