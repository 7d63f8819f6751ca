"""The audit log, in the public schema only: one append-only table for the whole network.

Each entry belongs to the chain of the schema it happened in (`schema_name`: a site's schema, or
`public` for the central office). Within a chain, entries are numbered (`seq`) and each stores the
hash of the one before it and its own hash over a canonical serialisation (see chain.py), so an edit,
an insertion or a removal in the middle is found by `cms audit verify`. PostgreSQL refuses UPDATE,
DELETE and TRUNCATE on the table (migration 0002), except the purge's DELETE of entries older than
the retention. Users live in each site's schema, so the user is kept by id and name, not a foreign key.
"""

from __future__ import annotations

import json

from django.db import models


class AuditEntry(models.Model):
    schema_name = models.CharField("网站架构", max_length=63, db_index=False)
    seq = models.BigIntegerField("序号")
    timestamp = models.DateTimeField("时间")
    action = models.CharField("操作", max_length=64)
    user_id = models.BigIntegerField("用户编号", null=True, blank=True)
    username = models.CharField("用户", max_length=150, blank=True)
    ip_address = models.CharField("地址", max_length=45, blank=True)
    user_agent = models.CharField("浏览器", max_length=512, blank=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象编号", max_length=100, blank=True)
    object_label = models.CharField("对象", max_length=255, blank=True)
    # Canonical JSON text (sorted keys, no spaces), hashed exactly as stored.
    detail = models.TextField("详情", blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        constraints = [models.UniqueConstraint(fields=["schema_name", "seq"], name="audit_entry_chain_seq")]
        indexes = [
            models.Index(fields=["schema_name", "-timestamp"], name="audit_entry_site_time"),
            models.Index(fields=["-timestamp"], name="audit_entry_time"),
        ]

    def __str__(self) -> str:
        return f"{self.schema_name}#{self.seq} {self.action}"

    @property
    def details(self) -> dict:
        return json.loads(self.detail) if self.detail else {}


class AuditAnchor(models.Model):
    """Where a chain resumes after a purge: the number and hash of the last entry removed.

    The first remaining entry of a purged chain must point at an anchor (its `prev_hash` is the
    anchor's `hash`, its `seq` the anchor's plus one); a chain never purged starts at seq 1 from
    the genesis hash. Anchors are append-only too."""

    schema_name = models.CharField(max_length=63)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    purged_at = models.DateTimeField()
    cutoff = models.DateTimeField()
    removed = models.BigIntegerField()

    class Meta:
        verbose_name = "审计日志清理锚点"
        verbose_name_plural = "审计日志清理锚点"
        constraints = [models.UniqueConstraint(fields=["schema_name", "seq"], name="audit_anchor_chain_seq")]

    def __str__(self) -> str:
        return f"{self.schema_name}@{self.seq}"
