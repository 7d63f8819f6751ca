"""`cms up` for real: a subprocess, an embedded PostgreSQL in a temporary folder, real HTTP."""

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

from cms.dbserver import DataDir
from themes.blueprint import get_theme

ADMIN_PASSWORD = "demo-admin-password"
START_TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cms_env(**extra) -> dict:
    """The environment of a user's shell: none of the test run's database or settings."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CMS_MEDIA_ROOT", "CMS_DATA_DIR"}}
    env.update(CMS_ADMIN_PASSWORD=ADMIN_PASSWORD, PYTHONUNBUFFERED="1", **extra)
    return env


def run_cms(*args, env=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cms.cli", *args], env=env or cms_env(), capture_output=True, text=True, timeout=timeout
    )


class RunningCms:
    """`cms up` in a subprocess, its output collected on a thread."""

    def __init__(self, data_dir: Path, port: int):
        self.port = port
        self.data_dir = data_dir
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cms.cli", "up", "--data-dir", str(data_dir), "--port", str(port), "--workers", "1"],
            env=cms_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
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
        return f"{site}.localhost:{self.port}"

    def get(self, site: str, path: str, session=None, **kwargs) -> requests.Response:
        return (session or requests).get(self.url(path), headers={"Host": self.host(site)}, timeout=30, **kwargs)

    def graphql(self, site: str, query: str) -> dict:
        response = requests.post(self.url("/graphql/"), json={"query": query}, headers={"Host": self.host(site)}, timeout=30)
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
        cms.url("/admin/2fa/setup/"), data={"code": code, "csrfmiddlewaretoken": csrf_token(setup.text)},
        headers={"Host": cms.host(site)}, allow_redirects=False, timeout=30,
    )
    assert done.status_code == 200 and "恢复码" in done.text, done.text[:2000]


def add_section_as_editor(cms: RunningCms, site: str, title: str) -> None:
    """Log in to a site's Wagtail admin and publish a new section under the home page, over HTTP."""
    session = requests.Session()
    login_page = cms.get(site, "/admin/login/", session)
    response = session.post(
        cms.url("/admin/login/"),
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": csrf_token(login_page.text)},
        headers={"Host": cms.host(site)}, allow_redirects=False, timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    set_up_two_factor_login(cms, site, session)
    home_id = next(
        p["id"] for p in cms.graphql(site, "{ pages(limit: 100) { id contentType } }")["pages"]
        if p["contentType"] == "pages.HomePage"
    )
    add_path = f"/admin/pages/add/pages/sectionpage/{home_id}/"
    form = cms.get(site, add_path, session)
    assert form.status_code == 200
    response = session.post(
        cms.url(add_path),
        data={
            "csrfmiddlewaretoken": csrf_token(form.text), "title": title, "slug": "editor-section",
            "intro": "编辑在后台新建的栏目", "update_cadence_days": "7", "action-publish": "action-publish",
        },
        headers={"Host": cms.host(site)}, allow_redirects=False, timeout=30,
    )
    assert response.status_code == 302, response.text[:2000]


@pytest.mark.slow
def test_cms_up_serves_the_demo_network_and_keeps_data_across_restarts(tmp_path):
    data_dir, port = tmp_path / "var", free_port()

    # Given a first `cms up` on an empty data folder
    cms = RunningCms(data_dir, port)
    cold_seconds = cms.wait_until_up()
    print(f"cms up cold: {cold_seconds} s")
    assert "First run: building the demo network" in cms.output
    for site in ("cflac", "zuoxie", "meixie", "beijing"):
        assert f"http://{site}.localhost:{port}/admin/" in cms.output
        assert f"http://{site}.localhost:{port}/graphql/" in cms.output
    assert f"admin / {ADMIN_PASSWORD}" in cms.output
    assert "Two-factor login is on" in cms.output

    # Then two sites serve their own admin login and their own content over real HTTP
    for site in ("zuoxie", "meixie"):
        response = cms.get(site, "/admin/login/")
        assert response.status_code == 200 and 'name="username"' in response.text
    zuoxie_titles, meixie_titles = cms.page_titles("zuoxie"), cms.page_titles("meixie")
    assert "茅盾文学奖评奖工作启动" in zuoxie_titles and "茅盾文学奖评奖工作启动" not in meixie_titles
    assert "全国美术作品展览开幕" in meixie_titles and "全国美术作品展览开幕" not in zuoxie_titles
    theme_pages = len(list(get_theme("national_association").all_pages()))
    # home, the theme's pages, articles, notices, and the 转载 section that took cflac's pushed notice (as a draft)
    assert len(zuoxie_titles) == 1 + theme_pages + 8 + 3 + 1

    # And the network joins them: the national feed on the central host lists every site's items,
    # and cflac has adopted zuoxie's submitted article as a copy that names its source
    feed = requests.post(cms.url("/graphql/"), json={"query": "{ networkFeed(first: 100) { items { site { slug } sourceSite } } }"},
                         headers={"Host": f"localhost:{port}"}, timeout=30).json()["data"]["networkFeed"]["items"]
    assert {item["site"]["slug"] for item in feed} == {"cflac", "zuoxie", "meixie", "beijing"}
    assert [item["sourceSite"] for item in feed if item["sourceSite"]] == ["中国作家协会"]
    assert cms.get("nosuchsite", "/").status_code == 404
    assert requests.get(cms.url("/healthz"), headers={"Host": f"localhost:{port}"}, timeout=30).json()["site"] == "public"

    # And a cover image is served from its own site only
    cover = cms.graphql("cflac", '{ pages(limit: 100, contentType: "pages.ArticlePage") { ... on ArticlePage { cover { url } } } }')
    cover_url = next(p["cover"]["url"] for p in cover["pages"] if p["cover"])
    cover_path = re.sub(r"^https?://[^/]+", "", cover_url)
    assert cms.get("cflac", cover_path).content[:4] == b"\x89PNG"
    assert cms.get("zuoxie", cover_path).status_code == 404

    # When an editor saves a page in the admin, and the network is stopped with Ctrl-C
    add_section_as_editor(cms, "zuoxie", "编辑新建栏目")
    assert "编辑新建栏目" in cms.page_titles("zuoxie")
    assert cms.stop() == 0
    assert not (data_dir / "postgres" / "postmaster.pid").exists(), "PostgreSQL was not stopped"

    # Then a second `cms up` on the same folder reuses the data: the page is there, no second demo
    cms = RunningCms(data_dir, port)
    warm_seconds = cms.wait_until_up()
    print(f"cms up warm: {warm_seconds} s")
    assert "First run" not in cms.output
    titles = cms.page_titles("zuoxie")
    assert "编辑新建栏目" in titles
    assert len(titles) == len(zuoxie_titles) + 1
    assert cms.stop() == 0


def test_cms_up_refuses_a_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cms("up", "--data-dir", str(tmp_path / "var"), "--port", str(port))
    assert result.returncode == 1
    assert result.stderr.strip() == f"cms: Port {port} on 127.0.0.1 is already in use; choose another with --port."
    assert not (tmp_path / "var").exists(), "nothing should be made before the port check"


def test_cms_up_refuses_a_data_folder_it_cannot_write(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cms("up", "--data-dir", str(blocker / "var"), "--port", str(free_port()))
    assert result.returncode == 1
    assert result.stderr.startswith(f"cms: The data folder {blocker / 'var'} is not writable")
    assert "Traceback" not in result.stderr


def test_cms_up_refuses_a_data_folder_held_by_another_instance(tmp_path):
    data_dir = DataDir(tmp_path / "var")
    data_dir.ensure_writable()
    lock = data_dir.lock()
    try:
        result = run_cms("up", "--data-dir", str(data_dir.root), "--port", str(free_port()))
    finally:
        lock.release()
    assert result.returncode == 1
    assert result.stderr.strip() == f"cms: The data folder {data_dir.root} is in use by another running cms (pid {os.getpid()})."


def test_cms_up_reports_an_unreachable_database_in_one_sentence(tmp_path):
    env = cms_env(DATABASE_URL=f"postgres://cms@127.0.0.1:{free_port()}/cms")
    result = run_cms("up", "--data-dir", str(tmp_path / "var"), "--port", str(free_port()), env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("cms: Cannot reach the database at 127.0.0.1:")
    assert len(result.stderr.strip().splitlines()) == 1
