"""The central office's registry in its Wagtail admin: every site, and a form to create one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_tenants.utils import get_public_schema_name
from wagtail import hooks

from .forms import NewSiteForm, RegistryForm
from .models import Association
from .origins import public_origin
from .services import SiteAdmin, archive_site, create_site, unarchive_site


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
    _central_office_only(request)
    form = NewSiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            site = create_site(
                name=data["name"],
                short_name=data["short_name"],
                slug=data["slug"],
                kind=data["kind"],
                domain=data["domain"],
                parent=data["parent"],
                region=data["region"],
                theme=data["theme"] or None,
                admin=None if data["no_admin"] else SiteAdmin("admin", data["admin_password"]),
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(
                request, f"已创建网站“{site.name}”：{site.primary_domain}（模板 {site.theme} v{site.theme_version}）"
            )
            return redirect("network_sites")
    return render(request, "sites/site_create.html", {"form": form})


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
