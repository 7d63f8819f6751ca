"""The admin speaks Chinese: every view editors and the central office use, crawled, has no English in visible text.

Wagtail's own zh-Hans catalogue misses strings of this version; the project ships them (cms/locale) and
overrides the few templates whose English is not marked for translation. This test renders the views as
an editor, as a site's administrator and as the central office, and reads what a person sees: text
nodes, <template> content (dialogs), placeholders, titles and button values. Scripts, styles and attributes
that are not shown (aria-*, data-*) are left out.
"""

from __future__ import annotations

import json
import os
import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from cms.pages.models import ArticlePage, EventPage, NoticePage, ProfilePage, StandardPage, WorkPage
from tests.conftest import ADMIN_PASSWORD, HOSTS, home_page
from tests.factories import make_document, make_image, make_section, publish, rich_body

# Words that stay as they are in a Chinese admin: product and format names, and what the tests put there.
ALLOWED = {
    # product and technical names that Chinese editors read as they are
    "Wagtail",
    "GraphQL",
    "Excel",
    "GraphiQL",
    "URL",
    "HTML",
    "ID",
    "Slug",
    "slug",
    "API",
    "Email",
    "PDF",
    "PNG",
    "JPEG",
    "JPG",
    "GIF",
    "WebP",
    "AVIF",
    "SVG",
    "HEIC",
    "ICP",
    "TOTP",
    "SEO",
    "CSV",
    "XLSX",
    "TSV",
    "JSON",
    "Markdown",
    "Tab",
    "Ctrl",
    "Cmd",
    "Shift",
    "Alt",
    "Enter",
    "Esc",
    "Draftail",
    "YouTube",
    "KB",
    "MB",
    "px",
    "Elasticsearch",
    "PostgreSQL",
    "Microsoft",
    "Google",
    "Authenticator",
    "FreeOTP",
    # a language's own name in the language chooser
    "English",
    # data the tests made, shown as it is: usernames, the test sites' slugs and hosts, theme names
    "admin",
    "editor",
    "reviewer",
    "alpha",
    "beta",
    "gamma",
    "delta",
    "central",
    "localhost",
    "blank",
}

SKIPPED_TAGS = {"script", "style", "noscript", "svg", "code"}  # <code>: identifiers, not prose
SHOWN_ATTRIBUTES = {"placeholder", "title", "alt"}
# Tokens that are data, not UI text: addresses, file names, hosts, hex, dates.
DATA_TOKEN = re.compile(r"(\S*[/@.:_=#%]\S*)|(\S*\d\S*)")
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "use"}


