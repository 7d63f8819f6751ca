"""全国搜索 in the central office's admin: the national index, searched as the API searches it."""

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.shortcuts import render
from django_tenants.utils import get_public_schema_name

from cms.text.segmentation import QueryError

from .forms import TYPE_NAMES, NetworkSearchForm
from .selectors import network_search

PAGE_SIZE = 50


def national_search_view(request):
    if connection.schema_name != get_public_schema_name():
        raise Http404  # a site's own admin searches its own pages (Wagtail's search)
    if not request.user.is_staff:
        raise PermissionDenied
    form = NetworkSearchForm(request.GET or None)
    results, error = None, None
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        try:
            results = network_search(
                query=data["q"],
                first=PAGE_SIZE,
                kind=data["kind"] or None,
                region=data["region"] or None,
                page_type=data["type"] or None,
                art_form=data["art_form"] or None,
            )
        except QueryError as problem:
            error = str(problem)
        else:
            for hit in results.hits:
                hit.type_name = TYPE_NAMES.get(hit.entry.page_type, hit.entry.page_type)
    return render(
        request,
        "search/national_search.html",
        {
            "form": form,
            "results": results,
            "error": error,
            "page_size": PAGE_SIZE,
        },
    )
