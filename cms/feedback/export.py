"""CSV and XLSX of figures, of a draft for comment's report, and of the inbox (personal columns only for staff
with the permission, each row's view reported through selectors.personal_data)."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from openpyxl import Workbook

from . import selectors
from .models import CampaignPage, Opinion

FIGURE_HEADER = ["分组", "收到", "已答复", "答复用时中位数（天）", "超期", "超期率（%）", "未办结", "超过三个月未办结"]


def figure_rows(rows: list[selectors.FigureRow]) -> list[list]:
    return [
        [
            r.key,
            r.received,
            r.answered,
            r.median_days if r.median_days is not None else "",
            r.overdue,
            r.overdue_percent,
            r.open,
            r.red,
        ]
        for r in rows
    ]


def draft_report_rows(*, campaign: CampaignPage) -> tuple[list[str], list[list]]:
    header = ["条号", "标题", "意见数", "采纳数", "意见内容", "是否采纳", "采纳情况", "提交时间"]
    rows: list[list] = []
    for article in selectors.draft_report(campaign=campaign):
        rows.append([f"第{article.number}条", article.heading, len(article.comments), article.adopted, "", "", "", ""])
        for comment in article.comments:
            rows.append(
                [
                    "",
                    "",
                    "",
                    "",
                    comment.content,
                    "是" if comment.adopted else "否",
                    comment.adoption_note,
                    f"{timezone.localtime(comment.submitted_at):%Y-%m-%d %H:%M}",
                ]
            )
    return header, rows


def inbox_rows(*, queryset, user, request=None) -> tuple[list[str], list[list]]:
    personal = selectors.can_view_personal_data(user)
    header = ["编号", "类型", "征集", "类别", "状态", "提交时间", "办理期限", "答复时间", "内容", "答复"]
    if personal:
        header += ["姓名", "联系方式", "地址"]
    rows = []
    for o in queryset.defer(None)[:100_000]:
        row = [
            o.pk,
            o.get_kind_display(),
            o.channel_title,
            o.category,
            o.get_status_display(),
            f"{timezone.localtime(o.submitted_at):%Y-%m-%d %H:%M}",
            f"{o.due_date:%Y-%m-%d}",
            f"{timezone.localtime(o.replied_at):%Y-%m-%d %H:%M}" if o.replied_at else "",
            o.content,
            o.reply,
        ]
        if personal:
            data = selectors.personal_data(user=user, opinion=o, request=request, purpose="export")
            row += ["匿名" if data.anonymous else data.name, data.contact, data.address]
        rows.append(row)
    return header, rows


def to_csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese correctly


def to_xlsx(header: list[str], rows: list[list], *, title: str = "意见建议") -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([_safe(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _safe(value):
    """No formula injection: text starting with = + - @ is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


__all__ = ["Opinion", "draft_report_rows", "figure_rows", "inbox_rows", "to_csv", "to_xlsx"]
