"""Two-factor login (TOTP): who must enrol, the enrolment, codes and recovery codes, and what a half login can reach."""

import json
import re
import time
from base64 import b32decode

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django_otp.oath import TOTP
from django_tenants.utils import schema_context

from tests.conftest import ADMIN_PASSWORD, HOSTS

EDITOR_PASSWORD = "editor-password-2026"


@pytest.fixture
def require_2fa(settings):
    settings.CMS_REQUIRE_2FA = True


def sign_in(host, username="admin", password=ADMIN_PASSWORD) -> Client:
    client = Client()
    answer = client.post("/admin/login/", {"username": username, "password": password}, HTTP_HOST=host)
    assert answer.status_code == 302, answer.content.decode()[:500]
    return client


def code_for(secret: str, *, steps_ahead: int = 0) -> str:
    totp = TOTP(b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def enrol(client, host, next_path="/admin/") -> tuple[str, list[str]]:
    """Go through the enrolment pages as a person would; returns the secret shown and the recovery codes."""
    page = client.get(f"/admin/2fa/setup/?next={next_path}", HTTP_HOST=host)
    assert page.status_code == 200
    html = page.content.decode()
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', html).group(1)
    done = client.post("/admin/2fa/setup/", {"code": code_for(secret), "next": next_path}, HTTP_HOST=host)
    assert done.status_code == 200, done.content.decode()[:500]
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    return secret, codes


def make_editor(site, username="editor"):
    with schema_context(site.schema_name):
        user = get_user_model().objects.create_user(username, password=EDITOR_PASSWORD)
        user.user_permissions.add(Permission.objects.get(codename="access_admin"))
        return user


def test_a_central_office_user_enrols_before_any_admin_page_opens(require_2fa, db):
    host = HOSTS["central"]
    # Given the central office's admin has signed in with the right password
    client = sign_in(host)
    # When they ask for any admin page, they are sent to the enrolment page first
    for path in ("/admin/", "/admin/pages/", "/admin/network/sites/"):
        answer = client.get(path, HTTP_HOST=host)
        assert answer.status_code == 302 and answer["Location"].startswith("/admin/2fa/setup/?next="), path
    # Then the enrolment page shows a QR code drawn locally and the secret as text, in Chinese
    html = client.get("/admin/2fa/setup/", HTTP_HOST=host).content.decode()
    assert "<svg" in html and "启用两步验证" in html and "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    # And a wrong code does not confirm it
    assert client.post("/admin/2fa/setup/", {"code": "000000"}, HTTP_HOST=host).status_code == 400
    assert client.get("/admin/", HTTP_HOST=host).status_code == 302
    # When the right code is entered, ten one-time recovery codes are shown once and the admin opens
    secret, codes = enrol(client, host)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/admin/pages/", HTTP_HOST=host).status_code == 200


def test_a_user_with_a_device_must_enter_a_code_at_every_login(require_2fa, alpha):
    host = HOSTS["alpha"]
    secret, codes = enrol(sign_in(host), host)
    # Given a new login with the password only
    client = sign_in(host)
    # Then no admin page opens, whatever the path or method
    answer = client.get("/admin/pages/", HTTP_HOST=host)
    assert answer.status_code == 302 and answer["Location"] == "/admin/2fa/?next=%2Fadmin%2Fpages%2F"
    assert client.post("/admin/pages/add/pages/sectionpage/1/", {"title": "x"}, HTTP_HOST=host).status_code == 302
    assert client.get("/admin/2fa/setup/", HTTP_HOST=host)["Location"].startswith("/admin/2fa/?next=")
    # And the verification page asks in Chinese
    assert "两步验证" in client.get("/admin/2fa/", HTTP_HOST=host).content.decode()
    # When the authenticator's current code is entered, the page asked for opens
    answer = client.post(
        "/admin/2fa/", {"code": code_for(secret, steps_ahead=1), "next": "/admin/pages/"}, HTTP_HOST=host
    )
    assert answer.status_code == 302 and answer["Location"] == "/admin/pages/"
    assert client.get("/admin/pages/", HTTP_HOST=host).status_code == 200


def test_a_recovery_code_works_once(require_2fa, alpha):
    host = HOSTS["alpha"]
    _, codes = enrol(sign_in(host), host)
    # When a recovery code is used
    first = sign_in(host)
    answer = first.post("/admin/2fa/", {"code": codes[0].upper(), "next": "/admin/"}, HTTP_HOST=host)
    assert answer.status_code == 302 and first.get("/admin/", HTTP_HOST=host).status_code == 200
    # Then the same code is refused the next time
    second = sign_in(host)
    refused = second.post("/admin/2fa/", {"code": codes[0], "next": "/admin/"}, HTTP_HOST=host)
    assert refused.status_code == 400 and "验证码不正确" in refused.content.decode()
    assert second.get("/admin/", HTTP_HOST=host).status_code == 302


def test_guessing_codes_is_throttled(require_2fa, alpha):
    host = HOSTS["alpha"]
    secret, _ = enrol(sign_in(host), host)
    client = sign_in(host)
    # Given a wrong code
    assert client.post("/admin/2fa/", {"code": "123456"}, HTTP_HOST=host).status_code == 400
    # Then even the right code is not checked until the wait is over
    answer = client.post("/admin/2fa/", {"code": code_for(secret, steps_ahead=1)}, HTTP_HOST=host)
    assert answer.status_code == 400 and "次数过多" in answer.content.decode()
    assert client.get("/admin/", HTTP_HOST=host).status_code == 302


def test_a_sites_superuser_must_enrol_but_an_editor_need_not(require_2fa, alpha):
    host = HOSTS["alpha"]
    make_editor(alpha)
    assert sign_in(host).get("/admin/", HTTP_HOST=host)["Location"].startswith("/admin/2fa/setup/")
    editor = sign_in(host, "editor", EDITOR_PASSWORD)
    assert editor.get("/admin/", HTTP_HOST=host).status_code == 200
    # An editor may still choose to enrol, from their account page
    assert "/admin/2fa/setup/" in editor.get("/admin/account/", HTTP_HOST=host).content.decode()
    assert editor.get("/admin/2fa/setup/", HTTP_HOST=host).status_code == 200


def test_a_site_can_require_two_factor_login_of_every_user(require_2fa, alpha, beta):
    from wagtail.models import Site

    from cms.pages.models import SiteSettings

    # Given alpha's settings require two-factor login of everyone, and beta's do not
    with schema_context(alpha.schema_name):
        site_settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
        site_settings.require_two_factor = True
        site_settings.save()
    make_editor(alpha)
    make_editor(beta)
    # Then alpha's editor must enrol and beta's need not
    alpha_editor = sign_in(HOSTS["alpha"], "editor", EDITOR_PASSWORD)
    assert alpha_editor.get("/admin/", HTTP_HOST=HOSTS["alpha"])["Location"].startswith("/admin/2fa/setup/")
    beta_editor = sign_in(HOSTS["beta"], "editor", EDITOR_PASSWORD)
    assert beta_editor.get("/admin/", HTTP_HOST=HOSTS["beta"]).status_code == 200


def test_the_setting_is_in_the_sites_settings_form(alpha):
    client = Client()
    client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["alpha"])
    with schema_context(alpha.schema_name):
        from wagtail.models import Site

        site_id = Site.objects.get(is_default_site=True).pk
    html = client.get(f"/admin/settings/pages/sitesettings/{site_id}/", HTTP_HOST=HOSTS["alpha"]).content.decode()
    assert "登录安全" in html and "所有用户须启用两步验证" in html


