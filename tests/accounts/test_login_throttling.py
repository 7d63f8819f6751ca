"""Login throttling: a few wrong passwords lock one username from one address on one site, and only there."""

import logging

import pytest
from django.conf import settings

from cms.accounts import selectors, services
from tests.conftest import ADMIN_PASSWORD, HOSTS

LIMIT = settings.AXES_FAILURE_LIMIT


def login(client, host, password, username="admin", **extra):
    return client.post("/admin/login/", {"username": username, "password": password}, HTTP_HOST=host, **extra)


def fail(client, host, times, username="admin", **extra):
    return [login(client, host, f"wrong-password-{n}", username=username, **extra) for n in range(times)]


def is_signed_in(client, host) -> bool:
    return client.get("/admin/", HTTP_HOST=host).status_code == 200


def test_the_default_is_five_failures_for_fifteen_minutes():
    assert LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_five_wrong_passwords_lock_admin_on_alpha_but_not_on_beta(client, alpha, beta, caplog):
    # Given four wrong passwords for admin on alpha: each is answered with the login form again
    answers = fail(client, HOSTS["alpha"], LIMIT - 1)
    assert [a.status_code for a in answers] == [200] * (LIMIT - 1)
    # When the fifth is sent
    with caplog.at_level(logging.WARNING, logger="cms.accounts"):
        locked = fail(client, HOSTS["alpha"], 1)[0]
    # Then alpha answers with the lockout page, in Chinese, and the lock is logged with its site
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "登录已暂时锁定" in page and "15 分钟" in page and "Account locked" not in page
    assert any("alpha:admin" in r.getMessage() and "alpha.localhost" in r.getMessage() for r in caplog.records)
    # And the right password is refused on alpha while the lock lasts
    refused = login(client, HOSTS["alpha"], ADMIN_PASSWORD)
    assert refused.status_code == 429 and not is_signed_in(client, HOSTS["alpha"])
    # But the same username on beta is not locked
    assert login(client, HOSTS["beta"], ADMIN_PASSWORD).status_code == 302
    assert is_signed_in(client, HOSTS["beta"])


def test_the_central_office_login_is_throttled_too(client, db):
    fail(client, HOSTS["central"], LIMIT)
    assert login(client, HOSTS["central"], ADMIN_PASSWORD).status_code == 429
    assert not is_signed_in(client, HOSTS["central"])


def test_fifty_wrong_passwords_never_get_past_the_lock(client, alpha):
    answers = fail(client, HOSTS["alpha"], 50)
    assert {a.status_code for a in answers[LIMIT - 1 :]} == {429}
    assert login(client, HOSTS["alpha"], ADMIN_PASSWORD).status_code == 429


@pytest.mark.parametrize("variant", ["Admin", "ADMIN", " admin ", "ａｄｍｉｎ"])
def test_changing_the_case_of_the_username_counts_against_the_same_lock(client, alpha, variant):
    # Given failures spread over spellings of one username
    fail(client, HOSTS["alpha"], LIMIT - 1)
    fail(client, HOSTS["alpha"], 1, username=variant)
    # Then the real username is locked
    assert login(client, HOSTS["alpha"], ADMIN_PASSWORD).status_code == 429


def test_a_forged_forwarded_for_header_does_not_escape_the_lock(client, alpha):
    # Given a client that sends another X-Forwarded-For with every try (no proxy is configured)
    for n in range(LIMIT):
        login(client, HOSTS["alpha"], f"wrong-{n}", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}", HTTP_X_REAL_IP=f"10.0.1.{n}")
    # Then it is still one address, and locked
    answer = login(client, HOSTS["alpha"], ADMIN_PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert answer.status_code == 429


def test_another_address_is_not_locked_out_by_an_attacker(client, alpha):
    # Given admin locked on alpha from one address
    fail(client, HOSTS["alpha"], LIMIT, REMOTE_ADDR="203.0.113.7")
    # Then the admin, from their own address, still logs in
    assert login(client, HOSTS["alpha"], ADMIN_PASSWORD, REMOTE_ADDR="198.51.100.20").status_code == 302


def test_behind_a_configured_proxy_the_address_comes_from_its_header(client, alpha, settings):
    settings.CMS_CLIENT_IP_HEADER = "X-Forwarded-For"
    # The proxy appends the real client address last; whatever the client claims comes before it
    fail(client, HOSTS["alpha"], LIMIT, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert login(client, HOSTS["alpha"], ADMIN_PASSWORD, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7").status_code == 429
    assert login(client, HOSTS["alpha"], ADMIN_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.20").status_code == 302


def test_a_right_password_before_the_limit_clears_the_failures(client, alpha):
    fail(client, HOSTS["alpha"], LIMIT - 1)
    assert login(client, HOSTS["alpha"], ADMIN_PASSWORD).status_code == 302
    client.logout()
    fail(client, HOSTS["alpha"], LIMIT - 1)
    assert login(client, HOSTS["alpha"], ADMIN_PASSWORD).status_code == 302


def test_the_central_office_unlocks_one_site_without_touching_another(client, alpha, beta):
    # Given admin locked on alpha and on beta
    fail(client, HOSTS["alpha"], LIMIT)
    fail(client, HOSTS["beta"], LIMIT)
    assert {(row.schema_name, row.username) for row in selectors.locked_logins()} >= {
        ("alpha", "admin"),
        ("beta", "admin"),
    }
    # When the central office unlocks admin on alpha
    assert services.unlock_logins(schema_names=["alpha"], username="Admin") >= 1
    # Then alpha lets admin in, and beta is still locked
    assert login(client, HOSTS["alpha"], ADMIN_PASSWORD).status_code == 302
    assert login(client, HOSTS["beta"], ADMIN_PASSWORD).status_code == 429


def test_the_cms_command_lists_and_unlocks_logins(client, alpha, beta, capsys):
    from cms.cli import main

    fail(client, HOSTS["alpha"], LIMIT)
    fail(client, HOSTS["beta"], LIMIT)
    # When the central office lists the locks
    assert main(["accounts", "locks"]) == 0
    listing = capsys.readouterr().out
    assert "alpha" in listing and "beta" in listing and "127.0.0.1" in listing
    # And unlocks beta for one address
    assert main(["accounts", "unlock", "beta", "--username", "admin", "--ip", "127.0.0.1"]) == 0
    assert "Unlocked: 1 record(s)" in capsys.readouterr().out
    assert login(client, HOSTS["beta"], ADMIN_PASSWORD).status_code == 302
    assert login(client, HOSTS["alpha"], ADMIN_PASSWORD).status_code == 429
    # And then every site
    assert main(["accounts", "unlock", "all"]) == 0
    assert login(client, HOSTS["alpha"], ADMIN_PASSWORD).status_code == 302
    # And an unknown site is one sentence
    capsys.readouterr()
    assert main(["accounts", "unlock", "no-such-site"]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == "cms: No site with slug 'no-such-site'."
