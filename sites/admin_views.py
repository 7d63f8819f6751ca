"""The central office's registry in its Wagtail admin: every site, and a form to create one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.shortcuts import redirect, render
from django_tenants.utils import get_public_schema_name

from .forms import NewSiteForm
from .models import Association
from .services import SiteAdmin, create_site


def _central_office_only(request):
    if connection.schema_name != get_public_schema_name():
        raise Http404  # a site's own admin has no registry
    if not request.user.is_superuser:
        raise PermissionDenied


def site_list(request):
    _central_office_only(request)
    sites = Association.objects.select_related("parent").prefetch_related("domains").order_by("id")
    return render(request, "sites/site_list.html", {"sites": sites})


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
