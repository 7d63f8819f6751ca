from django.db import connection
from django.urls import path, reverse
from django_tenants.utils import get_public_schema_name
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def register_registry_urls():
    return [
        path("network/sites/", admin_views.site_list, name="network_sites"),
        path("network/sites/new/", admin_views.site_create, name="network_site_create"),
        path("network/sites/new/<int:creation_id>/", admin_views.site_creation, name="network_site_creation"),
        path(
            "network/sites/new/<int:creation_id>/status/",
            admin_views.site_creation_status,
            name="network_site_creation_status",
        ),
        path("network/sites/<int:site_id>/edit/", admin_views.site_edit, name="network_site_edit"),
        path("network/sites/<int:site_id>/archive/", admin_views.site_archive, name="network_site_archive"),
        path("network/sites/<int:site_id>/make-theme/", admin_views.site_make_theme, name="network_site_make_theme"),
    ]


class CentralOfficeMenuItem(MenuItem):
    def is_shown(self, request):
        return connection.schema_name == get_public_schema_name() and request.user.is_superuser


@hooks.register("register_admin_menu_item")
def register_registry_menu_item():
    return CentralOfficeMenuItem("网站群", reverse("network_sites"), icon_name="site", order=150)
