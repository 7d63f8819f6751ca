"""The central office's registry in its Wagtail admin: every site, and a form to create one."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django_tenants.utils import get_public_schema_name

from .creation import PARAMS, request_site_creation, status_of
from .forms import NewSiteForm
from .models import Association, SiteCreation


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
