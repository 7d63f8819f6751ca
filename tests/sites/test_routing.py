"""Each request is routed to its site's schema by host; Wagtail's Site follows the primary domain."""

import pytest
from django_tenants.utils import schema_context
from wagtail.models import Site

from sites.models import Domain
from tests.conftest import HOSTS


@pytest.mark.parametrize("site, schema", [("central", "public"), ("alpha", "alpha"), ("beta", "beta")])
def test_each_host_is_served_from_its_own_schema(client, db, site, schema):
    # Given a registered site's host
    # When a request arrives for it
    response = client.get("/healthz", HTTP_HOST=HOSTS[site])
    # Then it is answered from that site's schema
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "site": schema}


def test_host_with_port_routes_like_the_bare_host(client, db):
    response = client.get("/healthz", HTTP_HOST="alpha.localhost:8000")
    assert response.json()["site"] == "alpha"


def test_unknown_host_gets_a_plain_404_page(client, db):
    # Given a host that no site owns
    # When it is requested
    response = client.get("/admin/", HTTP_HOST="nosuchsite.localhost")
    # Then the answer is a plain, human 404 page, not a traceback
    assert response.status_code == 404
    body = response.content.decode()
    assert "站点不存在" in body
    assert "Traceback" not in body and "DoesNotExist" not in body


def test_site_home_page_is_served_on_its_host(client, alpha, beta):
    alpha_home = client.get("/", HTTP_HOST=HOSTS["alpha"])
    beta_home = client.get("/", HTTP_HOST=HOSTS["beta"])
    assert alpha_home.status_code == beta_home.status_code == 200
    assert "测试全国文联" in alpha_home.content.decode()
    assert "测试作家协会" in beta_home.content.decode()


def test_wagtail_site_matches_the_primary_domain_from_creation(alpha):
    with schema_context(alpha.schema_name):
        sites = list(Site.objects.all())
    assert [(s.hostname, s.is_default_site, s.site_name) for s in sites] == [("alpha.localhost", True, "测试全国文联")]


def test_new_primary_domain_moves_the_wagtail_site_with_it(client, alpha):
    # Given a site answering on alpha.localhost
    # When the central office gives it a new primary domain
    Domain.objects.create(domain="www.alpha-new.localhost", tenant=alpha, is_primary=True)
    # Then its Wagtail site follows, the old domain is no longer primary, and both hosts route to it
    with schema_context(alpha.schema_name):
        assert list(Site.objects.values_list("hostname", flat=True)) == ["www.alpha-new.localhost"]
    assert list(alpha.domains.filter(is_primary=True).values_list("domain", flat=True)) == ["www.alpha-new.localhost"]
    assert client.get("/healthz", HTTP_HOST="alpha.localhost").json()["site"] == "alpha"


def test_secondary_domain_leaves_the_wagtail_site_alone(alpha):
    Domain.objects.create(domain="alias.alpha.localhost", tenant=alpha, is_primary=False)
    with schema_context(alpha.schema_name):
        assert list(Site.objects.values_list("hostname", flat=True)) == ["alpha.localhost"]