def test_a_half_login_is_anonymous_outside_the_admin(require_2fa, alpha):
    host = HOSTS["alpha"]
    enrol(sign_in(host), host)
    client = sign_in(host)
    # Staff may introspect the GraphQL schema; a user who has not given their code may not
    answer = client.post(
        "/graphql/",
        json.dumps({"query": "{ __schema { queryType { name } } }"}),
        content_type="application/json",
        HTTP_HOST=host,
    )
    assert answer.status_code == 400 and "Introspection is disabled" in answer.content.decode()


def test_a_login_made_without_the_password_form_is_held_too(require_2fa, alpha):
    # Given a session made directly (as force_login does), never through the second step
    with schema_context(alpha.schema_name):
        admin = get_user_model().objects.get(username="admin")
        client = Client()
        client.force_login(admin)
    # Then the admin still asks for enrolment
    assert client.get("/admin/", HTTP_HOST=HOSTS["alpha"])["Location"].startswith("/admin/2fa/setup/")


def test_a_session_from_one_host_is_nothing_on_another(require_2fa, alpha, beta):
    # Given admin fully signed in (password and code) on alpha
    client = sign_in(HOSTS["alpha"])
    enrol(client, HOSTS["alpha"])
    assert client.get("/admin/", HTTP_HOST=HOSTS["alpha"]).status_code == 200
    # When the same cookies are sent to beta, beta knows no such session: its login page, not even the code page
    answer = client.get("/admin/", HTTP_HOST=HOSTS["beta"])
    assert answer.status_code == 302 and answer["Location"].startswith("/admin/login/")


def test_next_cannot_send_the_user_to_another_site(require_2fa, alpha):
    host = HOSTS["alpha"]
    secret, _ = enrol(sign_in(host), host)
    client = sign_in(host)
    answer = client.post(
        "/admin/2fa/", {"code": code_for(secret, steps_ahead=1), "next": "https://evil.example/"}, HTTP_HOST=host
    )
    assert answer.status_code == 302 and answer["Location"] == "/admin/"


def test_the_cms_command_resets_a_users_two_factor_login(require_2fa, alpha, capsys):
    from cms.cli import main

    host = HOSTS["alpha"]
    enrol(sign_in(host), host)
    assert sign_in(host).get("/admin/", HTTP_HOST=host)["Location"].startswith("/admin/2fa/?next=")
    # When the administrator resets admin's two-factor login on alpha
    assert main(["accounts", "reset-2fa", "alpha", "admin"]) == 0
    assert "reset" in capsys.readouterr().out
    # Then admin enrols again at the next login
    assert sign_in(host).get("/admin/", HTTP_HOST=host)["Location"].startswith("/admin/2fa/setup/")
    # And an unknown user is one sentence
    assert main(["accounts", "reset-2fa", "alpha", "nobody"]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == "cms: 没有用户名为“nobody”的用户。"


def test_enforcement_can_be_turned_off(settings, alpha):
    settings.CMS_REQUIRE_2FA = False
    assert sign_in(HOSTS["alpha"]).get("/admin/", HTTP_HOST=HOSTS["alpha"]).status_code == 200


def test_production_requires_two_factor_login_by_default():
    import subprocess
    import sys

    from tests.accounts.test_production_settings import production_env

    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.CMS_REQUIRE_2FA)"],
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.strip() == "True", out.stderr


@pytest.mark.parametrize("path", ["/admin/2fa/../pages/", "/admin/login/../pages/", "/admin/pages/?next=/admin/2fa/"])
def test_no_path_trick_reaches_an_admin_page_before_the_code(require_2fa, alpha, path):
    client = sign_in(HOSTS["alpha"])
    answer = client.get(path, HTTP_HOST=HOSTS["alpha"])
    assert answer.status_code in (302, 404)
    if answer.status_code == 302:
        assert answer["Location"].startswith("/admin/2fa/setup/")
