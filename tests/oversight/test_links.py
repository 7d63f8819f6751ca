"""Link checking against local servers only: ok, broken, redirected off-domain, timed out; internal without HTTP."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django_tasks_db.models import DBTaskResult
from django_tenants.utils import schema_context

from cms.oversight import services
from cms.oversight.links import collect_links, registrable_domain, run_check
from cms.oversight.models import LinkCheckRun, LinkStatus, SiteHealth
from cms.pages.models import ArticlePage
from tests.factories import make_image, make_section, publish


class Handler(BaseHTTPRequestHandler):
    seen_conditional: list[str] = []

    def log_message(self, *args):
        pass

    def _answer(self, body: bool):
        port = self.server.server_address[1]
        if self.path == "/ok":
            if self.headers.get("If-None-Match") == '"v1"':
                Handler.seen_conditional.append(self.path)
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", '"v1"')
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
        elif self.path == "/taken-over":
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{port}/ok")  # another registrable domain
        elif self.path == "/slow":
            time.sleep(1.5)
            self.send_response(200)
        elif self.path == "/no-head" and not body:
            self.send_response(405)
        elif self.path == "/no-head":
            self.send_response(200)
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self):
        self._answer(body=False)

    def do_GET(self):
        self._answer(body=True)


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def article_with_links(site, server):
    section = make_section(site, "链接测试", "links")
    image = make_image(site, "正常图片")
    with schema_context(site.schema_name):
        links = "".join(
            f'<a href="{server}{path}">{path}</a>'
            for path in ("/ok", "/missing", "/moved", "/taken-over", "/slow", "/no-head")
        )
        body = [
            {
                "type": "paragraph",
                "value": f'<p>{links}<a linktype="page" id="{section.pk}">栏目</a>'
                f'<a linktype="page" id="999999">已删除</a><a href="/links/">站内</a><a href="/nowhere/">无</a></p>',
            },
            {"type": "image", "value": {"image": image.pk, "caption": ""}},
            {"type": "image", "value": {"image": 999998, "caption": "已删除的图片"}},
        ]
        return publish(section, ArticlePage(title="带链接的文章", body=body, cover=image)), section, image


def test_link_states_from_local_servers(gamma, server, settings):
    settings.CMS_LINK_CHECK_TIMEOUT = 0.5
    settings.CMS_LINK_CHECK_HOST_INTERVAL = 0
    # Given an article with external links of every fate, internal links and images
    article, section, image = article_with_links(gamma, server)
    run = LinkCheckRun.objects.create(site=gamma)
    # When the check runs (in the site's schema, as the worker runs it)
    with schema_context(gamma.schema_name):
        summary = run_check(run_id=run.pk)
    states = dict(LinkStatus.objects.filter(site=gamma).values_list("url", "state"))
    # Then each link has its state
    assert states[f"{server}/ok"] == "ok"
    assert states[f"{server}/missing"] == "broken"
    assert states[f"{server}/moved"] == "redirected"
    assert states[f"{server}/taken-over"] == "offsite"
    assert states[f"{server}/slow"] == "timeout"
    assert states[f"{server}/no-head"] == "ok"  # HEAD refused, GET answered
    assert states[f"page:{section.pk}"] == "ok" and states["page:999999"] == "broken"
    assert states[f"image:{image.pk}"] == "ok" and states["image:999998"] == "broken"
    assert states["/links/"] == "ok" and states["/nowhere/"] == "broken"
    taken = LinkStatus.objects.get(site=gamma, url=f"{server}/taken-over")
    assert taken.final_url.startswith("http://localhost:") and "localhost" in taken.detail
    assert LinkStatus.objects.get(site=gamma, url=f"image:{image.pk}").is_image
    assert LinkStatus.objects.get(site=gamma, url=f"{server}/ok").page_ids == [article.pk]
    run.refresh_from_db()
    assert run.status == "done" and run.done == run.total == len(states) and summary["problems"] == 6
    # And the site's score counts the problems
    links_rule = next(r for r in SiteHealth.objects.get(site=gamma).failing if r["code"] == "broken_links")
    assert links_rule["count"] == 6


def test_second_run_asks_conditionally_and_forgets_removed_links(gamma, server, settings):
    settings.CMS_LINK_CHECK_TIMEOUT = 0.5
    settings.CMS_LINK_CHECK_HOST_INTERVAL = 0
    article, _, _ = article_with_links(gamma, server)
    with schema_context(gamma.schema_name):
        run_check(run_id=LinkCheckRun.objects.create(site=gamma).pk)
        Handler.seen_conditional.clear()
        # When the article loses its links and the check runs again
        article = ArticlePage.objects.get(pk=article.pk)
        article.body = [{"type": "paragraph", "value": f'<p><a href="{server}/ok">仍在</a></p>'}]
        article.save_revision().publish()
        run_check(run_id=LinkCheckRun.objects.create(site=gamma).pk)
    # Then the known address was asked with If-None-Match, and the removed links are gone
    assert Handler.seen_conditional == ["/ok"]
    assert LinkStatus.objects.get(site=gamma, url=f"{server}/ok").state == "ok"
    assert not LinkStatus.objects.filter(site=gamma, url=f"{server}/missing").exists()


def test_a_site_only_sees_its_own_links(gamma, delta, server, settings):
    settings.CMS_LINK_CHECK_TIMEOUT = 0.5
    article_with_links(gamma, server)
    with schema_context(delta.schema_name):
        assert collect_links() == [] or all("带链接" not in link.page_title for link in collect_links())
        run = LinkCheckRun.objects.create(site=gamma)
        with pytest.raises(RuntimeError):
            run_check(run_id=run.pk)  # never checks gamma's links from delta's schema


def test_link_check_is_queued_in_the_sites_schema(gamma, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_link_check(site=gamma)
    task = DBTaskResult.objects.get(task_path="cms.oversight.jobs.check_links")
    assert task.args_kwargs["schema"] == gamma.schema_name and task.args_kwargs["args"] == [run.pk]


def test_registrable_domain_uses_the_bundled_suffix_list():
    assert registrable_domain("www.beian.miit.gov.cn") == "miit.gov.cn"
    assert registrable_domain("a.b.example.com.cn") == "example.com.cn"
    assert registrable_domain("127.0.0.1") == "127.0.0.1"


def test_management_command_checks_one_site_now(gamma, capsys):
    from django.core.management import call_command

    call_command("oversight", "check-links", site="gamma")
    assert "gamma: 0 links, 0 problems" in capsys.readouterr().out
    call_command("oversight", "refresh")
    assert "Scored" in capsys.readouterr().out
