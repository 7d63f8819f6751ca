"""Password rules: site administrators need 12+ characters that pass Django's validators; no admin is a choice."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from cms.accounts.services import validate_admin_password
from sites import services
from sites.models import Association
from tests.conftest import ADMIN_PASSWORD, HOSTS

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo-admin-password"  # what tests/cms/test_cli.py gives `cms up`


def new_site(**overrides):
    args = dict(name="临时密码文联", short_name="临时", slug="tmp-pw", kind="provincial", domain="tmp-pw.localhost")
    args.update(overrides)
    return args


@pytest.mark.parametrize(
    "password, complaint",
    [
        ("123", "它必须包含至少 12 个字符"),
        ("", "管理员密码不能为空"),
        ("password1234", "太常见"),
        ("839201748563920", "密码只包含数字"),
    ],
)
def test_a_weak_or_empty_admin_password_makes_no_site(db, password, complaint):
    with pytest.raises(ValidationError) as refused:
        services.create_site(admin=services.SiteAdmin("admin", password), **new_site())
    messages = refused.value.message_dict["admin_password"]
    assert any(complaint in message for message in messages), messages
    assert not Association.objects.filter(slug="tmp-pw").exists()


def test_the_demo_and_test_passwords_pass():
    validate_admin_password(username="admin", password=DEMO_PASSWORD)
    validate_admin_password(username="admin", password=ADMIN_PASSWORD)


def test_the_form_needs_a_strong_password_or_an_explicit_choice_of_no_admin(client, db):
    client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["central"])
    alpha = Association.objects.get(slug="alpha")
    form = {
        "name": "临时密码文联",
        "short_name": "临时",
        "slug": "tmp-pw",
        "kind": "provincial",
        "parent": alpha.pk,
        "domain": "tmp-pw.localhost",
        "theme": "",
        "region": "",
        "admin_password": "",
    }
    # An empty password, no box ticked: refused with a clear message
    empty = client.post("/admin/network/sites/new/", form, HTTP_HOST=HOSTS["central"]).content.decode()
    assert "请填写管理员密码；如确实不需要管理员，请勾选“不创建管理员”。" in empty
    # A short one: refused by the validators
    short = client.post("/admin/network/sites/new/", {**form, "admin_password": "123"}, HTTP_HOST=HOSTS["central"])
    assert short.status_code == 200 and "至少 12 个字符" in short.content.decode()
    # Both a password and "no admin": refused as contradictory
    both = client.post(
        "/admin/network/sites/new/",
        {**form, "admin_password": "a-long-enough-secret", "no_admin": "on"},
        HTTP_HOST=HOSTS["central"],
    ).content.decode()
    assert "请清空管理员密码" in both
    assert not Association.objects.filter(slug="tmp-pw").exists()


def test_a_new_user_in_a_sites_admin_needs_twelve_characters(client, alpha):
    client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["alpha"])
    form = {
        "username": "newbie",
        "email": "newbie@example.org",
        "full_name": "新编辑",
        "password1": "short-pw1",
        "password2": "short-pw1",
    }
    answer = client.post("/admin/users/new/", form, HTTP_HOST=HOSTS["alpha"])
    assert answer.status_code == 200 and "至少 12 个字符" in answer.content.decode()
    with schema_context(alpha.schema_name):
        assert not get_user_model().objects.filter(username="newbie").exists()


def cms_sites_create(*extra) -> subprocess.CompletedProcess:
    """`cms sites create` against the test database, as an administrator would run it."""
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + connection.settings_dict["NAME"]).geturl()
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update(DATABASE_URL=url, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "cms.cli",
            "sites",
            "create",
            "--name",
            "临时命令文联",
            "--short-name",
            "临时",
            "--slug",
            "tmp-cli",
            "--kind",
            "national_federation",
            "--domain",
            "tmp-cli.localhost",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.parametrize(
    "extra, message",
    [
        (
            (),
            "cms: 未设置管理员密码：请用 --admin-password 设置（至少 12 个字符），或用 --no-admin 明确创建没有管理员的网站。",
        ),
        (
            ("--admin-password", "123"),
            "cms: 管理员密码不符合要求：这个密码太常见了。密码只包含数字。密码除用户名外至少还要有 8 个字符。"
            "这个密码太短。它必须包含至少 12 个字符。",
        ),
    ],
)
def test_the_cms_command_refuses_a_missing_or_weak_admin_password_in_one_sentence(django_db_setup, extra, message):
    result = cms_sites_create(*extra)
    assert result.returncode == 1
    assert result.stderr.strip() == message
    assert "Traceback" not in result.stderr


def test_cms_up_refuses_a_weak_demo_password(monkeypatch):
    from cms.cli import CmsError, _check_admin_password

    with pytest.raises(
        CmsError, match="^CMS_ADMIN_PASSWORD: 管理员密码不符合要求：.*这个密码太短。它必须包含至少 12 个字符。$"
    ):
        _check_admin_password(("admin", "123"))
    _check_admin_password(("admin", DEMO_PASSWORD))


def test_cms_up_makes_a_long_enough_password_when_none_is_given(tmp_path, monkeypatch):
    from cms.cli import _admin_credentials
    from cms.dbserver import DataDir

    monkeypatch.delenv("CMS_ADMIN_PASSWORD", raising=False)
    data_dir = DataDir(tmp_path)
    username, password = _admin_credentials(data_dir)
    validate_admin_password(username=username, password=password)
