"""Reads of the opinions channel. Personal data leaves this module only through `personal_data`, which checks
the permission and reports every view to `_personal_data_viewed` (the audit log's hook)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from cms.audit.services import record
from sites.models import Association

from . import abuse, codes
from .abuse import SubmissionError
from .models import CampaignPage, Opinion
from .receipts.models import Receipt

INBOX_PAGE_SIZE = 50
OPEN_STATES = (Opinion.Status.HELD, Opinion.Status.NEW, Opinion.Status.ASSIGNED)
ANSWERED_STATES = (Opinion.Status.REPLIED, Opinion.Status.CLOSED)


# --- privacy ---


@dataclass(frozen=True)
class PersonalData:
    name: str
    anonymous: bool
    contact: str
    address: str
    erased: bool


def can_view_personal_data(user) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.has_perm("feedback.view_personal_data")))


def can_handle(user) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.has_perm("feedback.handle_opinion")))


def _personal_data_viewed(user, opinion: Opinion, request, *, purpose: str = "view") -> None:
    """Every view of an opinion's personal data passes here and is written to the audit log (in the
    viewer's transaction: a view that was answered is never missing from the log)."""
    record(
        "feedback.personal_data_viewed",
        user=user,
        request=request,
        object_type="opinion",
        object_id=opinion.pk,
        object_label=opinion.channel_title,
        detail={"purpose": purpose},
    )


def personal_data(*, user, opinion: Opinion, request=None, purpose: str = "view") -> PersonalData:
    if not can_view_personal_data(user):
        raise PermissionDenied("没有查看意见建议个人信息的权限。")
    _personal_data_viewed(user, opinion, request, purpose=purpose)
    return PersonalData(
        name=opinion.name,
        anonymous=opinion.anonymous,
        contact=opinion.contact,
        address=opinion.address,
        erased=opinion.personal_data_erased_at is not None,
    )


# --- the inbox ---


def inbox(*, status: str = "", category: str = "", channel_id: int | None = None, overdue: bool = False, today=None):
    """Opinions newest first, filtered; served by the (status, submitted_at) and (submitted_at) indexes."""
    rows = Opinion.objects.select_related("assignee").defer("content", "reply", "public_question", "adoption_note")
    if status:
        rows = rows.filter(status=status)
    if category:
        rows = rows.filter(category=category)
    if channel_id:
        rows = rows.filter(channel_id=channel_id)
    if overdue:
        rows = rows.filter(status__in=OPEN_STATES, due_date__lt=today or timezone.localdate())
    return rows.order_by("-submitted_at", "-id")


def status_counts() -> dict[str, int]:
    return dict(Opinion.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))


def months_before(day: datetime.date, months: int) -> datetime.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for candidate in range(day.day, 0, -1):
        try:
            return datetime.date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)


def is_red(opinion: Opinion, *, today: datetime.date | None = None) -> bool:
    """Open for more than three months: flagged red on the site and to the central office."""
    today = today or timezone.localdate()
    return opinion.status in OPEN_STATES and timezone.localdate(opinion.submitted_at) < months_before(today, 3)


def opinion(*, opinion_id: int) -> Opinion | None:
    return Opinion.objects.select_related("assignee", "replied_by", "article").filter(pk=opinion_id).first()


# --- public reads (no personal data) ---


@dataclass(frozen=True)
class PublicStatus:
    status: str
    status_label: str
    site_name: str
    kind: str
    category: str
    submitted_at: datetime.datetime
    due_date: datetime.date
    replied_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    reply: str
    forwarded: bool


def lookup(*, code: str, client_address: str | None) -> PublicStatus:
    """Status of an opinion by its tracking code, network-wide (the receipt says which site holds it).
    Lookups are rate-limited per address; a malformed or unknown code is the same 404."""
    abuse.check_lookup_rate(address=client_address)
    digest = codes.code_hash(code)
    receipt = None
    if digest is not None:
        receipt = Receipt.objects.select_related("site").filter(code_hash=digest).first()
    if receipt is None or not codes.same(receipt.code_hash, digest):
        raise SubmissionError("查询码不存在，请核对后重新输入。", status=404, field="code")
    labels = dict(Opinion.Status.choices)
    return PublicStatus(
        status=receipt.status,
        status_label=labels.get(receipt.status, receipt.status),
        site_name=receipt.site.name,
        kind=receipt.kind,
        category=receipt.category,
        submitted_at=receipt.submitted_at,
        due_date=receipt.due_date,
        replied_at=receipt.replied_at,
        closed_at=receipt.closed_at,
        reply=receipt.reply,
        forwarded=receipt.forwarded,
    )


def public_answers(*, channel_id: int | None = None, limit: int = 20, offset: int = 0):
    """Published Q&A of this site: masked question, reply, dates (never name, contact or address)."""
    rows = Opinion.objects.filter(published=True).only(
        "id", "public_question", "reply", "category", "channel_title", "submitted_at", "replied_at", "published_at"
    )
    if channel_id:
        rows = rows.filter(channel_id=channel_id)
    return list(rows.order_by("-published_at", "-id")[offset : offset + limit])


# --- drafts for comment ---


@dataclass
class ArticleReport:
    number: int
    heading: str
    text: str
    comments: list[Opinion]

    @property
    def adopted(self) -> int:
        return sum(1 for c in self.comments if c.adopted)


