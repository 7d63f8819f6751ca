"""Headless preview: to the site's own front end, with a short-lived token good for that page on that site."""

import time
from urllib.parse import parse_qs, urlparse

import pytest
from django_tenants.utils import schema_context

from cms.pages.models import SiteSettings
from tests.api.conftest import graphql_data, graphql_errors
from tests.conftest import ADMIN_PASSWORD, HOSTS
from tests.factories import make_section


def preview_as_editor(client, site, section, title: str):
    """Edit a published section in the admin and press preview, as an editor would."""
    host = HOSTS[site.slug]
    assert (
        client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=host).status_code
        == 302
    )
    url = f"/admin/pages/{section.pk}/edit/preview/"
    form = {"title": title, "slug": section.slug, "intro": "草稿导语", "update_cadence_days": "7"}
    stored = client.post(url, form, HTTP_HOST=host)
    assert stored.status_code == 200 and stored.json()["is_valid"], stored.content
    return client.get(url, {"mode": ""}, HTTP_HOST=host)


@pytest.fixture
def section_with_front_end(alpha):
    section = make_section(alpha, "已发布的栏目", "published-section")
    with schema_context(alpha.schema_name):
        settings = SiteSettings.for_site(section.get_site())
        settings.frontend_url = "https://www.alpha.example/preview"
        settings.save()
    return section


def test_preview_goes_to_the_sites_front_end_with_a_token_for_the_draft(client, alpha, section_with_front_end):
    # When an editor previews a change to a published section
    response = preview_as_editor(client, alpha, section_with_front_end, "栏目的草稿标题")
    # Then the browser goes to this site's registered front end, with a token
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "www.alpha.example", "/preview/")
    params = parse_qs(target.query)
    assert params["content_type"] == ["pages.sectionpage"]
    token = params["token"][0]
    # And GraphQL answers that token with the draft, while the published page is unchanged
    client.logout()
    query = "query($t: String) { page(token: $t) { id title ... on SectionPage { intro } } }"
    draft = graphql_data(client, query, variables={"t": token})["page"]
    assert draft == {"id": str(section_with_front_end.pk), "title": "栏目的草稿标题", "intro": "草稿导语"}
    published = graphql_data(client, f"{{ page(id: {section_with_front_end.pk}) {{ title }} }}")["page"]
    assert published == {"title": "已发布的栏目"}


def test_a_token_is_refused_on_another_site(client, alpha, beta, section_with_front_end):
    token = parse_qs(urlparse(preview_as_editor(client, alpha, section_with_front_end, "草稿")["Location"]).query)[
        "token"
    ][0]
    client.logout()
    messages = graphql_errors(
        client, "query($t: String) { page(token: $t) { title } }", host=HOSTS["beta"], variables={"t": token}
    )
    assert messages == ["The preview token is not valid for this site."]


def test_an_expired_token_is_refused(client, alpha, section_with_front_end, monkeypatch):
    token = parse_qs(urlparse(preview_as_editor(client, alpha, section_with_front_end, "草稿")["Location"]).query)[
        "token"
    ][0]
    # Thirty-one minutes later
    later = time.time() + 31 * 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    messages = graphql_errors(client, "query($t: String) { page(token: $t) { title } }", variables={"t": token})
    assert messages == ["The preview token has expired (tokens last 30 minutes); preview again from the admin."]


@pytest.mark.parametrize("token", ["garbage", "id=1:abc:def", "id=1"])
def test_a_forged_token_is_refused(client, db, token):
    messages = graphql_errors(client, "query($t: String) { page(token: $t) { title } }", variables={"t": token})
    assert messages == ["The preview token is not valid for this site."]


def test_a_site_without_a_front_end_gets_the_built_in_preview(client, alpha):
    section = make_section(alpha, "没有前端的栏目", "no-front-end")
    response = preview_as_editor(client, alpha, section, "内置预览的草稿")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>内置预览的草稿</h1>" in html and "草稿导语" in html
