"""Production settings: a real secret key, HTTPS with HSTS, and Django's deploy check clean."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management.utils import get_random_secret_key

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CMS_", "SECURE_")) and k != "HTTPS"}
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        SECRET_KEY=get_random_secret_key(),
        DATABASE_URL=os.environ["DATABASE_URL"],
        PYTHONPATH=str(ROOT),
        CMS_DATA_DIR=os.environ["CMS_DATA_DIR"],
    )
    env.update(extra)
    return env


def run(*args, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=production_env(**env), capture_output=True, text=True, timeout=120
    )


def production_settings(**env) -> dict:
    names = [
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "DEBUG",
    ]
    code = f"import json; from django.conf import settings; print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    result = run("-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_deploy_check_is_clean_under_production_settings():
    result = run("manage.py", "check", "--deploy")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "no issues" in output, output


@pytest.mark.parametrize("key", [" ", "short-key", " " * 60, "x" * 49])
def test_a_short_or_blank_secret_key_is_refused_in_one_sentence(key):
    for command in (["manage.py", "check"], ["-m", "cms.cli", "manage", "check"]):
        result = run(*command, SECRET_KEY=key)
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert "SECRET_KEY must be set to a random value of at least 50 characters" in lines[0]


def test_https_is_enforced_with_hsts_by_default():
    values = production_settings()
    assert values["SECURE_SSL_REDIRECT"] is True and values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and values["SECURE_HSTS_PRELOAD"] is True
    # No proxy header is trusted unless one is configured: a client could send it
    assert values["SECURE_PROXY_SSL_HEADER"] is None and values["DEBUG"] is False


def test_a_plain_http_intranet_and_a_tls_proxy_are_configured_by_environment():
    plain = production_settings(CMS_HTTPS="0")
    assert plain["SECURE_SSL_REDIRECT"] is False and plain["SESSION_COOKIE_SECURE"] is False
    assert plain["SECURE_HSTS_SECONDS"] == 0
    proxied = production_settings(
        CMS_PROXY_SSL_HEADER="X-Forwarded-Proto", CMS_HSTS_PRELOAD="0", CMS_HSTS_SECONDS="600"
    )
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert proxied["SECURE_HSTS_PRELOAD"] is False and proxied["SECURE_HSTS_SECONDS"] == 600
