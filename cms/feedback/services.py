"""Writes of the opinions channel: submission, handling (release, assign, note, reply, reject, close, forward,
publish, adopt), deadlines (reminders, escalation) and retention. Keyword-only; each runs in one transaction
and keeps the public receipt in step with the site's opinion."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import schema_context
from wagtail.models import Site

from cms.review.screening import screen, site_of_schema
from cms.workdays import add_working_days
from sites.models import Association

from . import abuse, codes, signals
from .abuse import SubmissionError
from .masking import mask
from .models import (
    CampaignPage,
    DraftArticle,
    FeedbackSettings,
    MailboxPage,
    Opinion,
    OpinionAttachment,
    OpinionEvent,
    ReplyTemplate,
)
from .receipts.models import Receipt

logger = logging.getLogger(__name__)
Status = Opinion.Status
OPEN = (Status.HELD, Status.NEW, Status.ASSIGNED)


class HandlingError(Exception):
    """A handling step that cannot be taken (wrong state, site outside the hierarchy): a Chinese message."""


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes


@dataclass
class Submitted:
    code: str
    opinion_id: int
    status: str
    due_date: datetime.date
    held: bool = False


@dataclass
class BulkResult:
    replied: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


SETTINGS_CACHE_SECONDS = 60


def feedback_settings(*, cached: bool = False) -> FeedbackSettings:
    """The site's 意见建议设置. `cached`: from the (schema-scoped) cache, at most a minute old, as submission reads
    it (two queries saved on the hot path); handling and deadlines always read the row."""
    if cached:
        found = cache.get(SETTINGS_CACHE_KEY)
        if found is not None:
            return found
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    found = FeedbackSettings.for_site(site)
    cache.set(SETTINGS_CACHE_KEY, found, SETTINGS_CACHE_SECONDS)
    return found


SETTINGS_CACHE_KEY = "feedback:settings"


def due_date_from(*, start: datetime.date, answer_days: int) -> datetime.date:
    return add_working_days(start, answer_days)


def _actor_name(user) -> str:
    if user is None:
        return "系统"
    return user.get_full_name() or user.get_username()


def _event(opinion: Opinion, kind: str, *, user=None, text: str = "", at=None) -> OpinionEvent:
    return OpinionEvent.objects.create(
        opinion=opinion,
        kind=kind,
        actor=user if user is not None and user.pk else None,
        actor_name=_actor_name(user),
        text=text,
        created_at=at or timezone.now(),
    )


def _sync_receipt(opinion: Opinion, **extra) -> None:
    Receipt.objects.filter(code_hash=opinion.code_hash).update(
        status=opinion.status,
        replied_at=opinion.replied_at,
        closed_at=opinion.closed_at,
        reply=opinion.reply if opinion.status in (Status.REPLIED, Status.CLOSED) else "",
        reminded_at=opinion.reminded_at,
        escalated_at=opinion.escalated_at,
        category=opinion.category,
        due_date=opinion.due_date,
        **extra,
    )


# --- submission ---


def _channel(channel_id: int | None):
    """The live, unrestricted campaign or mailbox (its specific class read directly: one query, plus the
    view-restriction check)."""
    if channel_id is None:
        mailbox = MailboxPage.objects.live().public().order_by("path").first()
        if mailbox is None:
            raise SubmissionError("本站尚未开设意见箱。", status=404, field="channel")
        return mailbox
    for model in (MailboxPage, CampaignPage):
        channel = model.objects.live().public().filter(pk=channel_id).first()
        if channel is not None:
            return channel
    raise SubmissionError("找不到该意见征集。", status=404, field="channel")


def _clean_text(value: str | None, *, label: str, field_name: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise SubmissionError(f"{label}含有无效字符。", field=field_name)
    if required and not value:
        raise SubmissionError(f"请填写{label}。", field=field_name)
    if len(value) > limit:
        raise SubmissionError(f"{label}不能超过 {limit} 个字（现有 {len(value)} 个）。", status=413, field=field_name)
    return value


def submit_opinion(
    *,
    content: str,
    form_token: str,
    channel_id: int | None = None,
    category: str = "",
    article_number: int | None = None,
    name: str = "",
    anonymous: bool = False,
    contact: str = "",
    address: str = "",
    attachments: list[Attachment] | tuple = (),
    honeypot: str = "",
    client_address: str | None = None,
    now: datetime.datetime | None = None,
) -> Submitted:
    """Store one opinion in the connection's site, or refuse it (SubmissionError) having stored nothing.

    Checks run cheapest first: honeypot, form token and fill time, sizes, rate limits (which count every
    attempt that got that far), the channel, screening; then one transaction writes the opinion, its
    attachments, its first event and the public receipt."""
    lim = abuse.limits()
    now = now or timezone.now()
    abuse.check_honeypot(honeypot)
    abuse.check_form_token(form_token, schema_name=connection.schema_name, now=now.timestamp())
    content = _clean_text(content, label="意见内容", field_name="content", limit=lim.max_content_chars, required=True)
    name = "" if anonymous else _clean_text(name, label="姓名", field_name="name", limit=lim.max_name_chars)
    contact = _clean_text(contact, label="联系方式", field_name="contact", limit=lim.max_contact_chars)
    address = _clean_text(address, label="地址", field_name="address", limit=lim.max_address_chars)
    category = _clean_text(category, label="类别", field_name="category", limit=60)
    if not anonymous and not name:
        raise SubmissionError("请填写姓名，或选择匿名提交。", field="name")
    if len(attachments) > lim.max_attachments:
        raise SubmissionError(f"附件最多 {lim.max_attachments} 个。", status=413, field="attachments")
    files = [
        (item.name.strip(), item.data, abuse.check_attachment(name=item.name, data=item.data)) for item in attachments
    ]
    abuse.check_rate(address=client_address, contact=contact)

    channel = _channel(channel_id)
    if not channel.is_open(now):
        if isinstance(channel, CampaignPage) and now < channel.opens_at:
            raise SubmissionError(f"“{channel.title}”尚未开始征集。", status=403, field="channel")
        raise SubmissionError(
            f"“{channel.title}”已于 {timezone.localtime(channel.closes_at):%Y-%m-%d %H:%M} 截止。",
            status=403,
            field="channel",
        )
    article = None
    kind = Opinion.Kind.OPINION
    if article_number is not None:
        if not isinstance(channel, CampaignPage) or not channel.is_draft_for_comment:
            raise SubmissionError("该征集没有征求意见稿，不能针对条文提意见。", field="article")
        article = DraftArticle.objects.filter(campaign=channel, number=article_number).first()
        if article is None:
            raise SubmissionError(f"征求意见稿没有第 {article_number} 条。", field="article")
        kind = Opinion.Kind.COMMENT
    choices = channel.category_list
    if category and choices and category not in choices:
        raise SubmissionError(f"类别须为以下之一：{'、'.join(choices)}。", field="category")

    site = site_of_schema()
    result = screen(text_fields={"意见内容": content, "姓名": name, "地址": address}, site=site)
    if result.blocked:
        words = "、".join(sorted({f"“{hit.word}”" for hit in result.hits if hit.level == "block"}))
        raise SubmissionError(f"内容含有不允许提交的词语：{words}，请修改后再提交。", status=422, field="content")
    held = result.needs_review

    conf = feedback_settings(cached=True)
    code = codes.new_code()
    digest = codes.code_hash(code)
    due = due_date_from(start=timezone.localdate(now), answer_days=conf.answer_days)
    with transaction.atomic():
        opinion = Opinion.objects.create(
            kind=kind,
            channel_id=channel.pk,
            channel_title=channel.title,
            article=article,
            article_number=article_number,
            category=category,
            content=content,
            anonymous=anonymous,
            name=name,
            contact=contact,
            address=address,
            address_hash=abuse.fingerprint(client_address) if client_address else "",
            code_hash=digest,
            status=Status.HELD if held else Status.NEW,
            screening_words=result.review_words if held else [],
            submitted_at=now,
            due_date=due,
        )
        if files:
            OpinionAttachment.objects.bulk_create(
                OpinionAttachment(opinion=opinion, name=n, content_type=t, size=len(d), data=d) for n, d, t in files
            )
        # No "submitted" event: the opinion's own submitted_at and screening words say it (one insert fewer).
        if site is not None:
            Receipt.objects.create(
                code_hash=digest,
                site=site,
                opinion_id=opinion.pk,
                kind=kind,
                category=category,
                status=opinion.status,
                submitted_at=now,
                due_date=due,
            )
        signals.opinion_submitted.send(
            sender=Opinion,
            site=site,
            external_id=f"{connection.schema_name}:{opinion.pk}",
            title=channel.title,
            text=mask(content, name=name, contact=contact, address=address),
            published_at=now,
        )
    return Submitted(code=code, opinion_id=opinion.pk, status=str(opinion.status), due_date=due, held=held)


# --- handling ---


def _lock(opinion_id: int) -> Opinion:
    opinion = Opinion.objects.select_for_update().filter(pk=opinion_id).first()
    if opinion is None:
        raise HandlingError("找不到这条意见建议。")
    return opinion


def _require(opinion: Opinion, states, action: str) -> None:
    if opinion.status not in states:
        raise HandlingError(f"“{opinion.get_status_display()}”状态的意见建议不能{action}。")


@transaction.atomic
def release(*, opinion_id: int, user) -> Opinion:
    opinion = _lock(opinion_id)
    _require(opinion, (Status.HELD,), "审核通过")
    opinion.status = Status.NEW
    opinion.save(update_fields=["status"])
    _event(opinion, OpinionEvent.Kind.RELEASED, user=user, text="、".join(opinion.screening_words))
    _sync_receipt(opinion)
    return opinion


@transaction.atomic
def assign(*, opinion_id: int, user, assignee) -> Opinion:
    opinion = _lock(opinion_id)
    _require(opinion, (Status.NEW, Status.ASSIGNED), "分办")
    if not (assignee.is_active and (assignee.is_superuser or assignee.has_perm("feedback.handle_opinion"))):
        raise HandlingError(f"{_actor_name(assignee)} 没有处理意见建议的权限。")
    opinion.assignee = assignee
    opinion.status = Status.ASSIGNED
    opinion.save(update_fields=["assignee", "status"])
    _event(opinion, OpinionEvent.Kind.ASSIGNED, user=user, text=f"交由 {_actor_name(assignee)} 办理")
    _sync_receipt(opinion)
    return opinion


@transaction.atomic
def add_note(*, opinion_id: int, user, text: str) -> OpinionEvent:
    text = (text or "").strip()
    if not text:
        raise HandlingError("备注不能为空。")
    opinion = _lock(opinion_id)
    return _event(opinion, OpinionEvent.Kind.NOTE, user=user, text=text[:5000])


def render_template(*, template: ReplyTemplate, opinion: Opinion) -> str:
    return (
        template.body.replace("{类别}", opinion.category or "意见建议")
        .replace("{提交日期}", f"{timezone.localtime(opinion.submitted_at):%Y年%m月%d日}")
        .replace("{征集名称}", opinion.channel_title)
    )


def _reply(opinion: Opinion, *, user, text: str, now) -> None:
    opinion.reply = text
    opinion.replied_at = now
    opinion.replied_by = user
    opinion.status = Status.REPLIED
    opinion.save(update_fields=["reply", "replied_at", "replied_by", "status"])
    _event(opinion, OpinionEvent.Kind.REPLIED, user=user, text=text)
    _sync_receipt(opinion)


@transaction.atomic
def reply(*, opinion_id: int, user, text: str = "", template_id: int | None = None, now=None) -> Opinion:
    opinion = _lock(opinion_id)
    _require(opinion, (Status.NEW, Status.ASSIGNED, Status.REPLIED), "答复")
    if template_id and not text.strip():
        template = ReplyTemplate.objects.filter(pk=template_id).first()
        if template is None:
            raise HandlingError("找不到该答复模板。")
        text = render_template(template=template, opinion=opinion)
    text = (text or "").strip()
    if not text:
        raise HandlingError("答复内容不能为空。")
    _reply(opinion, user=user, text=text[:10000], now=now or timezone.now())
    return opinion


@transaction.atomic
def bulk_reply(*, opinion_ids: list[int], user, template_id: int | None = None, text: str = "", now=None) -> BulkResult:
    """One reply (a template filled in per opinion, or a text) to many opinions; those that cannot be answered
    in their state are skipped and named, the others all answered or none."""
    template = ReplyTemplate.objects.filter(pk=template_id).first() if template_id else None
    if template is None and not (text or "").strip():
        raise HandlingError("请选择答复模板或填写答复内容。")
    now = now or timezone.now()
    result = BulkResult()
    for opinion in Opinion.objects.select_for_update().filter(pk__in=opinion_ids[:500]).order_by("pk"):
        if opinion.status not in (Status.NEW, Status.ASSIGNED):
            result.skipped.append(opinion.pk)
            continue
        body = render_template(template=template, opinion=opinion) if template else text.strip()
        _reply(opinion, user=user, text=body, now=now)
        result.replied.append(opinion.pk)
    return result


@transaction.atomic
def reject(*, opinion_id: int, user, reason: str, note: str = "", now=None) -> Opinion:
    opinion = _lock(opinion_id)
    _require(opinion, OPEN, "作不予受理处理")
    if reason not in Opinion.RejectReason.values:
        raise HandlingError("请选择不予受理的原因（垃圾信息或不属于受理范围）。")
    opinion.status = Status.REJECTED
    opinion.reject_reason = reason
    opinion.reject_note = (note or "").strip()[:2000]
    opinion.closed_at = now or timezone.now()
    opinion.save(update_fields=["status", "reject_reason", "reject_note", "closed_at"])
    _event(
        opinion,
        OpinionEvent.Kind.REJECTED,
        user=user,
        text=f"{opinion.get_reject_reason_display()}：{opinion.reject_note}",
    )
    _sync_receipt(opinion)
    return opinion


@transaction.atomic
def close(*, opinion_id: int, user, now=None) -> Opinion:
    opinion = _lock(opinion_id)
    _require(opinion, (Status.REPLIED,), "办结")
    opinion.status = Status.CLOSED
    opinion.closed_at = now or timezone.now()
    opinion.save(update_fields=["status", "closed_at"])
    _event(opinion, OpinionEvent.Kind.CLOSED, user=user)
    _sync_receipt(opinion)
    return opinion


@transaction.atomic
def adopt(*, opinion_id: int, user, adopted: bool, note: str = "") -> Opinion:
    opinion = _lock(opinion_id)
    opinion.adopted = adopted
    opinion.adoption_note = (note or "").strip()[:2000]
    opinion.save(update_fields=["adopted", "adoption_note"])
    _event(
        opinion,
        OpinionEvent.Kind.ADOPTED,
        user=user,
        text=("采纳" if adopted else "未采纳") + (f"：{note}" if note else ""),
    )
    return opinion


@transaction.atomic
def publish(*, opinion_id: int, user, question: str = "", now=None) -> Opinion:
    """Publish as a public Q&A: the question (edited by staff, or the content) with personal data masked."""
    opinion = _lock(opinion_id)
    _require(opinion, (Status.REPLIED, Status.CLOSED), "公开")
    text = (question or "").strip() or opinion.content
    opinion.public_question = mask(text, name=opinion.name, contact=opinion.contact, address=opinion.address)
    opinion.published = True
    opinion.published_at = now or timezone.now()
    opinion.save(update_fields=["public_question", "published", "published_at"])
    _event(opinion, OpinionEvent.Kind.PUBLISHED, user=user)
    return opinion


@transaction.atomic
def unpublish(*, opinion_id: int, user) -> Opinion:
    opinion = _lock(opinion_id)
    opinion.published = False
    opinion.save(update_fields=["published"])
    _event(opinion, OpinionEvent.Kind.PUBLISHED, user=user, text="撤销公开")
    return opinion


def forward_targets(*, site: Association) -> list[Association]:
    """Where an opinion may go from `site`: its parent and its children (not archived)."""
    query = Q(parent_id=site.pk)
    if site.parent_id:
        query |= Q(pk=site.parent_id)
    return list(Association.objects.filter(query, archived_at__isnull=True).exclude(pk=site.pk).order_by("id"))


@transaction.atomic
def forward(*, opinion_id: int, user, to_site_id: int, note: str = "", now=None) -> int:
    """Hand an opinion to the parent or a child site: a copy (with its attachments and history) is made there,
    both sides record the step, and the receipt moves so the tracking code keeps working. Returns the new id."""
    now = now or timezone.now()
    here = site_of_schema()
    if here is None:
        raise HandlingError("无法确定本站。")
    target = next((s for s in forward_targets(site=here) if s.pk == to_site_id), None)
    if target is None:
        raise HandlingError("只能转给本单位的上级或下级单位。")
    opinion = _lock(opinion_id)
    _require(opinion, OPEN, "转办")
    attachments = [(a.name, a.content_type, a.size, bytes(a.data)) for a in opinion.attachments.all()]
    history = list(opinion.events.values_list("kind", "actor_name", "text", "created_at"))
    note = (note or "").strip()[:2000]
    source_text = f"由 {here.name} 转来" + (f"：{note}" if note else "")
    with schema_context(target.schema_name):
        conf = feedback_settings()
        copy = Opinion.objects.create(
            kind=opinion.kind,
            channel_id=None,
            channel_title=f"{here.short_name or here.name}·{opinion.channel_title}",
            article_number=opinion.article_number,
            category=opinion.category,
            content=opinion.content,
            anonymous=opinion.anonymous,
            name=opinion.name,
            contact=opinion.contact,
            address=opinion.address,
            address_hash=opinion.address_hash,
            code_hash=opinion.code_hash,
            status=Status.NEW,
            submitted_at=opinion.submitted_at,
            due_date=due_date_from(start=timezone.localdate(now), answer_days=conf.answer_days),
            forwarded_from_site_id=here.pk,
            forwarded_from_opinion_id=opinion.pk,
        )
        OpinionAttachment.objects.bulk_create(
            OpinionAttachment(opinion=copy, name=n, content_type=t, size=s, data=d) for n, t, s, d in attachments
        )
        submitted_event = OpinionEvent(
            opinion=copy,
            kind=OpinionEvent.Kind.SUBMITTED,
            actor_name="提交人",
            text=f"提交至 {here.name}",
            created_at=opinion.submitted_at,
        )
        OpinionEvent.objects.bulk_create(
            [submitted_event]
            + [
                OpinionEvent(
                    opinion=copy, kind=k, actor_name=f"{a}（{here.short_name or here.name}）", text=t, created_at=c
                )
                for k, a, t, c in history
            ]
        )
        OpinionEvent.objects.create(
            opinion=copy,
            kind=OpinionEvent.Kind.FORWARDED_IN,
            actor_name=f"{_actor_name(user)}（{here.name}）",
            text=source_text,
            created_at=now,
        )
        new_id, new_due = copy.pk, copy.due_date
    opinion.status = Status.FORWARDED
    opinion.closed_at = now
    opinion.forwarded_to_site_id = target.pk
    opinion.forwarded_to_opinion_id = new_id
    opinion.save(update_fields=["status", "closed_at", "forwarded_to_site_id", "forwarded_to_opinion_id"])
    _event(
        opinion,
        OpinionEvent.Kind.FORWARDED_OUT,
        user=user,
        text=f"转至 {target.name}" + (f"：{note}" if note else ""),
        at=now,
    )
    Receipt.objects.filter(code_hash=opinion.code_hash).update(
        site=target,
        opinion_id=new_id,
        status=Status.NEW,
        due_date=new_due,
        replied_at=None,
        closed_at=None,
        reply="",
        reminded_at=None,
        escalated_at=None,
        forwarded=True,
    )
    return new_id


# --- deadlines ---


def _users_with(permission: str):
    app_label, codename = permission.split(".")
    perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    users = get_user_model().objects.filter(is_active=True)
    if perm is None:
        return users.filter(is_superuser=True)
    return users.filter(Q(is_superuser=True) | Q(groups__permissions=perm) | Q(user_permissions=perm)).distinct()


def _notify(users, subject: str, body: str) -> int:
    recipients = sorted({u.email for u in users if u.email})
    if not recipients:
        return 0
    try:
        return send_mail(subject, body, None, recipients, fail_silently=False)
    except Exception:  # mail is a courtesy; the inbox flags are the record
        logger.warning("Could not send opinion deadline mail", exc_info=True)
        return 0


def check_deadlines(*, today: datetime.date | None = None) -> dict:
    """In the connection's site: remind before the deadline (once), escalate to the site's leaders after (once)."""
    today = today or timezone.localdate()
    now = timezone.now()
    conf = feedback_settings()
    remind_by = add_working_days(today, conf.reminder_days)
    reminded, escalated = [], []
    with transaction.atomic():
        for opinion in Opinion.objects.select_for_update(skip_locked=True).filter(
            status__in=(Status.NEW, Status.ASSIGNED, Status.HELD),
            reminded_at__isnull=True,
            due_date__lte=remind_by,
            due_date__gte=today,
        ):
            opinion.reminded_at = now
            opinion.save(update_fields=["reminded_at"])
            _event(opinion, OpinionEvent.Kind.REMINDED, text=f"将于 {opinion.due_date:%Y-%m-%d} 到期")
            _sync_receipt(opinion)
            reminded.append(opinion)
        for opinion in Opinion.objects.select_for_update(skip_locked=True).filter(
            status__in=(Status.NEW, Status.ASSIGNED, Status.HELD), escalated_at__isnull=True, due_date__lt=today
        ):
            opinion.escalated_at = now
            opinion.save(update_fields=["escalated_at"])
            _event(
                opinion,
                OpinionEvent.Kind.ESCALATED,
                text=f"已超过办理期限 {opinion.due_date:%Y-%m-%d}，报本单位负责人督办",
            )
            _sync_receipt(opinion)
            escalated.append(opinion)
    if reminded:
        handlers = {o.assignee for o in reminded if o.assignee} or set(_users_with("feedback.handle_opinion"))
        _notify(
            handlers, f"{len(reminded)} 条意见建议即将到期", "\n".join(f"#{o.pk} 期限 {o.due_date}" for o in reminded)
        )
    if escalated:
        _notify(
            _users_with("feedback.receive_escalation"),
            f"{len(escalated)} 条意见建议已超期，请督办",
            "\n".join(f"#{o.pk} 期限 {o.due_date}" for o in escalated),
        )
    return {"reminded": len(reminded), "escalated": len(escalated)}


# --- retention ---


def erase_expired_personal_data(*, now: datetime.datetime | None = None) -> int:
    """Erase name, contact, address, the address hash and attachments of opinions finished longer ago than the
    site's retention period; content, reply, dates and history stay (figures and Q&A keep working)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=feedback_settings().retention_days)
    with transaction.atomic():
        ids = list(
            Opinion.objects.select_for_update(skip_locked=True)
            .filter(
                personal_data_erased_at__isnull=True,
                status__in=(Status.CLOSED, Status.REJECTED, Status.FORWARDED),
                closed_at__lt=cutoff,
            )
            .values_list("pk", flat=True)[:5000]
        )
        if not ids:
            return 0
        OpinionAttachment.objects.filter(opinion_id__in=ids).delete()
        Opinion.objects.filter(pk__in=ids).update(
            name="", contact="", address="", address_hash="", personal_data_erased_at=now
        )
        OpinionEvent.objects.bulk_create(
            OpinionEvent(
                opinion_id=pk, kind=OpinionEvent.Kind.ERASED, actor_name="系统", text="超过保存期限", created_at=now
            )
            for pk in ids
        )
    return len(ids)


def sites_needing_sweep(*, today: datetime.date) -> list[str]:
    """Schemas whose receipts say a reminder or an escalation is due (read from the public schema)."""
    horizon = add_working_days(today, 10)
    rows = (
        Receipt.objects.filter(status__in=[s.value for s in OPEN])
        .filter(Q(reminded_at__isnull=True, due_date__lte=horizon) | Q(escalated_at__isnull=True, due_date__lt=today))
        .values_list("site__schema_name", flat=True)
        .distinct()
    )
    return sorted(set(rows))
