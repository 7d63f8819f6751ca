"""The opinions channel of one site (in its schema): campaigns and the mailbox (pages), opinions, their history.

Personal data (name, contact, address, the address hash, attachments) lives only here, is shown only to
staff with 查看意见建议个人信息, and is erased after the site's retention period.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable, Page
from wagtail.snippets.models import register_snippet

from cms.pages.models import SitePage


class ChannelPage(SitePage):
    """What campaigns and the mailbox share: a description and the categories people choose from."""

    description = models.TextField("说明", blank=True)
    categories = models.TextField(
        "意见类别", blank=True, help_text="每行一个类别，例如：文艺创作、权益保障、组织建设。"
    )

    class Meta:
        abstract = True

    @property
    def category_list(self) -> list[str]:
        return [line.strip() for line in self.categories.splitlines() if line.strip()]

    def is_open(self, now=None) -> bool:
        return True

    # Served by the channel's own view (wagtail_hooks.py, before_serve_page): the form and the code lookup.


class MailboxPage(ChannelPage):
    """The standing mailbox (意见箱): always open."""

    content_panels = Page.content_panels + [FieldPanel("description"), FieldPanel("categories")]
    parent_page_types = ["pages.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "意见箱"
        verbose_name_plural = "意见箱"


class CampaignPage(ChannelPage):
    """A campaign (意见征集) with a topic and open and close dates; with articles it is a draft for comment."""

    opens_at = models.DateTimeField("开始时间", default=timezone.now)
    closes_at = models.DateTimeField("截止时间")
    document_title = models.CharField(
        "征求意见稿标题",
        max_length=200,
        blank=True,
        help_text="如征集针对一份文件（征求意见稿），在此填写其标题并逐条录入条文。",
    )

    content_panels = Page.content_panels + [
        FieldPanel("description"),
        FieldPanel("categories"),
        FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
        MultiFieldPanel([FieldPanel("document_title"), InlinePanel("articles", label="条文")], heading="征求意见稿"),
    ]
    parent_page_types = ["pages.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "意见征集"
        verbose_name_plural = "意见征集"

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    @property
    def is_draft_for_comment(self) -> bool:
        return bool(self.document_title)


class DraftArticle(Orderable):
    """One numbered article (第 N 条) of a draft for comment."""

    campaign = ParentalKey(CampaignPage, on_delete=models.CASCADE, related_name="articles")
    number = models.PositiveSmallIntegerField("条号")
    heading = models.CharField("标题", max_length=200, blank=True)
    text = models.TextField("条文")

    panels = [FieldRowPanel([FieldPanel("number"), FieldPanel("heading")]), FieldPanel("text")]

    class Meta(Orderable.Meta):
        verbose_name = "条文"
        verbose_name_plural = "条文"
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="one_article_number_per_draft")]

    def __str__(self):
        return f"第{self.number}条 {self.heading}".strip()


@register_setting(icon="mail")
class FeedbackSettings(BaseSiteSetting):
    answer_days = models.PositiveSmallIntegerField("答复期限（工作日）", default=15)
    reminder_days = models.PositiveSmallIntegerField("到期前提醒（工作日）", default=3)
    retention_days = models.PositiveIntegerField(
        "个人信息保存期限（天）",
        default=730,
        help_text="办结或不予受理后超过此期限，姓名、联系方式、地址和附件将被删除，其余保留。",
    )

    panels = [FieldPanel("answer_days"), FieldPanel("reminder_days"), FieldPanel("retention_days")]

    class Meta:
        verbose_name = "意见建议设置"
        verbose_name_plural = "意见建议设置"


class Opinion(models.Model):
    class Kind(models.TextChoices):
        OPINION = "opinion", "意见建议"
        COMMENT = "comment", "征求意见稿意见"

    class Status(models.TextChoices):
        HELD = "held", "待审核"
        NEW = "new", "待处理"
        ASSIGNED = "assigned", "办理中"
        REPLIED = "replied", "已答复"
        CLOSED = "closed", "已办结"
        REJECTED = "rejected", "不予受理"
        FORWARDED = "forwarded", "已转办"

    class RejectReason(models.TextChoices):
        SPAM = "spam", "垃圾信息"
        OUT_OF_SCOPE = "out_of_scope", "不属于受理范围"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.OPINION)
    channel = models.ForeignKey(
        Page, verbose_name="征集", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel_title = models.CharField("征集名称", max_length=255, blank=True)
    article = models.ForeignKey(
        DraftArticle, verbose_name="条文", null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    article_number = models.PositiveSmallIntegerField("条号", null=True, blank=True)
    category = models.CharField("类别", max_length=60, blank=True)
    content = models.TextField("内容")
    # Personal data: erased after the retention period.
    anonymous = models.BooleanField("匿名", default=False)
    name = models.CharField("姓名", max_length=50, blank=True)
    contact = models.CharField("联系方式", max_length=100, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    address_hash = models.CharField("来源地址摘要", max_length=64, blank=True)
    personal_data_erased_at = models.DateTimeField("个人信息删除时间", null=True, blank=True)

    # Not unique: an opinion forwarded down and back again is in this schema twice (the first one 已转办).
    code_hash = models.CharField("查询码摘要", max_length=64, db_index=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.NEW)
    screening_words = models.JSONField("待审核词语", default=list, blank=True)
    reject_reason = models.CharField("不予受理原因", max_length=20, choices=RejectReason.choices, blank=True)
    reject_note = models.TextField("不予受理说明", blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    due_date = models.DateField("办理期限")
    reply = models.TextField("答复", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    adopted = models.BooleanField("已采纳", default=False)
    adoption_note = models.TextField("采纳情况", blank=True)
    # Public Q&A (网上答问): the question as published, personal data masked.
    published = models.BooleanField("已公开", default=False)
    public_question = models.TextField("公开的问题", blank=True)
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    # Forwarding along the hierarchy: where it came from and where it went (ids in the public registry).
    forwarded_from_site_id = models.BigIntegerField("转自单位", null=True, blank=True)
    forwarded_from_opinion_id = models.BigIntegerField("原意见编号", null=True, blank=True)
    forwarded_to_site_id = models.BigIntegerField("转至单位", null=True, blank=True)
    forwarded_to_opinion_id = models.BigIntegerField("转后意见编号", null=True, blank=True)

    class Meta:
        verbose_name = "意见建议"
        verbose_name_plural = "意见建议"
        permissions = [
            ("handle_opinion", "可处理意见建议"),
            ("view_personal_data", "可查看意见建议个人信息"),
            ("receive_escalation", "接收意见建议到期提醒与督办"),
        ]
        indexes = [
            models.Index(fields=["-submitted_at", "-id"], name="opinion_inbox"),
            models.Index(fields=["status", "-submitted_at", "-id"], name="opinion_inbox_status"),
            models.Index(fields=["due_date"], name="opinion_due"),
            models.Index(fields=["address_hash", "submitted_at"], name="opinion_address"),
            models.Index(fields=["channel", "article_number"], name="opinion_channel_article"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.HELD, self.Status.NEW, self.Status.ASSIGNED)


class OpinionAttachment(models.Model):
    """A file sent with an opinion, kept in the database (saved, forwarded and erased with its opinion)."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小")
    data = models.BinaryField("内容")

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self):
        return self.name


