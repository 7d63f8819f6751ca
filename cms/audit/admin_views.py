"""审计日志 in the admin: a site's administrators see their own site's entries; the central office sees
every site's, with a site filter. Filter by user, action, dates and address; export the filtered list as
CSV (streamed) or XLSX, at most CMS_AUDIT_EXPORT_MAX_ROWS rows."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django_tenants.utils import get_public_schema_name
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from . import selectors
from .actions import action_label
from .filters import AuditEntryFilterSet, site_names

CSV_CHUNK = 2000


def local_time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def is_central_office() -> bool:
    return connection.schema_name == get_public_schema_name()


class AuditLogView(ReportView):
    page_title = "审计日志"
    header_icon = "history"
    index_url_name = "audit_log"
    index_results_url_name = "audit_log_results"
    filterset_class = AuditEntryFilterSet
    paginate_by = 50
    no_results_message = "没有符合条件的审计日志。"
    list_export = [
        "timestamp",
        "site_name",
        "username",
        "action_name",
        "object_type",
        "object_id",
        "object_label",
        "ip_address",
        "user_agent",
        "detail",
        "seq",
        "hash",
    ]
    export_headings = {
        "timestamp": "时间",
        "site_name": "网站",
        "username": "用户",
        "action_name": "操作",
        "object_type": "对象类型",
        "object_id": "对象编号",
        "object_label": "对象",
        "ip_address": "地址",
        "user_agent": "浏览器",
        "detail": "详情",
        "seq": "序号",
        "hash": "哈希",
    }

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def schema_name(self) -> str | None:
        return None if is_central_office() else connection.schema_name

    def get_filterset_kwargs(self):
        return {**super().get_filterset_kwargs(), "schema_name": self.schema_name}

    def get_queryset(self):
        return selectors.entries(schema_name=self.schema_name)

    @cached_property
    def columns(self):
        columns = [Column("timestamp", label="时间", accessor=lambda e: local_time(e.timestamp), width="12em")]
        if self.schema_name is None:
            columns.append(Column("site_name", label="网站"))
        return columns + [
            Column("username", label="用户", accessor=lambda e: e.username or "（系统）"),
            Column("action_name", label="操作"),
            Column("object_label", label="对象", accessor=lambda e: e.object_label or e.object_id),
            Column("ip_address", label="地址"),
            Column("user_agent", label="浏览器", accessor=lambda e: e.user_agent[:60]),
        ]

    def decorate(self, entries):
        names = site_names({entry.schema_name for entry in entries})
        for entry in entries:
            entry.action_name = action_label(entry.action)
            entry.site_name = names.get(entry.schema_name, entry.schema_name)
            yield entry

    def decorate_paginated_queryset(self, object_list):
        if self.is_export:  # the whole filtered queryset: decorated batch by batch as it is written
            return object_list
        return list(self.decorate(list(object_list)))

    def get_filename(self):
        return f"audit-log-{timezone.localdate():%Y-%m-%d}"

    def to_row_dict(self, item):
        row = super().to_row_dict(item)
        row["timestamp"] = local_time(item.timestamp)
        return row

    def as_spreadsheet(self, queryset, spreadsheet_format):
        limit = settings.CMS_AUDIT_EXPORT_MAX_ROWS
        count = queryset.count()
        if count > limit:
            messages.error(
                self.request,
                f"符合条件的日志有 {count} 条，超过单次导出上限 {limit} 条，请缩小日期范围或增加筛选条件。",
            )
            params = self.request.GET.copy()
            params.pop("export", None)
            return redirect(f"{self.request.path}?{params.urlencode()}")
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def stream_csv(self, queryset):
        """Row by row from a server-side cursor: memory stays flat whatever the export's size."""
        yield "\ufeff"  # a byte-order mark so spreadsheet programs read the Chinese as UTF-8
        yield from super().stream_csv(self._batched(queryset))

    def write_xlsx(self, queryset, output):
        return super().write_xlsx(self._batched(queryset), output)

    def _batched(self, queryset):
        view = self

        class Batched:
            model = queryset.model  # for the headings

            def __iter__(self):
                batch = []
                for entry in queryset.iterator(chunk_size=CSV_CHUNK):
                    batch.append(entry)
                    if len(batch) == CSV_CHUNK:
                        yield from view.decorate(batch)
                        batch = []
                yield from view.decorate(batch)

        return Batched()
