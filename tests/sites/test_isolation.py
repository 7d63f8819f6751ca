"""Nothing crosses from one site to another: pages, images, media, users, cache entries."""

import io
import json

import pytest
from django.core.cache import cache
from django.core.files.images import ImageFile
from django.core.files.storage import default_storage
from django.db import connection
from django_tenants.utils import schema_context
from PIL import Image as PILImage

from cms.media.models import SiteImage
from cms.pages.models import ArticlePage
from tests.conftest import ADMIN_PASSWORD, HOSTS, add_article
from tests.factories import make_restricted_document


def graphql(client, host, query):
    response = client.post("/graphql/", json.dumps({"query": query}), content_type="application/json", HTTP_HOST=host)
    assert response.status_code == 200, response.content
    payload = response.json()
    assert "errors" not in payload, payload
    return payload["data"]


def admin_login(client, host, username="admin", password=ADMIN_PASSWORD):
    return client.post("/admin/login/", {"username": username, "password": password}, HTTP_HOST=host)


def png_bytes(colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return buffer.getvalue()


# --- pages ---


def test_page_made_in_one_site_is_invisible_to_the_other_through_the_orm(alpha, beta):
    # Given an article published in alpha
    article = add_article(alpha, "只属于甲站的文章")
    # When each site's pages are read
    with schema_context(alpha.schema_name):
        in_alpha = list(ArticlePage.objects.filter(title="只属于甲站的文章").values_list("pk", flat=True))
    with schema_context(beta.schema_name):
        in_beta = ArticlePage.objects.filter(title="只属于甲站的文章").exists()
    # Then only alpha has it
    assert in_alpha == [article.pk]
    assert in_beta is False


def test_page_made_in_one_site_is_invisible_to_the_other_through_graphql(client, alpha, beta):
    add_article(alpha, "甲站独家报道")
    query = "{ pages(limit: 100) { title } }"
    alpha_titles = {p["title"] for p in graphql(client, HOSTS["alpha"], query)["pages"]}
    beta_titles = {p["title"] for p in graphql(client, HOSTS["beta"], query)["pages"]}
    assert "甲站独家报道" in alpha_titles
    assert "甲站独家报道" not in beta_titles
    assert "测试作家协会" in beta_titles and "测试作家协会" not in alpha_titles


def test_page_by_id_over_graphql_answers_from_the_host_site_only(client, alpha, beta):
    article = add_article(alpha, "按编号查询的文章")
    query = f"{{ page(id: {article.pk}) {{ title }} }}"
    assert graphql(client, HOSTS["alpha"], query)["page"] == {"title": "按编号查询的文章"}
    beta_page = graphql(client, HOSTS["beta"], query)["page"]
    assert beta_page is None or beta_page["title"] != "按编号查询的文章"


def test_page_made_in_one_site_is_invisible_to_the_other_through_the_admin(client, alpha, beta):
    # Given an article in alpha, and an editor logged in to beta's admin
    article = add_article(alpha, "甲站后台专属文章")
    with schema_context(alpha.schema_name):
        section_id = article.get_parent().pk
    assert admin_login(client, HOSTS["beta"]).status_code == 302
    # When the editor opens the same page and section ids in beta's admin
    explorer = client.get(f"/admin/pages/{section_id}/", HTTP_HOST=HOSTS["beta"])
    edit = client.get(f"/admin/pages/{article.pk}/edit/", HTTP_HOST=HOSTS["beta"])
    # Then alpha's page appears nowhere in beta's admin
    assert "甲站后台专属文章" not in explorer.content.decode()
    assert "甲站后台专属文章" not in edit.content.decode()
    # And the same requests in alpha's admin do show it (the test can tell the difference)
    assert admin_login(client, HOSTS["alpha"]).status_code == 302
    alpha_explorer = client.get(f"/admin/pages/{section_id}/", HTTP_HOST=HOSTS["alpha"])
    assert alpha_explorer.status_code == 200 and "甲站后台专属文章" in alpha_explorer.content.decode()
    alpha_edit = client.get(f"/admin/pages/{article.pk}/edit/", HTTP_HOST=HOSTS["alpha"])
    assert alpha_edit.status_code == 200 and "甲站后台专属文章" in alpha_edit.content.decode()


# --- users ---


def test_user_of_one_site_cannot_log_in_to_another(client, alpha, beta):
    from django.contrib.auth import get_user_model

    with schema_context(alpha.schema_name):
        get_user_model().objects.create_user("alpha_editor", password="编辑密码-123", is_staff=True)
    # The alpha editor logs in to alpha
    response = admin_login(client, HOSTS["alpha"], "alpha_editor", "编辑密码-123")
    assert response.status_code == 302
    # But the same credentials mean nothing on beta
    client.logout()
    refused = admin_login(client, HOSTS["beta"], "alpha_editor", "编辑密码-123")
    assert refused.status_code == 200  # the login form again, with an error
    assert client.get("/admin/", HTTP_HOST=HOSTS["beta"]).status_code == 302
    with schema_context(beta.schema_name):
        assert not get_user_model().objects.filter(username="alpha_editor").exists()


def test_a_session_of_one_site_is_not_a_session_on_another(client, alpha, beta):
    assert admin_login(client, HOSTS["alpha"]).status_code == 302
    assert client.get("/admin/", HTTP_HOST=HOSTS["alpha"]).status_code == 200
    # The same cookie jar, sent to beta: beta's schema holds no such session
    assert client.get("/admin/", HTTP_HOST=HOSTS["beta"]).status_code == 302


# --- images and media ---


def make_image(site, title: str) -> SiteImage:
    with schema_context(site.schema_name):
        image = SiteImage(title=title)
        image.file = ImageFile(io.BytesIO(png_bytes()), name="photo.png")
        image.save()
        return image


def test_images_are_stored_and_listed_per_site(alpha, beta, settings):
    # Given an image uploaded to alpha
    image = make_image(alpha, "甲站图片")
    # Then its file lives under alpha's own media folder
    with schema_context(alpha.schema_name):
        path = default_storage.path(image.file.name)
        assert path.startswith(str(settings.MEDIA_ROOT / "alpha") + "/")
        assert image.file.url.startswith("/media/original_images/")
    # And beta's image library does not contain it
    with schema_context(beta.schema_name):
        assert not SiteImage.objects.filter(title="甲站图片").exists()


def test_media_file_is_served_only_on_its_own_sites_host(client, alpha, beta):
    image = make_image(alpha, "只在甲站可见的图片")
    with schema_context(alpha.schema_name):
        url = image.file.url
        rendition_url = image.get_rendition("width-32").url
    # On alpha's host both the original and its rendition are served
    for path in (url, rendition_url):
        response = client.get(path, HTTP_HOST=HOSTS["alpha"])
        assert response.status_code == 200
        assert b"".join(response.streaming_content)[:4] == b"\x89PNG"
    # On beta's host the same paths do not exist
    for path in (url, rendition_url):
        assert client.get(path, HTTP_HOST=HOSTS["beta"]).status_code == 404


def test_media_path_cannot_escape_the_sites_folder(client, alpha):
    make_image(alpha, "路径穿越测试")
    for path in ("/media/../alpha/original_images/photo.png", "/media/%2e%2e/beta/x.png"):
        assert client.get(path, HTTP_HOST=HOSTS["beta"]).status_code == 404


def test_documents_are_not_served_by_the_media_route_so_their_privacy_holds(client, alpha):
    # Given a document in a login-restricted collection of alpha
    document = make_restricted_document(alpha)
    with schema_context(alpha.schema_name):
        file_name = document.file.name
        serve_url = document.url
    assert file_name.startswith("documents/")
    # When an anonymous reader asks for its file by the raw media path, directly or through another folder
    for path in (f"/media/{file_name}", f"/media/original_images/../{file_name}", f"/media/images/%2e%2e/{file_name}"):
        # Then there is nothing there
        assert client.get(path, HTTP_HOST=HOSTS["alpha"]).status_code == 404, path
    # And Wagtail's document view, which checks the collection's privacy, sends them to log in
    response = client.get(serve_url.removeprefix("http://alpha.localhost"), HTTP_HOST=HOSTS["alpha"])
    assert response.status_code == 302 and "login" in response["Location"]


# --- cache ---


def test_cache_entries_are_scoped_to_their_site(alpha, beta):
    # Given the same key written by two sites
    with schema_context(alpha.schema_name):
        cache.set("homepage-fragment", "甲站内容")
    with schema_context(beta.schema_name):
        # Then neither sees the other's value
        assert cache.get("homepage-fragment") is None
        cache.set("homepage-fragment", "乙站内容")
    with schema_context(alpha.schema_name):
        assert cache.get("homepage-fragment") == "甲站内容"
    with schema_context(beta.schema_name):
        assert cache.get("homepage-fragment") == "乙站内容"


def test_cache_keys_carry_the_schema_name(alpha):
    with schema_context(alpha.schema_name):
        key = cache.make_key("anything")
        assert connection.schema_name == "alpha"
    assert key.startswith("alpha:")


@pytest.mark.parametrize("host", [HOSTS["alpha"], HOSTS["beta"]])
def test_every_site_has_its_own_admin_login(client, db, host):
    response = client.get("/admin/login/", HTTP_HOST=host)
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
