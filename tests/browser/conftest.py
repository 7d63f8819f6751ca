"""Browser tests: Debian's chromium, headless, driven by Selenium through the system chromedriver, against the real
server (gunicorn on the test database). Nothing downloads a browser or a driver (Selenium Manager is kept offline
and never needed: both paths are given). Skipped, saying how to install them, when they are missing.

A failing test leaves a screenshot (and the page's HTML) in var/browser-screenshots/ (or $CMS_BROWSER_SCREENSHOTS).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.live_server import LiveServer

CHROMIUM = Path(os.environ.get("CMS_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CMS_CHROMEDRIVER", "/usr/bin/chromedriver"))
INSTALL = "apt-get install -y chromium chromium-driver fonts-noto-cjk"
SCREENSHOTS = Path(
    os.environ.get("CMS_BROWSER_SCREENSHOTS", Path(__file__).resolve().parents[2] / "var" / "browser-screenshots")
)


def _missing() -> str | None:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return f"chromium or chromedriver missing ({CHROMIUM}, {CHROMEDRIVER}): install them with `{INSTALL}`"
    fonts = shutil.which("fc-list") and subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    if not fonts:
        return f"no Chinese font installed: install one with `{INSTALL}`"
    return None


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def cms_server():
    """The real server, for a whole module of browser tests."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    server = LiveServer(workers=2)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(cms_server):
    """One headless chromium per module (its logins are reused by every test of the module)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager, should anything call it, fetches nothing
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000",
        "--lang=zh-CN",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(argument)
    options.unhandled_prompt_behavior = "accept"  # "leave this page?" prompts of the editor
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.implicitly_wait(0)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(autouse=True)
def screenshot_on_failure(request):
    yield
    report = getattr(request.node, "report_call", None)
    if report is None or not report.failed or "browser" not in request.fixturenames:
        return
    driver = request.getfixturevalue("browser")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = request.node.name.replace("/", "_")
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    (SCREENSHOTS / f"{name}.html").write_text(driver.page_source, encoding="utf-8")
