from django.db import connection
from django.urls import path, reverse
from django_tenants.utils import get_public_schema_name
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views, selectors


@hooks.register("register_admin_urls")
def register_oversight_urls():
    return [
        path("oversight/", admin_views.dashboard, name="oversight_dashboard"),
        path("oversight/rules/", admin_views.rules, name="oversight_rules"),
        path("oversight/sites/<int:site_id>/", admin_views.site_detail, name="oversight_site"),
        path("oversight/sites/<int:site_id>/check-links/", admin_views.check_links, name="oversight_check_links"),
        path("oversight/report/", admin_views.own_report, name="oversight_report"),
    ]


class CentralOfficeMenuItem(MenuItem):
    def is_shown(self, request):
        return connection.schema_name == get_public_schema_name() and request.user.is_superuser


class SiteReportMenuItem(MenuItem):
    def is_shown(self, request):
        return connection.schema_name != get_public_schema_name()


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item():
    return CentralOfficeMenuItem("网站监管", reverse("oversight_dashboard"), icon_name="view", order=160)


@hooks.register("register_admin_menu_item")
def register_report_menu_item():
    return SiteReportMenuItem("网站体检", reverse("oversight_report"), icon_name="view", order=900)


@hooks.register("registry_site_stats")
def registry_site_stats(site_ids):
    stats = selectors.site_stats(site_ids)
    for site_id in site_ids:
        stats.setdefault(site_id, {})["actions"] = [
            {"label": "监管报告", "url": reverse("oversight_site", args=[site_id])}
        ]
    return stats
