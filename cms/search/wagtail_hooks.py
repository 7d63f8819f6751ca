from django.db import connection
from django.urls import path, reverse
from django_tenants.utils import get_public_schema_name
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def register_search_urls():
    return [path("network/search/", admin_views.national_search_view, name="national_search")]


class CentralOfficeSearchItem(MenuItem):
    def is_shown(self, request):
        return connection.schema_name == get_public_schema_name() and request.user.is_staff


@hooks.register("register_admin_menu_item")
def register_national_search_menu_item():
    return CentralOfficeSearchItem("全国搜索", reverse("national_search"), icon_name="search", order=151)
