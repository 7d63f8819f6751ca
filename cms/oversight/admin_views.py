"""The oversight dashboard (网站监管) in the central office's admin, and each site's own report in its admin."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.forms import modelformset_factory
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tenants.utils import get_public_schema_name

from sites.models import Association

from . import selectors, services
from .charts import bars
from .models import InspectionRule


def _central_office_only(request):
    if connection.schema_name != get_public_schema_name():
        raise Http404
    if not request.user.is_superuser:
        raise PermissionDenied


def _filters(request) -> dict:
    parent = request.GET.get("parent") or ""
    return {
        "kind": request.GET.get("kind") or None,
        "region": request.GET.get("region") or None,
        "parent_id": int(parent) if parent.isdigit() else None,
        "result": request.GET.get("result") or None,
    }


def dashboard(request):
    _central_office_only(request)
    services.refresh_if_stale()  # a new day: public tables only, a few queries for every site
    filters = _filters(request)
    rows = selectors.dashboard_rows(**filters)
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        return _export(rows, export)
    for row in rows:
        row.published_chart = bars(row.health.weekly_published if row.health else [], label="近8周每周发布")
        row.views_chart = bars(row.weekly_views, colour="#1f6feb", label="近8周每周访问")
    failed = sum(1 for row in rows if row.health and not row.health.passed)
    scores = [row.health.score for row in rows if row.health]
    context = {
        "rows": rows,
        "filters": filters,
        "query": request.GET.urlencode(),
        "kinds": [c for c in Association.Kind.choices if c[0] != Association.Kind.CENTRAL],
        "regions": selectors.regions(),
        "parents": selectors.parents(),
        "summary": {
            "sites": len(rows),
            "failed": failed,
            "average": round(sum(scores) / len(scores)) if scores else "—",
        },
        "top": selectors.top_content(days=7, limit=10),
    }
    return render(request, "oversight/dashboard.html", context)


def _export(rows, fmt: str) -> HttpResponse:
    table = selectors.export_rows(rows)
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
        writer = csv.writer(buffer)
        writer.writerow(selectors.EXPORT_HEADERS)
        writer.writerows(table)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="oversight-{stamp}.csv"'
        return response
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "网站监管"
    sheet.append(selectors.EXPORT_HEADERS)
    for line in table:
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="oversight-{stamp}.xlsx"'
    return response


def site_detail(request, site_id: int):
    _central_office_only(request)
    site = get_object_or_404(Association.objects.exclude(schema_name=get_public_schema_name()), pk=site_id)
    return _report(request, site, central=True)


def own_report(request):
    """A site's editors see their own site's report (from the public tables, for their site only)."""
    if connection.schema_name == get_public_schema_name():
        return redirect("oversight_dashboard")
    if not request.user.has_perm("wagtailadmin.access_admin"):
        raise PermissionDenied
    return _report(request, request.tenant, central=False)


def _report(request, site: Association, *, central: bool):
    report = selectors.site_report(site=site)
    report.published_chart = bars(
        report.health.weekly_published if report.health else [], width=240, height=48, label="近8周每周发布"
    )
    report.views_chart = bars(report.weekly_views, width=240, height=48, colour="#1f6feb", label="近8周每周访问")
    return render(request, "oversight/site_report.html", {"report": report, "central": central})


@require_POST
def check_links(request, site_id: int):
    _central_office_only(request)
    site = get_object_or_404(Association.objects.exclude(schema_name=get_public_schema_name()), pk=site_id)
    services.start_link_check(site=site)
    messages.success(request, f"已安排检查“{site.name}”的链接，完成后结果会显示在这里。")
    return redirect("oversight_site", site_id=site.pk)


RuleFormSet = modelformset_factory(
    InspectionRule, fields=["name", "kind", "enabled", "threshold", "weight", "deduction", "keywords"], extra=0
)


def rules(request):
    """The central office edits the indicators; every site is scored again at once."""
    _central_office_only(request)
    formset = RuleFormSet(request.POST or None, queryset=InspectionRule.objects.all())
    if request.method == "POST" and formset.is_valid():
        formset.save()
        count = services.refresh_health()
        messages.success(request, f"已保存检查指标，并重新评估了 {count} 个网站。")
        return redirect("oversight_rules")
    return render(request, "oversight/rules.html", {"formset": formset})
