"""The 内容安全 admin of each site (and of the central office): the lexicon of the site's layer (the
central office: the national layer) with add, remove, import and export, its history, the findings of
re-scans, overrides and their reasons, the review steps in progress, and (central office only) each
site's review settings. Thin callers of services and selectors; the site is always the request's
tenant, never a form field."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tenants.utils import get_public_schema_name
from wagtail.admin import messages
from wagtail.models import Page

from sites.models import Association

from . import lexicon_io, selectors, services
from .forms import EntryForm, ImportForm, OverrideForm, PolicyForm
from .models import ReviewPolicy, ScreeningOverride
from .publishing import check_revision_text
from .workflow.selectors import pending_steps, policy_for
from .workflow.services import PolicyError, set_review_policy

PER_PAGE = 50
SCREENING_PERMISSION = "review_workflow.manage_screening"


def can_manage_screening(user) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm(SCREENING_PERMISSION)))


def is_central(request) -> bool:
    return request.tenant.schema_name == get_public_schema_name()


def _guard(request) -> Association | None:
    """The layer the request may manage: None (the national layer) for the central office, else its site."""
    if not can_manage_screening(request.user):
        raise PermissionDenied
    return None if is_central(request) else request.tenant


def _layer_name(request) -> str:
    return "全国词库" if is_central(request) else f"{request.tenant.name}词库"


def _page(request, items):
    return Paginator(items, PER_PAGE).get_page(request.GET.get("p"))


def _context(request, tab: str, title: str, **extra) -> dict:
    return {"tab": tab, "page_title": title, "central": is_central(request), "layer": _layer_name(request), **extra}


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "表单有误。"


# --- Lexicon ---


def lexicon_view(request):
    site = _guard(request)
    form = EntryForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                entry = services.add_entry(site=site, actor=request.user.get_username(), **form.cleaned_data)
            except services.LexiconError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"已添加“{entry.word}”，将复查已发布的内容。")
                return redirect("review_lexicon")
        else:
            messages.error(request, _first_error(form))
    entries = selectors.layer_entries(site=site, kind=request.GET.get("kind") or None)
    query = (request.GET.get("q") or "").strip()
    if query:
        entries = entries.filter(Q(word__icontains=query) | Q(category__icontains=query))
    return render(
        request,
        "review/lexicon.html",
        _context(request, "lexicon", _layer_name(request), form=form, items=_page(request, entries), query=query),
    )


@require_POST
def lexicon_remove_view(request):
    site = _guard(request)
    ids = [int(value) for value in request.POST.getlist("entry") if value.isdigit()]
    removed = services.remove_entries(site=site, entry_ids=ids, actor=request.user.get_username())
    if removed:
        messages.success(request, f"已删除 {removed} 条，将复查已发布的内容。")
    else:
        messages.warning(request, "没有选中本词库中的词语。")
    return redirect("review_lexicon")


def lexicon_import_view(request):
    site = _guard(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        fmt = "csv" if upload.name.lower().endswith(".csv") else "txt"
        try:
            result = services.import_lexicon(
                site=site,
                content=upload.read(),
                fmt=fmt,
                actor=request.user.get_username(),
                replace=form.cleaned_data["replace"],
                category=form.cleaned_data["category"],
                level=form.cleaned_data["level"],
            )
        except lexicon_io.LexiconFileError as error:
            errors = error.errors
            messages.error(request, f"导入失败，词库未作任何改动：共 {len(errors)} 处错误，见下方。")
        else:
            messages.success(request, f"导入完成：{result.summary()}。将复查已发布的内容。")
            return redirect("review_lexicon")
    return render(
        request,
        "review/lexicon_import.html",
        _context(request, "lexicon", f"导入{_layer_name(request)}", form=form, errors=errors),
    )


def lexicon_export_view(request):
    site = _guard(request)
    fmt = "txt" if request.GET.get("fmt") == "txt" else "csv"
    body = lexicon_io.export(selectors.layer_entries(site=site), fmt=fmt)
    stem = "national" if site is None else site.slug
    response = HttpResponse(
        "\ufeff" + body if fmt == "csv" else body,
        content_type="text/csv; charset=utf-8" if fmt == "csv" else "text/plain; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="lexicon-{stem}-{timezone.localdate():%Y%m%d}.{fmt}"'
    return response


def lexicon_history_view(request):
    site = _guard(request)
    changes = selectors.layer_history(site=site)
    return render(
        request,
        "review/history.html",
        _context(request, "history", f"{_layer_name(request)}变更记录", items=_page(request, changes)),
    )


# --- Findings and overrides ---


def findings_view(request):
    site = _guard(request)
    found = selectors.findings(site=site).order_by("-found_at", "-pk")
    level = request.GET.get("level")
    if level:
        found = found.filter(level=level)
    return render(
        request,
        "review/findings.html",
        _context(request, "findings", "复查命中", items=_page(request, found), level=level or ""),
    )


def overrides_view(request):
    site = _guard(request)
    overrides = ScreeningOverride.objects.select_related("site").order_by("-at", "-pk")
    if site is not None:
        overrides = overrides.filter(site=site)
    return render(
        request,
        "review/overrides.html",
        _context(request, "overrides", "审核放行记录", items=_page(request, overrides)),
    )


def override_new_view(request, page_id: int):
    """A named reviewer lets the page's latest revision go live despite review-level hits."""
    site = _guard(request)
    if site is None:
        raise PermissionDenied  # overrides belong to a site's own pages
    page = get_object_or_404(Page, pk=page_id).specific
    revision = page.get_latest_revision()
    if revision is None:
        messages.error(request, "这个页面还没有可放行的版本。")
        return redirect("review_overrides")
    result = check_revision_text(revision=revision, site=site)
    form = OverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_override(
                site=site, revision=revision, user=request.user, reason=form.cleaned_data["reason"]
            )
        except services.OverrideError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"已放行“{page.title}”的当前版本，理由已记录；现在可以发布。")
            return redirect("wagtailadmin_pages:edit", page.pk)
    elif request.method == "POST":
        messages.error(request, _first_error(form))
    return render(
        request,
        "review/override_new.html",
        _context(request, "overrides", f"放行：{page.title}", form=form, page=page, result=result),
    )


