"""`cms up` in a subprocess for the tests: an embedded PostgreSQL in a temporary folder, real HTTP."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from base64 import b32decode
from pathlib import Path

import pytest
import requests
from django_otp.oath import TOTP

ADMIN_PASSWORD = "demo-admin-password"
START_TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cms_env(**extra) -> dict:
    """The environment of a user's shell: none of the test run's database or settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CMS_MEDIA_ROOT", "CMS_DATA_DIR"}
    }
    # The worker's template warming (every theme) is tested on its own (tests/sites/test_site_creation_jobs.py).
    env.update(CMS_ADMIN_PASSWORD=ADMIN_PASSWORD, PYTHONUNBUFFERED="1", CMS_WARM_TEMPLATES="0", **extra)
    return env


def run_cms(*args, env=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cms.cli", *args], env=env or cms_env(), capture_output=True, text=True, timeout=timeout
    )


# Every `cms up` a test starts, so that the fixture below can stop what a failed test left running.
STARTED: list[RunningCms] = []


class RunningCms:
    """`cms up` in a subprocess, its output collected on a thread."""

    def __init__(self, data_dir: Path, port: int, *, workers: int = 1, args: tuple[str, ...] = (), **env: str):
        STARTED.append(self)
        self.port = port
        self.data_dir = data_dir
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cms.cli",
                "up",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
                "--workers",
                str(workers),
                *args,
            ],
            env=cms_env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_until_up(self) -> float:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            match = re.search(r"The network is up \(([\d.]+) s\)", self.output)
            if match:
                return float(match.group(1))
            if self.process.poll() is not None:
                pytest.fail(f"cms up exited with {self.process.returncode}:\n{self.output}")
            time.sleep(0.3)
        self.process.kill()
        pytest.fail(f"cms up did not come up in {START_TIMEOUT} s:\n{self.output}")

    def stop(self) -> int:
        """Ctrl-C, as a person would."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail(f"cms up did not stop on Ctrl-C:\n{self.output}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def host(self, site: str) -> str:
        return f"localhost:{self.port}" if site == "central" else f"{site}.localhost:{self.port}"

    def get(self, site: str, path: str, session=None, **kwargs) -> requests.Response:
        return (session or requests).get(self.url(path), headers={"Host": self.host(site)}, timeout=30, **kwargs)

    def graphql(self, site: str, query: str) -> dict:
        response = requests.post(
            self.url("/graphql/"), json={"query": query}, headers={"Host": self.host(site)}, timeout=30
        )
        assert response.status_code == 200, response.text
        payload = response.json()
        assert "errors" not in payload, payload
        return payload["data"]

    def page_titles(self, site: str) -> list[str]:
        return [p["title"] for p in self.graphql(site, "{ pages(limit: 100) { title } }")["pages"]]


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def set_up_two_factor_login(cms: RunningCms, site: str, session: requests.Session) -> None:
    """The demo asks an administrator to enrol an authenticator before any admin page opens."""
    held = cms.get(site, "/admin/", session, allow_redirects=False)
    assert held.status_code == 302 and held.headers["Location"].startswith("/admin/2fa/setup/"), held.headers
    setup = cms.get(site, "/admin/2fa/setup/", session)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', setup.text).group(1)
    code = f"{TOTP(b32decode(secret + '=' * (-len(secret) % 8))).token():06d}"
    done = session.post(
        cms.url("/admin/2fa/setup/"),
        data={"code": code, "csrfmiddlewaretoken": csrf_token(setup.text)},
        headers={"Host": cms.host(site)},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 200 and "恢复码" in done.text, done.text[:2000]


def add_section_as_editor(
    cms: RunningCms, site: str, title: str, *, slug: str = "editor-section", two_factor: bool = True
) -> None:
    """Log in to a site's Wagtail admin and publish a new section under the home page, over HTTP."""
    session = requests.Session()
    login_page = cms.get(site, "/admin/login/", session)
    response = session.post(
        cms.url("/admin/login/"),
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": csrf_token(login_page.text)},
        headers={"Host": cms.host(site)},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    if two_factor:
        set_up_two_factor_login(cms, site, session)
    home_id = next(
        p["id"]
        for p in cms.graphql(site, "{ pages(limit: 100) { id contentType } }")["pages"]
        if p["contentType"] == "pages.HomePage"
    )
    add_path = f"/admin/pages/add/pages/sectionpage/{home_id}/"
    form = cms.get(site, add_path, session)
    assert form.status_code == 200
    response = session.post(
        cms.url(add_path),
        data={
            "csrfmiddlewaretoken": csrf_token(form.text),
            "title": title,
            "slug": slug,
            "intro": "编辑在后台新建的栏目",
            "update_cadence_days": "7",
            "action-publish": "action-publish",
        },
        headers={"Host": cms.host(site)},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:2000]


def stop_left_running() -> None:
    """Stop (Ctrl-C, then kill) every `cms up` a test started and did not stop: an assertion that fails
    before the test's own stop must not leave a server, its workers and its database behind."""
    while STARTED:
        cms = STARTED.pop()
        if cms.process.poll() is None:
            cms.process.send_signal(signal.SIGINT)
            try:
                cms.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                cms.process.kill()
