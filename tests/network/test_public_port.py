"""Every absolute URL is the site's registered domain on the configured public base (scheme and port):
pages, the built-in preview's images, the national index (feeds, search), 查看原文 in the inbox and a
copy's provenance. Stored addresses are portable, so a change of port between runs needs no rewrite."""

import re
from urllib.parse import quote, urlsplit

import pytest
import requests
from django.test import Client
from django_tenants.utils import schema_context

from cms.network import syndication
from cms.network.models import IndexEntry
from cms.pages.models import ArticlePage, SiteSettings
from tests.api.conftest import graphql_data
from tests.conftest import ADMIN_PASSWORD, HOSTS, add_article
from tests.factories import make_document, make_image, rich_body

FEED = "query($site: ID) { networkFeed(site: $site) { items { title url canonicalUrl } } }"
SEARCH = "query($q: String!) { search(query: $q) { items { title url } } }"
PROVENANCE = "query($id: ID) { page(id: $id) { ... on ArticlePage { provenance { sourceUrl canonicalUrl } } } }"


def logged_in(host: str) -> Client:
    client = Client()
    response = client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=host)
    assert response.status_code == 302, response.status_code
    return client


@pytest.fixture
def port_8851(settings):
    settings.CMS_PUBLIC_PORT = "8851"  # as `cms up --port 8851` configures
    return settings


def test_page_urls_and_the_index_carry_the_public_port_and_follow_it_when_it_changes(client, delta, port_8851):
    # Given an article published on delta while sites are served on port 8851
    article = add_article(delta, "端口测试稿件")
    path = f"/news/{quote(article.slug)}/"
    with schema_context(delta.schema_name):
        assert ArticlePage.objects.get(pk=article.pk).full_url == f"http://delta.localhost:8851{path}"
    # Then the index stores the address without scheme or port
    row = IndexEntry.objects.get(site=delta, page_id=article.pk)
    assert row.url == f"//delta.localhost{path}" == row.canonical_url
    # and the national feed and national search give it on the public port
    items = graphql_data(client, FEED, host="localhost:8851", variables={"site": str(delta.pk)})["networkFeed"]["items"]
    assert items == [
        {
            "title": "端口测试稿件",
            "url": f"http://delta.localhost:8851{path}",
            "canonicalUrl": f"http://delta.localhost:8851{path}",
        }
    ]
    found = graphql_data(client, SEARCH, host="localhost:8851", variables={"q": "端口测试"})["search"]["items"]
    assert [item["url"] for item in found] == [f"http://delta.localhost:8851{path}"]
    # When the next run serves on another port (nothing reindexed)
    port_8851.CMS_PUBLIC_PORT = "9000"
    items = graphql_data(client, FEED, host="localhost:9000", variables={"site": str(delta.pk)})["networkFeed"]["items"]
    # Then the same stored entry reads on the new port
    assert items[0]["url"] == f"http://delta.localhost:9000{path}"
    # and on the scheme's default port, no port at all
    port_8851.CMS_PUBLIC_PORT = "80"
    assert IndexEntry.objects.get(pk=row.pk).link == f"http://delta.localhost{path}"


def test_a_registered_front_end_address_is_stored_and_given_as_it_is(delta, port_8851):
    with schema_context(delta.schema_name):
        settings = SiteSettings.objects.get()
        settings.frontend_url = "https://www.hangzhou.example"
        settings.save()
    article = add_article(delta, "前端地址稿件")
    row = IndexEntry.objects.get(site=delta, page_id=article.pk)
    assert row.url.startswith("https://www.hangzhou.example/news/") and row.link == row.url


def test_the_built_in_preview_renders_its_images_on_the_public_port(delta, port_8851):
    # Given delta has a logo and an article with an image, and sites are served on port 8851
    logo = make_image(delta, "网站标志")
    with schema_context(delta.schema_name):
        settings = SiteSettings.objects.get()
        settings.logo = logo
        settings.save()
    image, document = make_image(delta, "正文图片"), make_document(delta, "正文附件")
    article = add_article(delta, "预览端口稿件", cover=image, body=rich_body(image, document))
    # When an editor previews the page in the admin (Wagtail fakes a request to the page's own address)
    admin = logged_in("delta.localhost:8851")
    response = admin.get(f"/admin/pages/{article.pk}/view_draft/", HTTP_HOST="delta.localhost:8851")
    # Then the built-in rendering's images and attachment are on the public port
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    sources = re.findall(r'<img [^>]*src="([^"]+)"', html)
    assert len(sources) >= 4 and all(src.startswith("http://delta.localhost:8851/media/") for src in sources), sources
    assert 'href="http://delta.localhost:8851/documents/' in html


