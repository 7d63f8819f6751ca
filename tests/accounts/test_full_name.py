"""One 姓名 field, shown as written: the user forms, the listing, and the migration that joined 名/姓."""

import importlib

from django.apps import apps
from django.test import Client
from django_tenants.utils import schema_context

from cms.accounts.models import User
from tests.conftest import ADMIN_PASSWORD, HOSTS

migration = importlib.import_module("cms.accounts.migrations.0003_full_name")


def admin_client() -> Client:
    client = Client()
    client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["alpha"])
    return client


def test_the_user_form_asks_one_full_name_and_shows_it_as_written(alpha):
    # Given a site's administrator on the add-user form
    client = admin_client()
    form = client.get("/admin/users/new/", HTTP_HOST=HOSTS["alpha"]).content.decode()
    # Then it asks for 姓名 once, and neither 名 nor 姓
    assert 'name="full_name"' in form and 'name="first_name"' not in form and 'name="last_name"' not in form
    # When they add 王小明
    answer = client.post(
        "/admin/users/new/",
        {
            "username": "wangxm",
            "email": "wangxm@example.org",
            "full_name": "王小明",
            "password1": "a-long-enough-secret-1",
            "password2": "a-long-enough-secret-1",
        },
        HTTP_HOST=HOSTS["alpha"],
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    with schema_context(alpha.schema_name):
        user = User.objects.get(username="wangxm")
        assert user.full_name == "王小明" and user.get_full_name() == "王小明"
    # Then the list and the edit page show 王小明 as written, never "编辑 王" or "小明 王"
    listing = client.get("/admin/users/", HTTP_HOST=HOSTS["alpha"]).content.decode()
    edit = client.get(f"/admin/users/edit/{user.pk}/", HTTP_HOST=HOSTS["alpha"]).content.decode()
    assert "王小明" in listing and "小明 王" not in listing
    assert "王小明" in edit and 'value="王小明"' in edit
    # And a form without a name is refused with a Chinese message, saving nothing
    refused = client.post(
        "/admin/users/new/",
        {"username": "noname", "email": "n@example.org", "full_name": "", "password1": "", "password2": ""},
        HTTP_HOST=HOSTS["alpha"],
    )
    assert refused.status_code == 200 and "必需字段" in refused.content.decode()
    with schema_context(alpha.schema_name):
        assert not User.objects.filter(username="noname").exists()


def test_the_account_page_asks_one_full_name(alpha):
    page = admin_client().get("/admin/account/", HTTP_HOST=HOSTS["alpha"]).content.decode()
    assert 'name="name_email-full_name"' in page and "first_name" not in page


def test_the_migration_joins_family_and_given_names_without_losing_any(alpha):
    # Given users saved with the old 名/姓 fields (and one whose display name was already set)
    with schema_context(alpha.schema_name):
        rows = {
            "chinese": User(username="m-chinese", first_name="小明", last_name="王"),
            "latin": User(username="m-latin", first_name="Anna", last_name="Schmidt"),
            "given-only": User(username="m-given", first_name="小红"),
            "family-only": User(username="m-family", last_name="欧阳"),
            "kept": User(username="m-kept", first_name="甲", last_name="乙", full_name="笔名"),
        }
        User.objects.bulk_create(rows.values())  # as the rows were before the migration (no model save)
        made = {key: User.objects.get(username=user.username) for key, user in rows.items()}
        # When the data step of the migration runs
        migration.join_names(apps, None)
        # Then Chinese names read family name first without a space, others as written, nothing dropped
        names = {key: User.objects.get(pk=user.pk).full_name for key, user in made.items()}
    assert names == {
        "chinese": "王小明",
        "latin": "Anna Schmidt",
        "given-only": "小红",
        "family-only": "欧阳",
        "kept": "笔名",
    }


def test_a_user_saved_with_given_and_family_names_gets_them_joined(alpha):
    # Given a user made elsewhere with 名/姓 (createsuperuser, an import)
    with schema_context(alpha.schema_name):
        user = User.objects.create(username="joined", first_name="小明", last_name="王")
        # Then their full name is the two joined, and first_name (which Wagtail's sidebar reads) holds it too
        user.refresh_from_db()
        assert user.full_name == "王小明" and user.first_name == "王小明" and user.last_name == "王"