def draft_report(*, campaign: CampaignPage) -> list[ArticleReport]:
    """Comments grouped by article (in article order), with counts and what was adopted: two queries."""
    articles = list(campaign.articles.order_by("number"))
    comments: dict[int, list[Opinion]] = {}
    rows = (
        Opinion.objects.filter(channel_id=campaign.pk, kind=Opinion.Kind.COMMENT)
        .exclude(status__in=(Opinion.Status.REJECTED, Opinion.Status.HELD))
        .only("id", "article_number", "content", "adopted", "adoption_note", "submitted_at", "status", "reply")
        .order_by("article_number", "submitted_at", "id")
    )
    for row in rows:
        comments.setdefault(row.article_number, []).append(row)
    return [ArticleReport(a.number, a.heading, a.text, comments.get(a.number, [])) for a in articles]


# --- figures (from the public receipts: no site's schema is read) ---


def visible_sites(*, site: Association | None) -> list[Association]:
    """The central office sees every site; a site itself and those below it."""
    everyone = list(Association.objects.exclude(schema_name=get_public_schema_name()).order_by("id"))
    if site is None or site.schema_name == get_public_schema_name():
        return everyone
    below: dict[int | None, list[Association]] = {}
    for s in everyone:
        below.setdefault(s.parent_id, []).append(s)
    seen, stack = [], [site]
    while stack:
        current = stack.pop()
        seen.append(current)
        stack.extend(below.get(current.pk, []))
    return sorted(seen, key=lambda s: s.pk)


@dataclass
class FigureRow:
    key: str
    received: int
    answered: int
    overdue: int
    open: int
    red: int
    median_days: float | None

    @property
    def overdue_percent(self) -> float:
        counted = self.received
        return round(100.0 * self.overdue / counted, 1) if counted else 0.0


GROUPS = {
    "site": "s.name",
    "category": "coalesce(nullif(r.category, ''), '未分类')",
    "month": "to_char(r.submitted_at AT TIME ZONE %s, 'YYYY-MM')",
}


def figures(
    *, site_ids: list[int], group_by: str = "site", date_from=None, date_to=None, today=None
) -> list[FigureRow]:
    """Received, answered, median days to answer, overdue (open past the deadline, or answered after it), open,
    red (open over three months), grouped by site, category or month; one query over the receipts."""
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}")
    today = today or timezone.localdate()
    red_before = months_before(today, 3)
    tz = timezone.get_current_timezone_name()
    params: list = []
    key = GROUPS[group_by]
    if group_by == "month":
        params.append(tz)
    answered = "r.status IN ('replied', 'closed')"
    open_ = "r.status IN ('held', 'new', 'assigned')"
    sql = f"""
        SELECT {key} AS key,
               count(*) FILTER (WHERE r.status <> 'rejected'),
               count(*) FILTER (WHERE {answered}),
               count(*) FILTER (WHERE ({open_} AND r.due_date < %s)
                                   OR ({answered} AND (r.replied_at AT TIME ZONE %s)::date > r.due_date)),
               count(*) FILTER (WHERE {open_}),
               count(*) FILTER (WHERE {open_} AND (r.submitted_at AT TIME ZONE %s)::date < %s),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.replied_at - r.submitted_at) / 86400.0)
                   FILTER (WHERE {answered})
        FROM public.{Receipt._meta.db_table} r JOIN public.{Association._meta.db_table} s ON s.id = r.site_id
        WHERE r.site_id = ANY(%s) {"AND r.submitted_at >= %s" if date_from else ""} {"AND r.submitted_at < %s" if date_to else ""}
        GROUP BY 1 ORDER BY 1"""  # noqa: S608 (our own table names and fixed expressions)
    params += [today, tz, tz, red_before, list(site_ids)]
    if date_from:
        params.append(date_from)
    if date_to:
        params.append(date_to)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            FigureRow(key, received, answered_, overdue, open_n, red, round(median, 1) if median is not None else None)
            for key, received, answered_, overdue, open_n, red, median in cursor.fetchall()
        ]


def unanswered_over(*, site_ids: list[int] | None = None, today: datetime.date, days: int) -> dict[int, int]:
    """Per site: valid opinions still unanswered more than `days` days after they came in (the oversight
    rule 意见建议超期未回复). Reads the public receipts only (one query), never a site's schema."""
    cutoff = datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time.min)
    rows = Receipt.objects.filter(
        status__in=[s.value for s in OPEN_STATES],
        submitted_at__lt=timezone.make_aware(cutoff, timezone.get_current_timezone()),
    )
    if site_ids is not None:
        rows = rows.filter(site_id__in=site_ids)
    return {row["site_id"]: row["n"] for row in rows.values("site_id").annotate(n=Count("id"))}


def overdue_counts(*, site_ids: list[int] | None = None, today: datetime.date | None = None) -> dict[int, dict]:
    """Per site: open opinions, those past their deadline, and those open over three months (red). For the
    central office's oversight; reads the public receipts only (one query), never a site's schema."""
    today = today or timezone.localdate()
    red_before = months_before(today, 3)
    rows = Receipt.objects.filter(status__in=[s.value for s in OPEN_STATES])
    if site_ids is not None:
        rows = rows.filter(site_id__in=site_ids)
    tz = timezone.get_current_timezone()
    red_cutoff = datetime.datetime.combine(red_before, datetime.time.min, tzinfo=tz)
    result = rows.values("site_id").annotate(
        open=Count("id"),
        overdue=Count("id", filter=Q(due_date__lt=today)),
        red=Count("id", filter=Q(submitted_at__lt=red_cutoff)),
    )
    return {row["site_id"]: {"open": row["open"], "overdue": row["overdue"], "red": row["red"]} for row in result}
