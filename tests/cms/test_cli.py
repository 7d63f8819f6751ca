"""`cms up` for real: a subprocess, an embedded PostgreSQL in a temporary folder, real HTTP."""

from __future__ import annotations

import os
import re
import socket

import pytest
import requests

from cms.dbserver import DataDir
from tests.cms.running import ADMIN_PASSWORD, RunningCms, add_section_as_editor, cms_env, free_port, run_cms
from themes.blueprint import get_theme


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
    # home, the theme's pages, articles, notices, the 意见箱 and the 转载 section that took cflac's pushed notice
    assert len(zuoxie_titles) == 1 + theme_pages + 8 + 3 + 1 + 1
    # and the opinions channel's mailbox is open on every demo site, with its plain form
    mailbox = cms.get("zuoxie", "/feedback/mailbox/")
    assert mailbox.status_code == 200 and "意见箱" in mailbox.text and "<form" in mailbox.text

    # And the network joins them: the national feed on the central host lists every site's items,
    # and cflac has adopted zuoxie's submitted article as a copy that names its source
    feed = requests.post(
        cms.url("/graphql/"),
        json={"query": "{ networkFeed(first: 100) { items { site { slug } sourceSite } } }"},
        headers={"Host": f"localhost:{port}"},
        timeout=30,
    ).json()["data"]["networkFeed"]["items"]
    assert {item["site"]["slug"] for item in feed} == {"cflac", "zuoxie", "meixie", "beijing"}
    assert [item["sourceSite"] for item in feed if item["sourceSite"]] == ["中国作家协会"]
    assert cms.get("nosuchsite", "/").status_code == 404
    assert (
        requests.get(cms.url("/healthz"), headers={"Host": f"localhost:{port}"}, timeout=30).json()["site"] == "public"
    )

    # And a cover image is served from its own site only
    cover = cms.graphql(
        "cflac", '{ pages(limit: 100, contentType: "pages.ArticlePage") { ... on ArticlePage { cover { url } } } }'
    )
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
    assert (
        result.stderr.strip()
        == f"cms: The data folder {data_dir.root} is in use by another running cms (pid {os.getpid()})."
    )


def test_cms_up_reports_an_unreachable_database_in_one_sentence(tmp_path):
    env = cms_env(DATABASE_URL=f"postgres://cms@127.0.0.1:{free_port()}/cms")
    result = run_cms("up", "--data-dir", str(tmp_path / "var"), "--port", str(free_port()), env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("cms: Cannot reach the database at 127.0.0.1:")
    assert len(result.stderr.strip().splitlines()) == 1
