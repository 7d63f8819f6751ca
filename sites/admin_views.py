"""The central office's registry in its Wagtail admin: every site, and a form to create one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_tenants.utils import get_public_schema_name
from wagtail import hooks

from .creation import PARAMS, request_site_creation, status_of
from .forms import NewSiteForm, RegistryForm
from .models import Association, SiteCreation
from .origins import public_origin
from .services import archive_site, unarchive_site


def _central_office_only(request):
    if connection.schema_name != get_public_schema_name():
        raise Http404  # a site's own admin has no registry
    if not request.user.is_superuser:
        raise PermissionDenied


def site_list(request):
    _central_office_only(request)
    sites = list(Association.objects.select_related("parent").prefetch_related("domains").order_by("id"))
    # Page counts and last updates come from layers above the registry (oversight registers the hook).
    stats: dict[int, dict] = {}
    for provide in hooks.get_hooks("registry_site_stats"):
        for site_id, values in provide([site.pk for site in sites]).items():
            stats.setdefault(site_id, {}).update(values)
    for site in sites:
        site.stats = stats.get(site.pk, {})
        site.admin_url = f"{public_origin(site.primary_domain)}/admin/" if site.primary_domain else ""
    return render(request, "sites/site_list.html", {"sites": sites})


def site_edit(request, site_id: int):
    """Edit one site's registry entry: names, place in the hierarchy, state and filing data."""
    _central_office_only(request)
    site = get_object_or_404(Association.objects.exclude(schema_name=get_public_schema_name()), pk=site_id)
    form = RegistryForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"已保存“{site.name}”的登记信息。")
        return redirect("network_sites")
    return render(request, "sites/site_edit.html", {"form": form, "site": site})


@require_POST
def site_archive(request, site_id: int):
    """Archive (take offline, keeping everything) or bring back a site."""
    _central_office_only(request)
    site = get_object_or_404(Association.objects.exclude(schema_name=get_public_schema_name()), pk=site_id)
    if site.archived_at:
        unarchive_site(association=site)
        messages.success(request, f"已恢复“{site.name}”，网站重新上线。")
    else:
        archive_site(association=site)
        messages.success(request, f"已归档“{site.name}”，网站已下线，内容全部保留。")
    return redirect("network_sites")


def site_create(request):
    """The form; a valid request is queued as a background job and the browser follows its progress."""
    _central_office_only(request)
    form = NewSiteForm(request.POST or None, initial=_initial_from(request.GET.get("from")))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            creation = request_site_creation(
                name=data["name"],
                short_name=data["short_name"],
                slug=data["slug"],
                kind=data["kind"],
                domain=data["domain"],
                parent=data["parent"],
                region=data["region"],
                theme=data["theme"] or None,
                admin_password=None if data["no_admin"] else data["admin_password"],
                requested_by=request.user.get_username(),
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            return redirect("network_site_creation", creation.pk)
    return render(request, "sites/site_create.html", {"form": form})


def _initial_from(creation_id: str | None) -> dict:
    """The form as a failed job was asked (to correct and retry), without the password."""
    if not (creation_id or "").isdigit():
        return {}
    creation = SiteCreation.objects.filter(pk=int(creation_id)).first()
    if creation is None:
        return {}
    params = creation.params
    return {**{key: params.get(key, "") for key in PARAMS}, "parent": params.get("parent_id")}


def site_creation(request, creation_id: int):
    """The job's progress, polling site_creation_status (and refreshing without JavaScript)."""
    _central_office_only(request)
    creation = get_object_or_404(SiteCreation, pk=creation_id)
    return render(
        request,
        "sites/site_creation.html",
        {
            "creation": creation,
            "state": status_of(creation),
            "status_url": reverse("network_site_creation_status", args=[creation.pk]),
        },
    )


def site_creation_status(request, creation_id: int):
    _central_office_only(request)
    creation = get_object_or_404(SiteCreation, pk=creation_id)
    response = JsonResponse(status_of(creation), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def site_make_theme(request, site_id: int):
    """示范推广: turn a model site's structure into a new theme version (as `cms themes from-site`)."""
    from themes.blueprint import ThemeError, load_theme

    from .model_sites import theme_from_site

    _central_office_only(request)
    site = get_object_or_404(Association.objects.exclude(schema_name=get_public_schema_name()), pk=site_id)
    try:
        theme = load_theme(theme_from_site(site=site))
    except (ValidationError, ThemeError) as error:
        messages.error(request, "未能生成模板：" + " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request, f"已由“{site.name}”生成模板 {theme.name} v{theme.version}，新建网站和模板升级时即可选用。"
        )
    return redirect("network_sites")
