from __future__ import annotations

import django_filters
from django import forms
from django_tenants.utils import get_public_schema_name, get_tenant_model
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from . import selectors
from .actions import known_actions
from .models import AuditEntry


def site_names(schema_names) -> dict[str, str]:
    """Schema -> the site's name from the registry (the configured tenant model); a deleted site keeps its schema."""
    names = dict(
        get_tenant_model().objects.filter(schema_name__in=list(schema_names)).values_list("schema_name", "name")
    )
    names.setdefault(get_public_schema_name(), "中央管理平台")
    return names


class AuditEntryFilterSet(WagtailFilterSet):
    username = django_filters.CharFilter(label="用户", lookup_expr="icontains")
    action = django_filters.ChoiceFilter(label="操作", empty_label="全部", widget=forms.Select)
    date = django_filters.DateFromToRangeFilter(label="日期", field_name="timestamp", widget=DateRangePickerWidget)
    ip_address = django_filters.CharFilter(label="地址", lookup_expr="startswith")

    class Meta:
        model = AuditEntry
        fields = []

    def __init__(self, *args, schema_name: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["action"].extra["choices"] = known_actions()
        if schema_name is None:  # the central office: every site, and a filter by site
            chains = selectors.chains()
            names = site_names(chains)
            choices = sorted(((schema, names.get(schema, schema)) for schema in chains), key=lambda item: item[1])
            self.filters["site"] = django_filters.ChoiceFilter(
                label="网站", field_name="schema_name", choices=choices, empty_label="全部网站", widget=forms.Select
            )