class VisibleText(HTMLParser):
    """Text a person sees: text nodes outside skipped elements, and the attributes a browser shows."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, bool]] = []  # (tag, skipped)
        self.chunks: list[str] = []

    @property
    def skipping(self) -> bool:
        return any(skipped for _, skipped in self.open)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        # the side panel's counter holds a number that the page's script writes in
        skipped = tag in SKIPPED_TAGS or "data-side-panel-toggle-counter" in attributes
        if not self.skipping and not skipped:
            for name in SHOWN_ATTRIBUTES:
                if attributes.get(name):
                    self.chunks.append(attributes[name])
            if tag == "input" and attributes.get("type") in ("submit", "button", "reset") and attributes.get("value"):
                self.chunks.append(attributes["value"])
        if tag not in VOID:
            self.open.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.open:
            self.open.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                return

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.chunks.append(data.strip())


def english_in(html: str) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    found = set()
    for chunk in parser.chunks:
        text = " ".join(chunk.split())
        words = [word for word in ENGLISH_WORD.findall(DATA_TOKEN.sub(" ", text)) if word not in ALLOWED]
        if words:
            found.add(text)
    return found


SKIP_PATH = re.compile(
    r"/(logout|delete|unpublish|lock|unlock|revert|copy|move|preview|serve|jsi18n|sprite|usage|compare|"
    r"bulk|export|workflow/disable|disable|enable|focal|chooser|autocomplete|disable_2fa|reset-2fa|revisions/\d+/view)"
)


def crawl(client: Client, host: str, start: list[str], limit: int = 120) -> tuple[dict[str, set[str]], int]:
    """Every admin page reachable by links from `start`, one per URL shape: the English each shows, and how
    many pages were read."""
    seen_shapes: set[str] = set()
    queue = deque(start)
    english: dict[str, set[str]] = {}
    visited = rendered = 0
    while queue and visited < limit:
        url = queue.popleft()
        parts = urlsplit(url)
        path = parts.path
        shape = re.sub(r"\d+", "N", path) + ("?" + re.sub(r"\d+", "N", parts.query) if url in start else "")
        if shape in seen_shapes or not path.startswith("/admin/") or SKIP_PATH.search(path):
            continue
        seen_shapes.add(shape)
        response = client.get(url, HTTP_HOST=host)
        visited += 1
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or not ("html" in content_type or "json" in content_type):
            continue
        body = response.content.decode()
        if response.get("Content-Type", "").startswith("application/json"):
            payload = json.loads(body)
            body = payload.get("html", "") if isinstance(payload, dict) else ""
        found = english_in(body)
        if found:
            english[url] = found
        rendered += 1
        for href in re.findall(r'href="([^"#]+)"', body):
            href = href.replace("&amp;", "&")
            if href.startswith("/admin/"):
                queue.append(href)
    return english, rendered


def logged_in(host: str, username: str, password: str = ADMIN_PASSWORD) -> Client:
    client = Client()
    response = client.post("/admin/login/", {"username": username, "password": password}, HTTP_HOST=host)
    assert response.status_code == 302, f"{username} could not log in on {host}"
    return client


@pytest.fixture
def site_with_content(alpha):
    """alpha with a page of every type, images, documents, an editor, a reviewer and a workflow in progress."""
    from django.contrib.auth.models import Group
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

    from cms.accounts.models import User

    image, document = make_image(alpha), make_document(alpha)
    section = make_section(alpha, "新闻动态", "news-i18n")
    with schema_context(alpha.schema_name):
        home = home_page(alpha)
        editors = Group.objects.get(name="编辑")
        editor = User.objects.create_user(username="editor", password=ADMIN_PASSWORD, full_name="王小明")
        editor.groups.add(editors)
        reviewer = User.objects.create_user(username="reviewer", password=ADMIN_PASSWORD, full_name="李审核")
        reviewers = Group.objects.create(name="审核")
        reviewer.groups.add(editors, reviewers)
        body = rich_body(image, document)
        pages = {
            "article": publish(section, ArticlePage(title="文章", summary="摘要", body=body)),
            "notice": publish(section, NoticePage(title="通知", issuer="办公室", body=body)),
            "event": publish(section, EventPage(title="活动", start=timezone.now(), body=body)),
            "profile": publish(section, ProfilePage(title="艺术家", name="张艺")),
            "work": publish(section, WorkPage(title="作品")),
            "standard": publish(home, StandardPage(title="简介", body=body)),
        }
        task = GroupApprovalTask.objects.create(name="初审")
        task.groups.set([reviewers])
        workflow = Workflow.objects.create(name="三审三校")
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        WorkflowPage.objects.create(workflow=workflow, page=home)
        draft = pages["article"]
        draft.title = "待审文章"
        draft.save_revision(user=editor)
        state = workflow.start(draft, editor)
        state.refresh_from_db()
        assert state.current_task_state is not None, "the article waits for the reviewers"
    return {
        "home": home,
        "section": section,
        "pages": pages,
        "image": image,
        "document": document,
        "task_state": state.current_task_state.pk,
    }


def explicit_urls(content) -> list[str]:
    section, pages = content["section"], content["pages"]
    urls = ["/admin/", f"/admin/pages/{content['home'].pk}/", f"/admin/pages/{section.pk}/"]
    for page in pages.values():
        urls.append(f"/admin/pages/{page.pk}/edit/")
        urls.append(f"/admin/pages/{page.pk}/history/")
    for model in ("articlepage", "noticepage", "eventpage", "profilepage", "workpage"):
        urls.append(f"/admin/pages/add/pages/{model}/{section.pk}/")
    urls += [
        f"/admin/pages/add/pages/standardpage/{content['home'].pk}/",
        f"/admin/pages/add/pages/sectionpage/{content['home'].pk}/",
        f"/admin/pages/{pages['article'].pk}/add_subpage/",
        "/admin/pages/search/?q=文章",
        # the workflow's dialogs: request changes, approve with a comment, cancel the workflow
        f"/admin/pages/workflow/collect_action_data/{pages['article'].pk}/reject/{content['task_state']}/",
        f"/admin/pages/workflow/collect_action_data/{pages['article'].pk}/approve/{content['task_state']}/",
        f"/admin/pages/workflow/confirm_cancellation/{pages['article'].pk}/",
        f"/admin/pages/{pages['article'].pk}/workflow_history/",
        # the project's own views: syndication (报送, 下发, inbox, received, sent, policy)
        f"/admin/network/syndication/pages/{pages['article'].pk}/submit/",
        f"/admin/network/syndication/pages/{pages['article'].pk}/push/",
        "/admin/network/syndication/inbox/",
        "/admin/network/syndication/received/",
        "/admin/network/syndication/sent/",
        "/admin/network/syndication/policy/",
        "/admin/images/",
        f"/admin/images/{content['image'].pk}/",
        "/admin/images/multiple/add/",
        "/admin/documents/",
        f"/admin/documents/edit/{content['document'].pk}/",
        "/admin/documents/multiple/add/",
        "/admin/users/",
        "/admin/users/add/",
        "/admin/groups/",
        "/admin/groups/add/",
        "/admin/reports/locked/",
        "/admin/reports/aging-pages/",
        "/admin/reports/site-history/",
        "/admin/reports/workflow/",
        "/admin/reports/workflow_tasks/",
        "/admin/workflows/list/",
        "/admin/workflows/tasks/index/",
        "/admin/account/",
        "/admin/collections/",
        "/admin/redirects/",
        "/admin/sites/",
        "/admin/snippets/",
        "/admin/forms/",
    ]
    return urls


CENTRAL_OFFICE_URLS = [
    "/admin/",
    "/admin/network/sites/",
    "/admin/network/sites/new/",
    "/admin/network/search/?q=文联",
    "/admin/users/",
    "/admin/users/add/",
    "/admin/groups/",
    "/admin/images/",
    "/admin/documents/",
    "/admin/account/",
    "/admin/reports/site-history/",
]


def test_the_admin_shows_no_english_to_editors_site_admins_and_the_central_office(site_with_content):
    # Given an editor, the site's administrator and the central office, each logged in on their own host
    english: dict[str, set[str]] = {}
    start = explicit_urls(site_with_content)
    for host in (HOSTS["alpha"], HOSTS["central"]):
        login_page = Client().get("/admin/login/", HTTP_HOST=host).content.decode()
        english[f"anonymous@{host} /admin/login/"] = english_in(login_page)
    rendered = {}
    for host, username in ((HOSTS["alpha"], "editor"), (HOSTS["alpha"], "admin"), (HOSTS["central"], "admin")):
        client = logged_in(host, username)
        # When every admin view they reach is rendered
        urls = start if host != HOSTS["central"] else CENTRAL_OFFICE_URLS
        found_by_url, rendered[f"{username}@{host}"] = crawl(client, host, urls)
        for url, found in found_by_url.items():
            english[f"{username}@{host} {url}"] = found
    english = {url: found for url, found in english.items() if found}
    # (the crawl really went through the admin: dozens of views each, not a login page)
    assert rendered["editor@alpha.localhost"] >= 30 and rendered["admin@alpha.localhost"] >= 60, rendered
    assert rendered["admin@localhost"] >= 20, rendered
    # Then none shows English beyond the allowed product names
    if os.environ.get("DUMP_ENGLISH"):  # the list to translate, for whoever adds strings (README)
        Path(os.environ["DUMP_ENGLISH"]).write_text(
            json.dumps(sorted({text for found in english.values() for text in found}), ensure_ascii=False, indent=0)
        )
    report = "\n".join(f"{url}: {sorted(found)}" for url, found in sorted(english.items()))
    assert not english, f"English in the admin:\n{report}"


def test_the_login_page_and_the_dashboard_name_the_site_of_their_host(alpha):
    # Given the login page of a site and of the central office
    site_login = Client().get("/admin/login/", HTTP_HOST=HOSTS["alpha"]).content.decode()
    central_login = Client().get("/admin/login/", HTTP_HOST=HOSTS["central"]).content.decode()
    # Then each names its own site, not Wagtail and not the network
    assert "<h1>登录 测试全国文联</h1>" in site_login and "<title>登录 - 测试全国文联</title>" in site_login
    assert "<h1>登录 文联网站群管理中心</h1>" in central_login
    assert "Wagtail" not in re.search(r"<title>(.*?)</title>", site_login, re.S).group(1)
    # And after logging in, the dashboard's heading is the site's name on its host
    for host, name in ((HOSTS["alpha"], "测试全国文联"), (HOSTS["central"], "文联网站群管理中心")):
        dashboard = logged_in(host, "admin").get("/admin/", HTTP_HOST=host).content.decode()
        heading = re.search(r'<h1 class="w-h1 w-mt-0">\s*(.*?)\s*</h1>', dashboard, re.S).group(1)
        assert heading == name
        assert "文联网站群<" not in dashboard


def test_permissions_are_named_in_chinese_after_migrate(alpha):
    # Given the permissions of a site (Django creates them in English after every migrate)
    from django.contrib.auth.models import Permission

    from cms.accounts.permissions import rename_permissions

    with schema_context(alpha.schema_name):
        Permission.objects.filter(codename="add_group").update(name="Can add group")
        # When they are renamed (as after every migrate)
        rename_permissions()
        names = dict(Permission.objects.values_list("codename", "name"))
    # Then the model's verb and Chinese name read as a person would, and Wagtail's own read in Chinese
    assert names["add_group"] == "可以添加组"
    assert names["change_user"] == "可以修改用户"
    assert names["access_admin"] == "可以进入管理后台"
    assert names["publish_page"] == "发布任何页面"
    assert not [name for name in names.values() if name.startswith("Can ")]
