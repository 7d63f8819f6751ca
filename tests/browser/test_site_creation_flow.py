"""In a real browser: the central office creates a site (网站群 → 新建网站), the task worker builds it in the
background while the progress page polls its status, and the new site answers on its own host.

The server is configured for its own port (as `cms up --port N` is), so the progress page's link to the new site
works as clicked. The task worker runs for the module as `cms up` runs it; the site made is removed afterwards.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as when
from selenium.webdriver.support.ui import Select

from tests.browser.conftest import PASSWORD, Admin, save_screenshot, start_server
from tests.conftest import ADMIN_PASSWORD, HOSTS
from tests.live_server import subprocess_env

SLUG = "tmp-browser-new"
NAME = "浏览器新建文联"


@pytest.fixture(scope="module")
def cms_server():
    """The real server, reached on its own port: the URLs it builds carry it."""
    server = start_server(public_port=True)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def worker(cms_server):
    """The project's task worker, polling the queue for the whole module (as `cms up` runs it)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "tenant_worker", "--interval", "0.5", "--no-startup-delay"],
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def cleanup(django_db_setup, django_db_blocker):
    """The site and the creation job the flow makes are removed afterwards (committed: the server and worker
    read them)."""
    from django.db import connection

    from sites.models import Association, SiteCreation
    from sites.services import delete_site

    with django_db_blocker.unblock():
        yield
        connection.set_schema_to_public()
        site = Association.objects.filter(slug=SLUG).first()
        if site is not None:
            delete_site(association=site)
        SiteCreation.objects.filter(params__slug=SLUG).delete()


@pytest.fixture(autouse=True)
def database(django_db_blocker):
    with django_db_blocker.unblock():
        yield


def test_the_central_office_creates_a_site_and_follows_its_progress_until_it_answers(
    browser, cms_server, worker, cleanup
):
    from sites.models import Association, SiteCreation

    alpha = Association.objects.get(slug="alpha")
    central = Admin(browser, cms_server, "central", host=HOSTS["central"])
    # Given the central office's administrator on 网站群
    central.login("admin", ADMIN_PASSWORD)
    central.open("/admin/network/sites/")
    assert browser.find_element(By.CSS_SELECTOR, "main h1").text == "网站群"
    # When they follow 新建网站 and fill in the form (a provincial federation below alpha, the blank theme)
    browser.find_element(By.PARTIAL_LINK_TEXT, "新建网站").click()
    central.wait().until(when.presence_of_element_located((By.ID, "id_name")))
    browser.find_element(By.ID, "id_name").send_keys(NAME)
    browser.find_element(By.ID, "id_short_name").send_keys("浏览器新建")
    browser.find_element(By.ID, "id_slug").send_keys(SLUG)
    Select(browser.find_element(By.ID, "id_kind")).select_by_value("provincial")
    Select(browser.find_element(By.ID, "id_parent")).select_by_value(str(alpha.pk))
    browser.find_element(By.ID, "id_region").send_keys("浙江")
    browser.find_element(By.ID, "id_domain").send_keys(f"{SLUG}.localhost")
    Select(browser.find_element(By.ID, "id_theme")).select_by_value("blank")
    browser.find_element(By.ID, "id_admin_password").send_keys(PASSWORD, Keys.ENTER)  # submits the form
    # Then the browser is on the job's progress page at once
    central.wait().until(when.presence_of_element_located((By.ID, "site-creation")))
    creation = SiteCreation.objects.get(params__slug=SLUG)
    assert browser.current_url.endswith(f"/admin/network/sites/new/{creation.pk}/")
    # and, without reloading, the page (polling the status) reports the site created once the worker has made it
    done = browser.find_element(By.CSS_SELECTOR, "[data-show='done']")
    central.wait(180).until(lambda _driver: done.is_displayed() or creation_failed(browser))
    assert not creation_failed(browser), browser.find_element(By.CSS_SELECTOR, "[data-field='error']").text
    assert browser.find_element(By.CSS_SELECTOR, "[data-field='statusDisplay']").text == "已完成"
    assert browser.find_element(By.CSS_SELECTOR, "[data-field='message']").text == f"已创建网站“{NAME}”。"
    assert browser.find_element(By.ID, "site-creation-progress").get_attribute("value") == "3"
    link = browser.find_element(By.CSS_SELECTOR, "a[data-field='siteLink']")
    site_url = f"http://{SLUG}.localhost:{cms_server.port}/"
    assert (link.text, link.get_attribute("href")) == (f"{SLUG}.localhost", site_url)
    save_screenshot(browser, "site-created.png")
    site = Association.objects.get(slug=SLUG)
    assert (site.parent_id, site.theme, SiteCreation.objects.get(pk=creation.pk).status) == (alpha.pk, "blank", "done")
    # When they open the new site from the link: its home page answers with the site's name
    browser.get(link.get_attribute("href"))
    assert NAME in browser.title or NAME in browser.find_element(By.TAG_NAME, "body").text
    # and its admin names the site, and lets its administrator in with the password given in the form
    new = Admin(browser, cms_server, SLUG)
    new.open("/admin/login/")
    assert browser.find_element(By.TAG_NAME, "h1").text == f"登录 {NAME}"
    new.login("admin", PASSWORD)
    assert browser.find_element(By.CSS_SELECTOR, "h1.w-h1").text == NAME


def creation_failed(browser) -> bool:
    return browser.find_element(By.CSS_SELECTOR, "[data-show='failed']").is_displayed()
