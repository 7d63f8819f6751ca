"""Faults injected into a running `cms up` (2 web workers): each process killed with `kill -9`.

Each fault: the network heals without a person in under 30 s, every request in the meantime gets a
clear answer (JSON for the API: 200, or 503 while the database is away; never a 500 or a traceback),
and no acknowledged write is lost. The table of what happened is printed (pytest -s shows it).
"""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest
import requests

from tests.cms.running import RunningCms, add_section_as_editor, free_port

HEAL_SECONDS = 30
PROBE = "{ site { name } }"


def probe(cms: RunningCms) -> tuple[int | None, str]:
    """One fresh (uncached) API request: its status and content type, or None if the connection failed."""
    try:
        response = requests.post(
            cms.url("/graphql/"),
            json={"query": PROBE},
            timeout=10,
            headers={"Host": cms.host("central"), "Cache-Control": "no-cache"},
        )
    except requests.RequestException:
        return None, ""
    return response.status_code, response.headers.get("Content-Type", "")


def until_healed(cms: RunningCms, started: float) -> tuple[float, list]:
    """Probe until a fresh answer is 200 again; the seconds it took and every bad answer on the way."""
    bad = []
    while time.monotonic() - started < HEAL_SECONDS:
        status, content_type = probe(cms)
        if status == 200:
            return time.monotonic() - started, bad
        if not (status == 503 and content_type.startswith("application/json")):
            bad.append((status, content_type))
        time.sleep(0.2)
    pytest.fail(f"not healed in {HEAL_SECONDS} s; bad answers {bad}\n{cms.output[-3000:]}")


def live(processes) -> list[psutil.Process]:
    alive = []
    for process in processes:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            continue
    return alive


def children(cms: RunningCms) -> list[psutil.Process]:
    return live(psutil.Process(cms.process.pid).children(recursive=True))


def named(processes, word: str) -> list[psutil.Process]:
    found = []
    for process in processes:
        try:
            if any(word in part for part in process.cmdline()):
                found.append(process)
        except psutil.NoSuchProcess:
            continue
    return found


def section_titles(cms: RunningCms) -> list[str]:
    return cms.page_titles("central")


@pytest.mark.slow
@pytest.mark.faults
def test_every_process_of_cms_up_can_be_killed_and_the_network_heals_losing_nothing(tmp_path):
    data_dir, port = tmp_path / "var", free_port()
    cms = RunningCms(data_dir, port, workers=2, args=("--no-demo",), CMS_REQUIRE_2FA="0")
    cms.wait_until_up()
    table, written = [], []

    def write(title: str) -> None:
        add_section_as_editor(cms, "central", title, slug=f"s{len(written)}", two_factor=False)
        written.append(title)  # acknowledged: the admin answered 302 after saving

    write("故障前写入")
    # (served with debug off: an unknown page is a plain 404, an API error is JSON, neither a debug page)
    missing = cms.get("central", "/media/original_images/no-such-file.png")
    assert missing.status_code == 404 and "页面不存在" in missing.text and "URLconf" not in missing.text

    # PostgreSQL's postmaster killed
    pid = int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
    started = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    while "PostgreSQL stopped unexpectedly" not in cms.output and time.monotonic() - started < HEAL_SECONDS:
        time.sleep(0.1)  # (its sessions may answer a moment longer: the outage starts when cms up sees it)
    seconds, bad = until_healed(cms, started)
    while "PostgreSQL is back" not in cms.output and time.monotonic() - started < HEAL_SECONDS:
        time.sleep(0.1)  # (requests may succeed a moment before cms up has said so)
    assert "PostgreSQL is back" in cms.output, cms.output[-3000:]
    table.append(("PostgreSQL (postmaster)", bad, seconds))
    write("数据库恢复后写入")

    # One of the two gunicorn workers killed
    web = named(children(cms), "gunicorn")
    master = next(p for p in web if p.ppid() == cms.process.pid)
    victim = master.children()[0]
    started = time.monotonic()
    victim.kill()
    seconds, bad = until_healed(cms, started)
    deadline = time.monotonic() + HEAL_SECONDS
    while time.monotonic() < deadline:
        workers = [p.pid for p in live(master.children())]
        if len(workers) == 2 and victim.pid not in workers:
            break
        time.sleep(0.2)
    assert len(workers) == 2 and victim.pid not in workers, (workers, victim.pid, cms.output[-2000:])
    table.append(("a web worker", bad, seconds))

    # The background worker killed: cms up starts another
    deadline = time.monotonic() + HEAL_SECONDS
    while not named(children(cms), "tenant_worker") and time.monotonic() < deadline:
        time.sleep(0.2)  # (it may be between two lives: the database's restart ended its last one)
    workers = named(children(cms), "tenant_worker")
    assert workers, cms.output[-3000:]
    worker = workers[0]
    started = time.monotonic()
    worker.kill()
    while time.monotonic() - started < HEAL_SECONDS:
        again = [p for p in named(children(cms), "tenant_worker") if p.pid != worker.pid]
        if again:
            break
        time.sleep(0.2)
    assert again, cms.output[-2000:]
    table.append(("the task worker", [], time.monotonic() - started))
    assert "background worker stopped unexpectedly" in cms.output

    # cms up itself killed: its children go with it, and a new cms up starts cleanly on the same folder and port
    orphans = children(cms)
    started = time.monotonic()
    cms.process.kill()
    cms.process.wait()
    gone, alive = psutil.wait_procs([p for p in orphans if "postgres" not in p.name()], timeout=HEAL_SECONDS)
    assert not alive, [p.cmdline() for p in alive]
    cms = RunningCms(data_dir, port, workers=2, args=("--no-demo",), CMS_REQUIRE_2FA="0")
    cms.wait_until_up()
    seconds, bad = until_healed(cms, started)
    table.append(("cms up itself", bad, seconds))

    # Every acknowledged write is there
    titles = section_titles(cms)
    lost = [title for title in written if title not in titles]
    print("\nfault | bad answers | healed in | acknowledged writes lost")
    for fault, errors, seconds in table:
        print(f"{fault} | {len(errors)} | {seconds:.1f} s | {len(lost)}")
    assert lost == []
    assert all(not errors for _, errors, _ in table), table
    assert cms.stop() == 0
    assert not (data_dir / "postgres" / "postmaster.pid").exists(), "PostgreSQL was not stopped"
