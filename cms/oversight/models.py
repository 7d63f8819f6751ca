"""Oversight results, in the public schema: inspection rules, each site's score, its sections, links and reach.

Everything here is written from publishing (cms.network's index signals), the link checker and the
beacon, so the dashboard reads a few precomputed tables and never a site's schema.
"""

from __future__ import annotations

from django.db import models


class InspectionRule(models.Model):
    """One inspection indicator (检查指标). Defaults follow the national government-website indicators."""

    class Kind(models.TextChoices):
        VETO = "veto", "单项否决"
        SCORED = "scored", "扣分项"

    code = models.CharField("代码", max_length=40, unique=True, editable=False)
    name = models.CharField("指标名称", max_length=100)
    description = models.TextField("说明", blank=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    enabled = models.BooleanField("启用", default=True)
    threshold = models.PositiveIntegerField("阈值", default=0, help_text="天数或个数，含义见说明。")
    weight = models.PositiveSmallIntegerField("分值", default=0, help_text="扣分项最多扣除的分数。")
    deduction = models.PositiveSmallIntegerField("每项扣分", default=0)
    keywords = models.CharField(
        "栏目关键词", max_length=200, blank=True, help_text="用于识别政策文件类栏目，以顿号或逗号分隔。"
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "检查指标"
        verbose_name_plural = "检查指标"
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class SectionState(models.Model):
    """One section (栏目) of one site as oversight sees it: its cadence, newest item and item count."""

    site = models.ForeignKey("sites.Association", on_delete=models.CASCADE, related_name="+")
    section_id = models.IntegerField()
    title = models.CharField(max_length=255)
    url = models.CharField(max_length=500, blank=True)
    cadence_days = models.PositiveSmallIntegerField(default=7)
    has_subsections = models.BooleanField(default=False)
    item_count = models.PositiveIntegerField(default=0)
    last_item_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "section_id"], name="one_state_per_section")]

    def __str__(self):
        return self.title


class SiteHealth(models.Model):
    """A site's inspection result, recomputed when it publishes and once a day (dates move on)."""

    site = models.OneToOneField(
        "sites.Association", on_delete=models.CASCADE, primary_key=True, related_name="oversight_health"
    )
    computed_on = models.DateField()
    computed_at = models.DateTimeField(auto_now=True)
    passed = models.BooleanField(default=True)
    score = models.PositiveSmallIntegerField(default=100)
    # [{"code", "name", "kind", "count", "items": [...]}] of the rules the site fails
    failing = models.JSONField(default=list)
    last_update = models.DateTimeField(null=True)
    page_count = models.PositiveIntegerField(default=0)
    weekly_published = models.JSONField(default=list)  # items first published in each of the last 8 weeks

    class Meta:
        indexes = [models.Index(fields=["passed", "score"], name="health_by_result")]

    def __str__(self):
        return f"{self.site_id}: {self.score}"


class LinkStatus(models.Model):
    """One link or image in one site's published content, and what checking it found."""

    class State(models.TextChoices):
        UNCHECKED = "unchecked", "未检查"
        OK = "ok", "正常"
        REDIRECTED = "redirected", "已跳转（同一域名）"
        OFFSITE = "offsite", "跳转到其他域名"
        BROKEN = "broken", "无法访问"
        TIMEOUT = "timeout", "超时"

    PROBLEMS = [State.OFFSITE, State.BROKEN, State.TIMEOUT]

    class Kind(models.TextChoices):
        INTERNAL = "internal", "站内"
        EXTERNAL = "external", "外部"

    site = models.ForeignKey("sites.Association", on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=2000)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    is_image = models.BooleanField(default=False)
    page_ids = models.JSONField(default=list)  # the pages it appears on (the first few)
    page_title = models.CharField(max_length=255, blank=True)  # of the first of them
    state = models.CharField(max_length=12, choices=State.choices, default=State.UNCHECKED)
    http_status = models.PositiveSmallIntegerField(null=True)
    final_url = models.CharField(max_length=2000, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    checked_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "url"], name="one_status_per_link")]
        indexes = [models.Index(fields=["site", "state"], name="links_by_state")]

    def __str__(self):
        return self.url


class LinkCheckRun(models.Model):
    """One run of the link checker over one site: its progress, for the admin."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "检查中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    site = models.ForeignKey("sites.Association", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    problems = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{self.site_id} #{self.pk}"


class PageViewDay(models.Model):
    """Views of one published page on one day (传播力): counts only, nothing about the reader."""

    site = models.ForeignKey("sites.Association", on_delete=models.CASCADE, related_name="+")
    page_id = models.IntegerField()
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "page_id", "day"], name="one_count_per_page_day")]
        indexes = [models.Index(fields=["day", "site"], name="views_by_day")]

    def __str__(self):
        return f"{self.site_id}/{self.page_id} {self.day}: {self.views}"
