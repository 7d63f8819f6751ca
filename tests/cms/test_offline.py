"""Nothing is fetched from outside the machine: the federation's networks are often intranets."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django_tenants.utils import schema_context

from tests.conftest import HOSTS, home_page

# Every place a page makes the browser fetch something: scripts, styles, images, frames, fonts.
FETCHED = re.compile(
    r"""<(?:script|img|iframe|source|audio|video|embed)\b[^>]*?\bsrc\s*=\s*["']([^"']+)"""
    r"""|<link\b[^>]*?\bhref\s*=\s*["']([^"']+)"""
    r"""|url\(\s*["']?([^"')]+)""",
    re.IGNORECASE,
)
# Markers of calls made by scripts rather than tags: Wagtail's update check (its panel makes core.js fetch
# releases.wagtail.org), avatars and CDNs.
KNOWN_CALLS_HOME = ("w-upgrade", "releases.wagtail.org", "gravatar.com", "unpkg.com", "cdn.jsdelivr.net")


def external_fetches(html: str, own_host: str) -> list[str]:
    found = [next(filter(None, match.groups())) for match in FETCHED.finditer(html)]
    return [
        url
        for url in found
        if re.match(r"^(https?:)?//", url) and not re.match(rf"^(https?:)?//{re.escape(own_host)}(:\d+)?/", url)
    ]


def admin_pages(site):
    """The admin views editors use every day."""
    with schema_context(site.schema_name):
        home = home_page(site)
        from wagtail.models import Site

        site_id = Site.objects.get(is_default_site=True).pk
    return [
        "/admin/",
        "/admin/pages/",
        f"/admin/pages/{home.pk}/",
        f"/admin/pages/{home.pk}/edit/",
        "/admin/images/",
        "/admin/documents/",
        "/admin/users/",
        "/admin/groups/",
        "/admin/account/",
        f"/admin/settings/pages/sitesettings/{site_id}/",
        "/admin/workflows/list/",
        "/admin/reports/site-history/",
    ]


def test_no_admin_page_fetches_anything_from_another_host(client, alpha):
    from cms.accounts.models import User

    login_page = client.get("/admin/login/", HTTP_HOST=HOSTS["alpha"])
    assert login_page.status_code == 200
    with schema_context(alpha.schema_name):  # sessions live in the site's own schema
        client.force_login(User.objects.get(username="admin"))
    assert external_fetches(login_page.content.decode(), HOSTS["alpha"]) == []
    for path in admin_pages(alpha):
        response = client.get(path, HTTP_HOST=HOSTS["alpha"])
        assert response.status_code == 200, (path, response.status_code)
        html = response.content.decode()
        # Then nothing on it is loaded from another host, and neither the update check nor avatars call home
        assert external_fetches(html, HOSTS["alpha"]) == [], path
        assert not [name for name in KNOWN_CALLS_HOME if name in html], path


def test_graphiql_is_served_with_local_assets_only():
    # Given the GraphiQL page (mounted in development, `cms up`)
    html = render_to_string("grapple/graphiql.html", {"endpointURL": "/graphql/"})
    # Then every script and style it loads is one of ours, and each is there to be served
    fetched = [next(filter(None, match.groups())) for match in FETCHED.finditer(html)]
    assert len(fetched) >= 4 and external_fetches(html, "localhost") == []
    for url in fetched:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not among the static files"
    assert "GraphiQL.createFetcher({ url: '/graphql/' })" in html


@pytest.mark.parametrize(
    "setting, value", [("WAGTAIL_ENABLE_UPDATE_CHECK", False), ("WAGTAIL_GRAVATAR_PROVIDER_URL", None)]
)
def test_calls_home_are_off_by_default(setting, value):
    from django.conf import settings

    assert getattr(settings, setting) is value
