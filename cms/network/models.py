"""The network layer, in the public schema only: the national index and syndication records.

Sites write here from their own schema's connection (the search path ends in public), in the
same transaction as the change that caused the write.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q

from cms.media.origin import complete_url

CONTENT_TYPES = ["article", "notice", "event", "profile", "work"]


class IndexEntry(models.Model):
    """One published, public page of one site, as national feeds and national search see it."""

    site = models.ForeignKey("sites.Association", on_delete=models.CASCADE, related_name="index_entries")
    page_id = models.IntegerField()
    page_type = models.CharField(max_length=20)  # article, notice, event, profile, work, section, standard, home
    section_id = models.IntegerField(null=True)
    section_title = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=255)
    summary = models.TextField(blank=True)
    art_forms = ArrayField(models.CharField(max_length=20), default=list)
    tags = ArrayField(models.CharField(max_length=100), default=list)
    # The site's place in the registry, copied so that feeds filter on one table.
    site_kind = models.CharField(max_length=30)
    region = models.CharField(max_length=50, blank=True)
    ancestor_ids = ArrayField(models.BigIntegerField(), default=list)
    date = models.DateField(null=True)
    published_at = models.DateTimeField()  # first published
    updated_at = models.DateTimeField()  # last published
    url = models.CharField(max_length=500)
    canonical_url = models.CharField(max_length=500)
    source_site_name = models.CharField(max_length=100, blank=True)  # set on syndicated copies
    # National search: the title and the rest (summary, tags, section) segmented for Chinese
    # (cms/text/segmentation.py), and the weighted vector PostgreSQL keeps from them.
    search_title = models.TextField(blank=True)
    search_body = models.TextField(blank=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("search_title", weight="A", config="simple")
        + SearchVector("search_body", weight="B", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "全国内容索引"
        verbose_name_plural = "全国内容索引"
        constraints = [models.UniqueConstraint(fields=["site", "page_id"], name="one_entry_per_page")]
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="index_latest"),
            models.Index(fields=["page_type", "-published_at", "-id"], name="index_latest_by_type"),
            models.Index(fields=["site_kind", "-published_at", "-id"], name="index_latest_by_kind"),
            models.Index(fields=["region", "-published_at", "-id"], name="index_latest_by_region"),
            models.Index(fields=["site", "-published_at", "-id"], name="index_latest_by_site"),
            # ancestor_ids[1] is the parent: the feeds of a site's direct children
            models.Index(F("ancestor_ids__0"), F("published_at").desc(), F("id").desc(), name="index_latest_by_parent"),
            GinIndex(fields=["ancestor_ids"], name="index_ancestors"),
            GinIndex(fields=["art_forms"], name="index_art_forms"),
            GinIndex(fields=["search_vector"], name="index_search"),
        ]

    def __str__(self):
        return self.title

    # url and canonical_url are stored portable (cms.media.origin); readers use these.
    @property
    def link(self) -> str:
        return complete_url(self.url)

    @property
    def canonical_link(self) -> str:
        return complete_url(self.canonical_url)


class SyndicationPolicy(models.Model):
    """How a site takes items pushed down to it by the central office or a parent federation."""

    class Landing(models.TextChoices):
        DRAFT = "draft", "存为草稿，由本站编辑审核后发布"
        PUBLISH = "publish", "直接发布（本站设有审核流程时进入审核）"

    site = models.OneToOneField("sites.Association", on_delete=models.CASCADE, related_name="syndication_policy")
    landing = models.CharField("下发内容的处理方式", max_length=10, choices=Landing.choices, default=Landing.DRAFT)
    section_id = models.IntegerField("下发内容放入的栏目", null=True, blank=True)

    class Meta:
        verbose_name = "转载设置"
        verbose_name_plural = "转载设置"

    def __str__(self):
        return f"{self.site}：{self.get_landing_display()}"


class Syndication(models.Model):
    """One item travelling from one site to another along the hierarchy, and the copy it became."""

    class Direction(models.TextChoices):
        UP = "up", "报送"
        DOWN = "down", "下发"

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        ACCEPTED = "accepted", "已采用"
        DECLINED = "declined", "已退回"
        DELIVERED = "delivered", "已送达"
        FAILED = "failed", "失败"
        WITHDRAWN = "withdrawn", "已撤回"

    class CopyState(models.TextChoices):
        NONE = "", "—"
        IN_SYNC = "in_sync", "与来源一致"
        SOURCE_CHANGED = "source_changed", "来源已更新，本站副本已改动，请核对"
        SOURCE_UNPUBLISHED = "source_unpublished", "来源已撤稿"
        SOURCE_DELETED = "source_deleted", "来源已删除"

    OPEN_STATUSES = [Status.PENDING, Status.ACCEPTED, Status.DELIVERED]

    direction = models.CharField(max_length=4, choices=Direction.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    source_site = models.ForeignKey(
        "sites.Association", null=True, on_delete=models.SET_NULL, related_name="syndications_sent"
    )
    source_site_name = models.CharField(max_length=100)
    # The slugs outlive the sites: a site deleted and restored from a backup gets its records back by them.
    source_site_slug = models.CharField(max_length=40, blank=True, default="")
    source_page_id = models.IntegerField()
    source_title = models.CharField(max_length=255)
    source_url = models.CharField(max_length=500)
    canonical_url = models.CharField(max_length=500)
    target_site = models.ForeignKey(
        "sites.Association", null=True, on_delete=models.SET_NULL, related_name="syndications_received"
    )
    target_site_name = models.CharField(max_length=100)
    target_site_slug = models.CharField(max_length=40, blank=True, default="")
    note = models.TextField(blank=True)
    decline_reason = models.TextField(blank=True)
    error = models.TextField(blank=True)
    copy_page_id = models.IntegerField(null=True, blank=True)
    # The copy's revision this service wrote last: a copy whose latest revision is another was edited.
    copy_revision_id = models.IntegerField(null=True, blank=True)
    copy_state = models.CharField(max_length=20, choices=CopyState.choices, blank=True, default="")
    media_map = models.JSONField(default=dict, blank=True)  # "image:12" -> id of its copy in the target
    sent_by = models.CharField(max_length=150)
    sent_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "投递与转载"
        verbose_name_plural = "投递与转载"
        ordering = ["-sent_at", "-id"]
        constraints = [
            # One live route per item and receiver: a second submission or push is refused, not duplicated.
            models.UniqueConstraint(
                fields=["source_site", "source_page_id", "target_site"],
                condition=Q(status__in=["pending", "accepted", "delivered"]),
                name="one_open_syndication_per_receiver",
            )
        ]
        indexes = [
            models.Index(fields=["target_site", "status"], name="syndication_inbox"),
            models.Index(fields=["source_site", "source_page_id"], name="syndication_by_source"),
        ]

    def __str__(self):
        return f"{self.source_title}：{self.source_site_name} → {self.target_site_name}"

    @property
    def source_link(self) -> str:
        """The source's address as readers use it (source_url is stored portable: cms.media.origin)."""
        return complete_url(self.source_url)


class SyndicationEvent(models.Model):
    """The record of every move: who did what, when, from which site to which."""

    syndication = models.ForeignKey(Syndication, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    actor = models.CharField(max_length=150, blank=True)
    from_site = models.CharField(max_length=100)
    to_site = models.CharField(max_length=100)
    detail = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "转载记录"
        verbose_name_plural = "转载记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action}：{self.from_site} → {self.to_site}"
