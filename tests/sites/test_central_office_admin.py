"""The central office's admin lists every site and creates new ones; sites' own admins have no registry."""

from sites.creation import run_site_creation
from sites.models import Association, SiteCreation
from tests.conftest import ADMIN_PASSWORD, HOSTS


def login(client, host):
    response = client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=host)
    assert response.status_code == 302


def test_the_registry_lists_every_site_with_level_parent_and_theme(client, alpha, beta):
    login(client, HOSTS["central"])
    html = client.get("/admin/network/sites/", HTTP_HOST=HOSTS["central"]).content.decode()
    for text in ("测试全国文联", "测试作家协会", "全国文艺家协会", "blank v1", "beta.localhost"):
        assert text in html, text
    assert "网站群" in client.get("/admin/", HTTP_HOST=HOSTS["central"]).content.decode()


def test_a_sites_own_admin_has_no_registry(client, alpha):
    login(client, HOSTS["alpha"])
    assert client.get("/admin/network/sites/", HTTP_HOST=HOSTS["alpha"]).status_code == 404
    assert 'href="/admin/network/sites/"' not in client.get("/admin/", HTTP_HOST=HOSTS["alpha"]).content.decode()


def test_the_form_creates_a_site_or_says_what_is_wrong(client, committed):
    login(client, HOSTS["central"])
    alpha = Association.objects.get(slug="alpha")
    form = {
        "name": "临时后台文联",
        "short_name": "后台",
        "slug": "tmp-admin",
        "kind": "municipal",
        "parent": alpha.pk,
        "domain": "tmp-admin.localhost",
        "theme": "",
        "region": "",
        "admin_password": "",
        "no_admin": "on",
    }
    refused = client.post("/admin/network/sites/new/", form, HTTP_HOST=HOSTS["central"])
    assert refused.status_code == 200 and "市级文联的上级须为：省级文联" in refused.content.decode()
    assert not Association.objects.filter(slug="tmp-admin").exists()
    form["kind"] = "provincial"
    created = client.post("/admin/network/sites/new/", form, HTTP_HOST=HOSTS["central"])
    # (the site is made by the worker while the browser follows its progress: tests/sites/test_site_creation_jobs.py)
    creation = SiteCreation.objects.get(params__slug="tmp-admin")
    assert created.status_code == 302 and created["Location"] == f"/admin/network/sites/new/{creation.pk}/"
    assert run_site_creation(creation_id=creation.pk) == "done"  # the worker's job, run here
    site = Association.objects.get(slug="tmp-admin")
    assert (site.theme, site.primary_domain) == ("provincial_federation", "tmp-admin.localhost")
    assert client.get("/healthz", HTTP_HOST="tmp-admin.localhost").json()["site"] == "tmp_admin"
    # The central office's user is not written into the new site's history (users are per schema)
    from django_tenants.utils import schema_context
    from wagtail.models import PageLogEntry

    with schema_context("tmp_admin"):
        assert PageLogEntry.objects.exists() and not PageLogEntry.objects.exclude(user=None).exists()