def test_inbox_and_provenance_links_carry_the_public_port(client, delta, gamma, port_8851):
    # Given delta submits an article to gamma while sites are served on port 8851
    article = add_article(delta, "报送端口稿件")
    path = f"/news/{quote(article.slug)}/"
    record = syndication.submit(source_site=delta, page_id=article.pk, target_site=gamma, user_name="admin")
    assert record.source_url == f"//delta.localhost{path}"
    # Then gamma's inbox links 查看原文 on the public port
    gamma_admin = logged_in("gamma.localhost:8851")
    inbox = gamma_admin.get("/admin/network/syndication/inbox/", HTTP_HOST="gamma.localhost:8851").content.decode()
    assert f'href="http://delta.localhost:8851{path}"' in inbox
    # When gamma accepts it
    from cms.accounts.models import User

    with schema_context(gamma.schema_name):
        from cms.pages.models import SectionPage

        section = SectionPage.objects.first() or add_article(gamma, "栏目占位").get_parent().specific
        user = User.objects.get(username="admin")
    record = syndication.accept(syndication_id=record.pk, receiver=gamma, section_id=section.pk, user=user)
    # Then the copy's provenance, in the API and on its edit page, is on the public port
    provenance = graphql_data(
        client, PROVENANCE, host="gamma.localhost:8851", variables={"id": str(record.copy_page_id)}
    )
    assert provenance["page"]["provenance"] == {
        "sourceUrl": f"http://delta.localhost:8851{path}",
        "canonicalUrl": f"http://delta.localhost:8851{path}",
    }
    edit = gamma_admin.get(f"/admin/pages/{record.copy_page_id}/edit/", HTTP_HOST="gamma.localhost:8851")
    assert f'href="http://delta.localhost:8851{path}"' in edit.content.decode()


# --- Through a real server on a port that is not the scheme's default ---


@pytest.fixture
def server(committed):
    from tests.live_server import LiveServer

    live = LiveServer(workers=1, public_port=True)
    yield live
    live.stop()


def test_through_a_real_server_on_its_own_port_every_link_is_followable(server, committed):
    # Given a site with an article carrying an image and an attachment, served on a non-default port
    from sites.models import Association
    from sites.services import create_site

    site = create_site(
        name="临时端口网站",
        short_name="端口",
        slug="tmp-port",
        kind="provincial",
        domain="tmp-port.localhost",
        parent=Association.objects.get(slug="alpha"),
        theme="blank",
    )
    image, document = make_image(site, "端口图片"), make_document(site, "端口附件")
    article = add_article(site, "真实端口稿件", cover=image, body=rich_body(image, document))
    host = f"tmp-port.localhost:{server.port}"
    origin = f"http://{host}"

    def follow(url: str) -> requests.Response:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == origin, url
        return server.get(parts.path, parts.netloc)

    # When the national feed is asked on the central office's host
    response = requests.post(
        f"http://127.0.0.1:{server.port}/graphql/",
        json={"query": FEED, "variables": {"site": str(site.pk)}},
        headers={"Host": f"{HOSTS['central']}:{server.port}"},
        timeout=30,
    )
    url = response.json()["data"]["networkFeed"]["items"][0]["url"]
    # Then its URL is on the server's port and leads to the page, whose images and attachment load too
    assert url == f"{origin}/news/{quote(article.slug)}/"
    page = follow(url)
    assert page.status_code == 200 and "真实端口稿件" in page.text
    media = re.findall(r'<img [^>]*src="([^"]+)"', page.text) + re.findall(r'href="([^"]+/documents/[^"]+)"', page.text)
    assert len(media) >= 4
    assert all(follow(link).status_code == 200 for link in media), media
