"""Public-opinion watch (舆情监测): the central office's sources, topics, matches, events and their handling.

A shared app: every table is in the public schema. A topic may be limited to one site (`site`), which
then sees only documents from that site.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Source(models.Model):
    class Kind(models.TextChoices):
        FEED = "feed", "RSS/Atom订阅源"
        NETWORK = "network", "网站群内容"
        OPINIONS = "opinions", "意见建议"

    class Status(models.TextChoices):
        NEW = "new", "尚未抓取"
        OK = "ok", "正常"
        NOT_MODIFIED = "not_modified", "无更新"
        ERROR = "error", "出错"

    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.FEED)
    url = models.URLField("订阅地址", max_length=500, blank=True)
    enabled = models.BooleanField("启用", default=True)
    interval_minutes = models.PositiveIntegerField("抓取间隔（分钟）", default=30)
    # Conditional GET: what the server said last time it sent the feed.
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.NEW, editable=False)
    last_error = models.TextField("最近错误", blank=True, editable=False)
    failures = models.PositiveIntegerField("连续失败次数", default=0, editable=False)
    last_fetched_at = models.DateTimeField("最近抓取", null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField("最近成功", null=True, blank=True, editable=False)
    next_fetch_at = models.DateTimeField("下次抓取", null=True, blank=True, editable=False)
    fetch_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    items_imported = models.PositiveIntegerField("累计导入条目", default=0, editable=False)

    class Meta:
        verbose_name = "监测来源"
        verbose_name_plural = "监测来源"
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=~models.Q(kind="feed"), name="watch_one_builtin_source_per_kind"
            ),
            models.CheckConstraint(condition=~models.Q(kind="feed") | ~models.Q(url=""), name="watch_feed_has_url"),
        ]

    def __str__(self):
        return self.name


class Document(models.Model):
    """One item seen by the watch: a feed entry, a page of the network, an opinion."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="documents", verbose_name="来源")
    external_id = models.CharField(max_length=500)
    site = models.ForeignKey(
        "sites.Association", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name="网站"
    )
    url = models.CharField("链接", max_length=1000, blank=True)
    title = models.CharField("标题", max_length=500, blank=True)
    text = models.TextField("内容", blank=True)
    content_hash = models.CharField(max_length=64)
    version = models.CharField(max_length=40, blank=True)  # a page's last publishing time, to skip unchanged ones
    published_at = models.DateTimeField("发布时间")
    seen_at = models.DateTimeField("收录时间", auto_now_add=True)
    removed_at = models.DateTimeField("已撤下", null=True, blank=True)

    class Meta:
        verbose_name = "监测条目"
        verbose_name_plural = "监测条目"
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="watch_document_once")]

    def __str__(self):
        return self.title or self.url


class Topic(models.Model):
    name = models.CharField("专题名称", max_length=100, unique=True)
    rule = models.TextField(
        "关键词规则",
        help_text="AND（并且）、OR（或者）、NOT（排除）、括号、引号短语、NEAR/n（相距不超过n个字），如："
        '文联 AND (换届 OR 选举) NOT 演习；"中国文联" NEAR/5 抄袭',
    )
    enabled = models.BooleanField("启用", default=True)
    site = models.ForeignKey(
        "sites.Association",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="限定网站",
        help_text="留空：监测全部来源；选定网站：只监测该网站的内容",
    )
    window_hours = models.PositiveIntegerField(
        "事件时间窗（小时）", default=24, help_text="同一专题的命中相隔不超过此时长，归入同一事件"
    )
    threshold = models.PositiveIntegerField("预警阈值", default=10, help_text="事件命中条数达到此数时通知处置人")
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="watch_topics", verbose_name="处置人"
    )
    handling_days = models.PositiveIntegerField("处置时限（天）", default=2)
    rule_error = models.TextField("规则错误", blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "监测专题"
        verbose_name_plural = "监测专题"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        from .rules import RuleError, check

        try:
            check(self.rule)
            self.rule_error = ""
        except RuleError as error:  # saved without the form's check: kept, but never evaluated
            self.rule_error = f"规则无法解析：{error}"
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "rule_error", "updated_at"}
        super().save(*args, **kwargs)

    def clean(self):
        from django.core.exceptions import ValidationError

        from .rules import RuleError, check

        try:
            check(self.rule)
        except RuleError as error:
            raise ValidationError({"rule": f"规则无法解析：{error}"}) from None


class Event(models.Model):
    class Stage(models.TextChoices):
        MONITORING = "monitoring", "监测"
        ANALYSING = "analysing", "研判"
        HANDLING = "handling", "处置"
        CLOSED = "closed", "结束"

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events", verbose_name="专题")
    title = models.CharField("事件", max_length=500)
    started_at = models.DateTimeField("开始")
    last_match_at = models.DateTimeField("最近命中")
    match_count = models.PositiveIntegerField("命中条数", default=0)
    stage = models.CharField("处置阶段", max_length=20, choices=Stage.choices, default=Stage.MONITORING)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="处置人",
    )
    deadline = models.DateTimeField("处置期限", null=True, blank=True)
    alerted_at = models.DateTimeField("已预警", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "舆情事件"
        verbose_name_plural = "舆情事件"
        indexes = [
            models.Index(fields=["-last_match_at", "-id"], name="watch_event_latest"),
            models.Index(fields=["topic", "stage", "-last_match_at"], name="watch_event_open"),
        ]

    def __str__(self):
        return self.title

    @property
    def handling_link(self):
        from django.urls import reverse
        from django.utils.html import format_html

        return format_html('<a href="{}">处置记录</a>', reverse("watch_event_handle", args=[self.pk]))

    handling_link.fget.short_description = "处置"


class Match(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="matches")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="matches")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="matches")
    matched_at = models.DateTimeField()  # the document's time: events and counts follow when things were said

    class Meta:
        verbose_name = "命中"
        verbose_name_plural = "命中"
        constraints = [models.UniqueConstraint(fields=["topic", "document"], name="watch_match_once")]
        indexes = [models.Index(fields=["event", "matched_at"], name="watch_match_event_time")]

    def __str__(self):
        return f"{self.topic_id}:{self.document_id}"


class HandlingStep(models.Model):
    """The handling record of an event: each move between stages, with a note, who and the deadline."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="steps")
    from_stage = models.CharField("原阶段", max_length=20, choices=Event.Stage.choices)
    to_stage = models.CharField("新阶段", max_length=20, choices=Event.Stage.choices)
    note = models.TextField("处置意见")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="记录人"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="处置人"
    )
    deadline = models.DateTimeField("处置期限", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "处置记录"
        verbose_name_plural = "处置记录"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"


class Alert(models.Model):
    """One handler told that an event grew past its topic's threshold (shown on their admin dashboard)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="alerts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watch_alerts")
    match_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "舆情预警"
        verbose_name_plural = "舆情预警"
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="watch_alert_once")]

    def __str__(self):
        return f"{self.event_id} → {self.user_id}"


class ApiToken(models.Model):
    """A token for the office's own tools to read the watch over GraphQL (only its SHA-256 is kept)."""

    name = models.CharField("名称", max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "舆情接口令牌"
        verbose_name_plural = "舆情接口令牌"

    def __str__(self):
        return self.name
