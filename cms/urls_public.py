"""URLs of the central office (the public schema's host)."""

from django.urls import include, path, re_path
from wagtail.admin import urls as wagtailadmin_urls

from cms.core import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/2fa/", include("cms.accounts.urls")),
    path("admin/", include(wagtailadmin_urls)),
    re_path(r"^media/(?P<path>.+)$", views.tenant_media, name="tenant_media"),
    path("", include("cms.api.urls")),
    path("", views.central_home, name="central_home"),
]

handler400 = "cms.core.views.bad_request"
handler403 = "cms.core.views.permission_denied"
handler404 = "cms.core.views.page_not_found"
handler500 = "cms.core.views.server_error"
