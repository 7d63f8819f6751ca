"""Public-schema tables of the opinions channel (no personal data here)."""

from django.db import models


class Receipt(models.Model):
    """One opinion as the network sees it: where it is now, where it stands, when it is due."""

    code_hash = models.CharField("查询码摘要", max_length=64, unique=True)
    site = models.ForeignKey("sites.Association", verbose_name="办理单位", on_delete=models.CASCADE, related_name="+")
    opinion_id = models.BigIntegerField("意见编号")
    kind = models.CharField("类型", max_length=20)
    category = models.CharField("类别", max_length=60, blank=True)
    status = models.CharField("状态", max_length=20, db_index=True)
    submitted_at = models.DateTimeField("提交时间")
    due_date = models.DateField("办理期限")
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    reply = models.TextField("答复", blank=True)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    forwarded = models.BooleanField("曾经转办", default=False)

    class Meta:
        verbose_name = "意见建议回执"
        verbose_name_plural = "意见建议回执"
        indexes = [
            models.Index(fields=["site", "submitted_at"], name="receipt_site_submitted"),
            models.Index(fields=["status", "due_date"], name="receipt_status_due"),
        ]

    def __str__(self):
        return f"{self.site_id}:{self.opinion_id}"


class RateCounter(models.Model):
    """Attempts per key (site schema, what, hashed address or contact) in a fixed window."""

    key = models.CharField(max_length=120)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="one_counter_per_window")]
        indexes = [models.Index(fields=["window_start"], name="ratecounter_window")]

    def __str__(self):
        return f"{self.key}@{self.window_start}"


class Sweep(models.Model):
    """When the deadline sweep last ran (one row per sweep name): every worker asks, one runs it."""

    name = models.CharField(max_length=40, primary_key=True)
    last_run = models.DateTimeField()

    def __str__(self):
        return self.name
