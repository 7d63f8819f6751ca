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
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as when
from selenium.webdriver.support.ui import WebDriverWait

from tests.live_server import LiveServer

CHROMIUM = Path(os.environ.get("CMS_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CMS_CHROMEDRIVER", "/usr/bin/chromedriver"))
INSTALL = "apt-get install -y chromium chromium-driver fonts-noto-cjk"
PASSWORD = "browser-test-password-1"
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


def start_server(**options) -> LiveServer:
    """The real server, or a skip saying how to install what the browser tests need."""
    reason = _missing()
    if reason:
        pytest.skip(f"browser tests need Chromium, ChromeDriver and a Chinese font, and {reason}")
    return LiveServer(workers=2, **options)


@pytest.fixture(scope="module")
def cms_server():
    """The real server, for a whole module of browser tests."""
    server = start_server()
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


def save_screenshot(driver, name: str, *, full_page: bool = False) -> Path:
    """A screenshot kept whether the test passes or fails (`full_page`: the window grown to the page's height)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    if not full_page:
        driver.save_screenshot(str(path))
        return path
    size = driver.get_window_size()
    # The admin scrolls inside <main>, not the document: grow the window by what either hides
    hidden = driver.execute_script(
        "return Math.max(...[document.documentElement, document.querySelector('main')]"
        ".filter(Boolean).map(e => e.scrollHeight - e.clientHeight));"
    )
    driver.set_window_size(size["width"], min(size["height"] + max(hidden, 0), 4000))
    try:
        driver.save_screenshot(str(path))
    finally:
        driver.set_window_size(size["width"], size["height"])
    return path


class Admin:
    """The browser on one host's admin (a site's `<slug>.localhost`, or `host` for the central office's
    `localhost`), logged in as one user at a time (a login is kept until another is needed)."""

    current: dict[str, dict[str, str]] = {}  # per browser session: the host logged in and as whom

    def __init__(self, browser, cms_server, slug: str, *, host: str | None = None):
        self.browser, self.slug = browser, slug
        self.base = f"http://{host or slug + '.localhost'}:{cms_server.port}"

    def wait(self, seconds: float = 20) -> WebDriverWait:
        return WebDriverWait(self.browser, seconds)

    def open(self, path: str):
        self.browser.get(self.base + path)

    def login(self, username: str, password: str = PASSWORD):
        if Admin.current.get(self.browser.session_id, {}).get(self.slug) == username:
            return
        self.browser.delete_all_cookies()
        self.open("/admin/login/")
        self.browser.find_element(By.ID, "id_username").send_keys(username)
        self.browser.find_element(By.ID, "id_password").send_keys(password)
        self.browser.find_element(By.CSS_SELECTOR, "form[method='post'] button[type='submit']").click()
        self.wait().until(when.presence_of_element_located((By.CSS_SELECTOR, "h1.w-h1")))
        Admin.current[self.browser.session_id] = {self.slug: username}

    def click(self, selector: str):
        """A button of the page's action menu (in the footer's dropdown), clicked as a person would."""
        button = self.browser.find_element(By.CSS_SELECTOR, selector)
        if not button.is_displayed():
            self.browser.find_element(By.CSS_SELECTOR, "footer [data-w-dropdown-target='toggle']").click()
            self.wait(5).until(when.visibility_of(button))
        button.click()

    def message(self, expected: str) -> str:
        """The admin's message once one says `expected` (the page before may still show an older one)."""

        def says(driver):
            texts = [item.text for item in driver.find_elements(By.CSS_SELECTOR, ".messages li")]
            return next((text for text in texts if expected in text), False)

        return self.wait().until(says)