class OpinionEvent(models.Model):
    """The history of an opinion: every step, who took it and when; internal notes too."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "提交"
        RELEASED = "released", "审核通过"
        ASSIGNED = "assigned", "分办"
        NOTE = "note", "内部备注"
        REPLIED = "replied", "答复"
        REJECTED = "rejected", "不予受理"
        CLOSED = "closed", "办结"
        FORWARDED_OUT = "forwarded_out", "转出"
        FORWARDED_IN = "forwarded_in", "转入"
        PUBLISHED = "published", "公开答问"
        ADOPTED = "adopted", "采纳"
        REMINDED = "reminded", "到期提醒"
        ESCALATED = "escalated", "超期督办"
        ERASED = "erased", "删除个人信息"

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事项", max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    text = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


@register_snippet
class ReplyTemplate(models.Model):
    """A reply text staff start from (答复模板); {类别} and {提交日期} are filled in."""

    title = models.CharField("名称", max_length=100, unique=True)
    body = models.TextField("内容", help_text="可使用 {类别}、{提交日期}、{征集名称}，答复时自动填入。")

    panels = [FieldPanel("title"), FieldPanel("body")]

    class Meta:
        verbose_name = "答复模板"
        verbose_name_plural = "答复模板"
        ordering = ["title"]

    def __str__(self):
        return self.title
