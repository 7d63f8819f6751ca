"""URLs of every association's site (its own host)."""

from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.core import views
from cms.oversight import views as oversight_views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/2fa/", include("cms.accounts.urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    re_path(r"^media/(?P<path>.+)$", views.tenant_media, name="tenant_media"),
    path("beacon/", oversight_views.beacon, name="reach_beacon"),
    path("", include("cms.api.urls")),
    path("", include(wagtail_urls)),
]

if settings.CMS_BENCHMARK:
    from django.views.decorators.csrf import csrf_exempt
    from graphene_django.views import GraphQLView

    # Stock wagtail-grapple with its defaults, measured side by side with ours.
    urlpatterns.insert(0, path("graphql-stock/", csrf_exempt(GraphQLView.as_view())))

handler400 = "cms.core.views.bad_request"
handler403 = "cms.core.views.permission_denied"
handler404 = "cms.core.views.page_not_found"
handler500 = "cms.core.views.server_error"
