"""Sensitive-word screening, in the public schema only: the layered lexicons, their history, overrides
of review-level hits, and what re-scans found on each site.

A lexicon entry belongs to a layer: `site` empty is the national lexicon kept by the central office;
otherwise the site (a federation or association) that added it. A site's effective lexicon is the
national layer, then each of its ancestors' (the registry's `parent` chain), then its own.
"""

from __future__ import annotations

from django.db import models


class Level(models.TextChoices):
    BLOCK = "block", "禁止发布"
    REVIEW = "review", "需审核"
    NOTE = "note", "提示"


LEVEL_ORDER = {Level.NOTE: 0, Level.REVIEW: 1, Level.BLOCK: 2}


class LexiconEntry(models.Model):
    """One word of one layer, or one exempted phrase (an allow-list entry: a name, a work title)."""

    class Kind(models.TextChoices):
        WORD = "word", "敏感词"
        EXEMPTION = "exemption", "豁免词"

    site = models.ForeignKey(
        "sites.Association",
        verbose_name="所属网站",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="lexicon_entries",
        help_text="留空为全国词库（中央管理平台维护）。",
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.WORD)
    word = models.CharField("词语", max_length=50)
    normalised = models.CharField("归一化形式", max_length=100, editable=False)
    category = models.CharField("类别", max_length=30, blank=True)
    level = models.CharField("级别", max_length=10, choices=Level.choices, default=Level.BLOCK)
    created_by = models.CharField("添加人", max_length=150, blank=True)
    created_at = models.DateTimeField("添加时间", auto_now_add=True)

    class Meta:
        verbose_name = "敏感词"
        verbose_name_plural = "敏感词库"
        constraints = [
            models.UniqueConstraint(
                fields=["site", "kind", "normalised"], name="one_entry_per_layer", nulls_distinct=False
            ),
        ]
        indexes = [models.Index(fields=["site", "kind"], name="lexicon_layer")]

    def __str__(self):
        return self.word


class LexiconVersion(models.Model):
    """One row: moved on by every lexicon change, in the change's transaction. Every process reads it
    before screening and rebuilds its cached automaton when it moved."""

    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"词库版本 {self.version}"


class LexiconChange(models.Model):
    """The history of a layer: who changed what, when."""

    class Action(models.TextChoices):
        ADD = "add", "添加"
        UPDATE = "update", "修改"
        REMOVE = "remove", "删除"
        IMPORT = "import", "导入"

    site = models.ForeignKey(
        "sites.Association", null=True, blank=True, on_delete=models.CASCADE, related_name="lexicon_changes"
    )
    site_name = models.CharField("词库", max_length=100)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    actor = models.CharField("操作人", max_length=150, blank=True)
    summary = models.TextField("内容")
    words = models.JSONField("涉及词语", default=list, blank=True)  # at most the first 1,000
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "词库变更记录"
        verbose_name_plural = "词库变更记录"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.site_name}：{self.get_action_display()}（{self.at:%Y-%m-%d %H:%M}）"


class ScreeningOverride(models.Model):
    """A named reviewer's decision to publish a revision despite its review-level hits."""

    site = models.ForeignKey("sites.Association", on_delete=models.CASCADE, related_name="screening_overrides")
    page_id = models.IntegerField()
    revision_id = models.IntegerField()
    page_title = models.CharField("页面", max_length=255)
    words = models.JSONField("放行的词语", default=list)
    reason = models.TextField("理由")
    user_name = models.CharField("审核人", max_length=150)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "审核放行记录"
        verbose_name_plural = "审核放行记录"
        indexes = [models.Index(fields=["site", "page_id", "revision_id"], name="override_revision")]

    def __str__(self):
        return f"{self.page_title}：{self.user_name} 放行"


class Rescan(models.Model):
    """One re-scan of published content after a lexicon change: its progress and outcome."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    site = models.ForeignKey("sites.Association", on_delete=models.CASCADE, related_name="rescans")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField("原因", max_length=200, blank=True)
    pages_total = models.IntegerField("页面总数", default=0)
    pages_done = models.IntegerField("已检查", default=0)
    hits = models.IntegerField("命中", default=0)
    lexicon_version = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "复查任务"
        verbose_name_plural = "复查任务"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.site}：{self.get_status_display()}"


class Finding(models.Model):
    """A hit in a site's published content, as the latest re-scan found it (replaced by the next)."""

    site = models.ForeignKey("sites.Association", on_delete=models.CASCADE, related_name="screening_findings")
    rescan = models.ForeignKey(Rescan, on_delete=models.SET_NULL, null=True, related_name="findings")
    page_id = models.IntegerField()
    page_title = models.CharField("页面", max_length=255)
    word = models.CharField("词语", max_length=50)
    category = models.CharField("类别", max_length=30, blank=True)
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    field = models.CharField("位置", max_length=100)
    context = models.CharField("上下文", max_length=200)
    found_at = models.DateTimeField("发现时间", auto_now_add=True)

    class Meta:
        verbose_name = "复查命中"
        verbose_name_plural = "复查命中"
        ordering = ["site", "page_id", "pk"]
        indexes = [models.Index(fields=["site", "level"], name="finding_site_level")]

    def __str__(self):
        return f"{self.page_title}：{self.word}"


class ReviewPolicy(models.Model):
    """How a site reviews before publishing, set by the central office: the levels of review that
    apply (三审三校, or fewer for small sites), whether the proofreading steps (校) run, and after how
    many working days a waiting step is flagged as overdue. A site without a row has the defaults."""

    class Levels(models.IntegerChoices):
        THREE = 3, "三审（初审、复审、终审）"
        TWO = 2, "两审（初审、终审）"
        ONE = 1, "一审（终审）"

    DEFAULT_LEVELS = 3
    DEFAULT_OVERDUE_DAYS = 2

    site = models.OneToOneField(
        "sites.Association", verbose_name="网站", on_delete=models.CASCADE, related_name="review_policy"
    )
    levels = models.PositiveSmallIntegerField("审核级别", choices=Levels.choices, default=DEFAULT_LEVELS)
    proofreading = models.BooleanField(
        "校对步骤", default=True, help_text="启用工作流中的校对（一校、二校、三校）步骤。"
    )
    overdue_working_days = models.PositiveSmallIntegerField(
        "超期天数", default=DEFAULT_OVERDUE_DAYS, help_text="一个步骤等待超过这么多个工作日即标为超期。"
    )
    updated_by = models.CharField("设置人", max_length=150, blank=True)
    updated_at = models.DateTimeField("设置时间", auto_now=True)

    class Meta:
        verbose_name = "审核设置"
        verbose_name_plural = "审核设置"

    def __str__(self):
        return f"{self.site}：{self.get_levels_display()}"
