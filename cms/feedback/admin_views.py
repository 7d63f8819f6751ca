"""The opinions inbox in each site's Wagtail admin (意见建议办理). Thin callers of services and selectors; the site
is always the request's own; personal data only through selectors.personal_data."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from cms.review.screening import site_of_schema
from sites.models import Association

from . import export, selectors, services
from .models import CampaignPage, Opinion, OpinionAttachment, ReplyTemplate
from .services import HandlingError


def _staff(request):
    if not selectors.can_handle(request.user):
        raise PermissionDenied
    return request.user


def _handlers():
    return [u for u in get_user_model().objects.filter(is_active=True).order_by("username") if selectors.can_handle(u)]


def inbox_view(request):
    _staff(request)
    status = request.GET.get("status", "")
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.inbox(status=status, category=request.GET.get("category", ""), overdue=overdue)
    if request.GET.get("export") in ("csv", "xlsx"):
        header, data = export.inbox_rows(queryset=rows, user=request.user, request=request)
        return _download(request.GET["export"], header, data, "意见建议")
    page = Paginator(rows, selectors.INBOX_PAGE_SIZE).get_page(request.GET.get("p"))
    today = timezone.localdate()
    return render(
        request,
        "feedback/admin/inbox.html",
        {
            "page_obj": page,
            "items": [(o, selectors.is_red(o, today=today), o.is_open and o.due_date < today) for o in page],
            "counts": selectors.status_counts(),
            "statuses": Opinion.Status.choices,
            "status": status,
            "overdue": overdue,
            "templates": ReplyTemplate.objects.all(),
        },
    )


@require_POST
def bulk_reply_view(request):
    user = _staff(request)
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    template = request.POST.get("template")
    try:
        result = services.bulk_reply(
            opinion_ids=ids,
            user=user,
            template_id=int(template) if template and template.isdigit() else None,
            text=request.POST.get("text", ""),
        )
    except HandlingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"已答复 {len(result.replied)} 条"
            + (f"，跳过 {len(result.skipped)} 条（状态不允许答复）" if result.skipped else "")
            + "。",
        )
    return redirect("feedback_inbox")


def detail_view(request, opinion_id: int):
    user = _staff(request)
    opinion = selectors.opinion(opinion_id=opinion_id)
    if opinion is None:
        raise PermissionDenied
    personal = None
    if selectors.can_view_personal_data(user) and request.GET.get("show") == "personal":
        personal = selectors.personal_data(user=user, opinion=opinion, request=request)
    here = site_of_schema()
    return render(
        request,
        "feedback/admin/detail.html",
        {
            "opinion": opinion,
            "personal": personal,
            "may_see_personal": selectors.can_view_personal_data(user),
            "events": opinion.events.all(),
            "attachments": opinion.attachments.only("id", "name", "size", "content_type"),
            "handlers": _handlers(),
            "templates": ReplyTemplate.objects.all(),
            "targets": services.forward_targets(site=here) if here else [],
            "reject_reasons": Opinion.RejectReason.choices,
            "red": selectors.is_red(opinion),
            "forwarded_from": Association.objects.filter(pk=opinion.forwarded_from_site_id).first(),
            "forwarded_to": Association.objects.filter(pk=opinion.forwarded_to_site_id).first(),
        },
    )


@require_POST
def action_view(request, opinion_id: int):
    user = _staff(request)
    action = request.POST.get("action", "")
    data = request.POST
    try:
        if action == "release":
            services.release(opinion_id=opinion_id, user=user)
        elif action == "assign":
            assignee = get_object_or_404(get_user_model(), pk=data.get("assignee") or 0)
            services.assign(opinion_id=opinion_id, user=user, assignee=assignee)
        elif action == "note":
            services.add_note(opinion_id=opinion_id, user=user, text=data.get("text", ""))
        elif action == "reply":
            template = data.get("template")
            services.reply(
                opinion_id=opinion_id,
                user=user,
                text=data.get("text", ""),
                template_id=int(template) if template and template.isdigit() else None,
            )
        elif action == "reject":
            services.reject(opinion_id=opinion_id, user=user, reason=data.get("reason", ""), note=data.get("note", ""))
        elif action == "close":
            services.close(opinion_id=opinion_id, user=user)
        elif action == "forward":
            target = data.get("site", "")
            services.forward(
                opinion_id=opinion_id,
                user=user,
                to_site_id=int(target) if target.isdigit() else 0,
                note=data.get("note", ""),
            )
        elif action == "publish":
            services.publish(opinion_id=opinion_id, user=user, question=data.get("question", ""))
        elif action == "unpublish":
            services.unpublish(opinion_id=opinion_id, user=user)
        elif action == "adopt":
            services.adopt(
                opinion_id=opinion_id, user=user, adopted=data.get("adopted") == "1", note=data.get("note", "")
            )
        else:
            raise HandlingError("未知的操作。")
    except HandlingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已保存。")
    return redirect("feedback_detail", opinion_id=opinion_id)


def attachment_view(request, attachment_id: int):
    user = _staff(request)
    attachment = get_object_or_404(OpinionAttachment.objects.select_related("opinion"), pk=attachment_id)
    selectors.personal_data(user=user, opinion=attachment.opinion, request=request, purpose="attachment")
    response = HttpResponse(bytes(attachment.data), content_type=attachment.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(attachment.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def figures_view(request):
    _staff(request)
    here = site_of_schema()
    sites = selectors.visible_sites(site=here)
    group_by = request.GET.get("by", "site")
    if group_by not in selectors.GROUPS:
        group_by = "site"
    period = {}
    for name in ("from", "to"):
        value = request.GET.get(name, "")
        if value:
            try:
                day = datetime.date.fromisoformat(value)
            except ValueError:
                messages.error(request, f"日期“{value}”格式不对，请写成 2026-01-31 这样。")
                continue
            moment = datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())
            period["date_from" if name == "from" else "date_to"] = (
                moment if name == "from" else moment + datetime.timedelta(days=1)
            )
    rows = selectors.figures(site_ids=[s.pk for s in sites], group_by=group_by, **period)
    if request.GET.get("export") in ("csv", "xlsx"):
        return _download(request.GET["export"], export.FIGURE_HEADER, export.figure_rows(rows), "意见建议统计")
    context = {
        "rows": rows,
        "by": group_by,
        "sites": sites,
        "from": request.GET.get("from", ""),
        "to": request.GET.get("to", ""),
    }
    return render(request, "feedback/admin/figures.html", context)


def draft_report_view(request, page_id: int):
    _staff(request)
    campaign = get_object_or_404(CampaignPage, pk=page_id)
    if request.GET.get("export") in ("csv", "xlsx"):
        header, rows = export.draft_report_rows(campaign=campaign)
        return _download(request.GET["export"], header, rows, "征求意见汇总")
    return render(
        request,
        "feedback/admin/draft_report.html",
        {"campaign": campaign, "articles": selectors.draft_report(campaign=campaign)},
    )


def campaigns_view(request):
    _staff(request)
    return render(request, "feedback/admin/campaigns.html", {"campaigns": CampaignPage.objects.order_by("-opens_at")})


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def _download(kind: str, header, rows, title: str) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    if kind == "xlsx":
        body = export.to_xlsx(header, rows, title=title)
        response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        body = export.to_csv(header, rows)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(title)}-{stamp}.{kind}"
    return response


def url(name: str, *args) -> str:
    return reverse(name, args=args)
