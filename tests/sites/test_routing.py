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


@pytest.mark.parametrize("host", ["ALPHA.LOCALHOST", "Alpha.Localhost:8000", "alpha.localhost.", "ALPHA.localhost.:80"])
def test_host_names_are_case_insensitive_and_may_end_with_a_dot(client, db, host):
    assert client.get("/healthz", HTTP_HOST=host).json()["site"] == "alpha"


def test_www_of_a_registered_domain_is_redirected_to_it_not_served(client, db):
    # Given alpha is registered as alpha.localhost only
    # When a client asks for www.alpha.localhost
    response = client.get("/graphql/?query={site{name}}", HTTP_HOST="www.alpha.localhost")
    # Then it is sent to the canonical address, path and query kept, and nothing is served there
    assert response.status_code == 301
    assert response["Location"] == "http://alpha.localhost/graphql/?query=%7Bsite%7Bname%7D%7D"
    # and a POST keeps its method (308)
    post = client.post("/graphql/", "{}", content_type="application/json", HTTP_HOST="WWW.alpha.localhost")
    assert post.status_code == 308 and post["Location"] == "http://alpha.localhost/graphql/"


def test_with_a_public_port_configured_other_ports_are_redirected(client, db, settings):
    # Given the sites are served on port 8851 (as `cms up --port 8851` configures)
    settings.CMS_PUBLIC_PORT = "8851"
    # Then that port is served, and any other is sent to it
    assert client.get("/healthz", HTTP_HOST="alpha.localhost:8851").json()["site"] == "alpha"
    for host in ("alpha.localhost:6666", "alpha.localhost"):
        response = client.get("/healthz", HTTP_HOST=host)
        assert response.status_code == 301 and response["Location"] == "http://alpha.localhost:8851/healthz"


def test_unknown_www_host_is_still_a_404(client, db):
    assert client.get("/healthz", HTTP_HOST="www.nosuchsite.localhost").status_code == 404


def test_absolute_urls_do_not_depend_on_the_requests_host_so_cached_answers_cannot_be_poisoned(client, alpha, settings):
    from tests.api.conftest import post_graphql
    from tests.factories import make_document, make_image

    # Given alpha has an image and a document, and answers are cached
    make_image(alpha, "投毒测试图"), make_document(alpha, "投毒测试附件")
    query = "{ images(limit: 1) { url } documents(limit: 1) { url } }"
    # When an attacker asks first, through an alias with a made-up port, by GET and by POST
    Domain.objects.create(domain="alias.alpha.localhost", tenant=alpha, is_primary=False)
    poisoned_get = client.get("/graphql/", {"query": query}, HTTP_HOST="alias.alpha.localhost:6666").json()
    poisoned_post = post_graphql(client, query, host="ALIAS.alpha.localhost:6666").json()
    # Then its answers carry the site's own public address, not the Host it sent
    for answer in (poisoned_get, poisoned_post):
        urls = [answer["data"]["images"][0]["url"], answer["data"]["documents"][0]["url"]]
        assert all(url.startswith("http://alpha.localhost/") for url in urls), urls
    # and a reader on the real host gets the same, correct answer
    assert client.get("/graphql/", {"query": query}, HTTP_HOST="alpha.localhost").json() == poisoned_get
    # With a public port configured, absolute URLs carry it, and the cached answer without it is not reused
    settings.CMS_PUBLIC_PORT = "8851"
    answer = client.get("/graphql/", {"query": query}, HTTP_HOST="alpha.localhost:8851").json()
    assert answer["data"]["images"][0]["url"].startswith("http://alpha.localhost:8851/media/")
    assert answer["data"]["documents"][0]["url"].startswith("http://alpha.localhost:8851/documents/")


def test_api_clients_get_json_for_an_unknown_or_archived_host_and_people_get_chinese_pages(client, alpha):
    from sites.services import archive_site

    unknown = client.post("/graphql/", "{}", content_type="application/json", HTTP_HOST="nosuchsite.localhost")
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["message"] == "No site is served at this host."
    missing = client.get("/media/original_images/no-such-file.png", HTTP_HOST=HOSTS["alpha"])
    assert (
        missing.status_code == 404
        and "页面不存在" in missing.content.decode()
        and "Not Found" not in missing.content.decode()
    )
    archive_site(association=alpha)
    archived = client.get("/graphql/", {"query": "{ site { name } }"}, HTTP_HOST=HOSTS["alpha"])
    assert archived.status_code == 410 and archived.json()["errors"][0]["extensions"]["code"] == "ARCHIVED"
    assert "网站已归档" in client.get("/", HTTP_HOST=HOSTS["alpha"]).content.decode()


def test_the_routed_site_is_the_registry_row_as_the_orm_reads_it(db):
    # Given a site below another, with pages its theme made (a JSON column)
    from sites.models import Association
    from sites.selectors import site_for_host

    child = Association.objects.get(slug="beta")
    Association.objects.filter(pk=child.pk).update(
        parent=Association.objects.get(slug="alpha"), theme_pages=["news", "news/headlines"]
    )
    host = child.domains.get(is_primary=True).domain
    # When its host is routed
    routed = site_for_host(host)
    # Then every field has the value and type the ORM gives it (JSON decoded, dates aware), the parent with it
    stored = Association.objects.get(pk=child.pk)
    for field in Association._meta.concrete_fields:
        mine, theirs = getattr(routed, field.attname), getattr(stored, field.attname)
        assert (mine, type(mine)) == (theirs, type(theirs)), field.attname
    assert routed.parent == stored.parent and routed.parent.slug == "alpha" and routed.canonical_host == host
    with pytest.raises(Domain.DoesNotExist):
        site_for_host("nosuchsite.localhost")