# --- Review steps and settings ---


def steps_view(request):
    """Every review step in progress on this site, with who must act next and whether it is overdue."""
    if not request.user.is_active:
        raise PermissionDenied
    steps = pending_steps()
    policy = policy_for(site=None if is_central(request) else request.tenant)
    return render(
        request,
        "review/steps.html",
        {
            "tab": "steps",
            "page_title": "审核进度",
            "central": is_central(request),
            "steps": steps,
            "policy": policy,
            "user_pk": request.user.pk,
            "screening": can_manage_screening(request.user),
        },
    )


def _central_guard(request) -> None:
    if not is_central(request) or not can_manage_screening(request.user):
        raise PermissionDenied


def policies_view(request):
    _central_guard(request)
    sites = list(
        Association.objects.filter(archived_at__isnull=True)
        .exclude(schema_name=get_public_schema_name())
        .order_by("name")[:2000]
    )
    policies = {policy.site_id: policy for policy in ReviewPolicy.objects.filter(site__in=sites)}
    rows = [(site, policies.get(site.pk) or ReviewPolicy(site=site)) for site in sites]
    return render(request, "review/policies.html", _context(request, "policies", "各网站审核设置", rows=rows))


def policy_edit_view(request, site_id: int):
    _central_guard(request)
    site = get_object_or_404(Association.objects.exclude(schema_name=get_public_schema_name()), pk=site_id)
    current = policy_for(site=site)
    form = PolicyForm(
        request.POST or None,
        initial={
            "levels": current.levels,
            "proofreading": current.proofreading,
            "overdue_working_days": current.overdue_working_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            set_review_policy(site=site, actor=request.user.get_username(), **form.cleaned_data)
        except PolicyError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"已保存“{site.name}”的审核设置。")
            return redirect("review_policies")
    return render(
        request,
        "review/policy_edit.html",
        _context(request, "policies", f"审核设置：{site.name}", form=form, site=site),
    )
