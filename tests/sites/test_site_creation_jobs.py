"""Creating a site from the central office's admin runs in the background with progress; templates are
kept warm by the worker so that the first site of a theme is as fast as the others."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import Client
from django_tasks_db.models import DBTaskResult
from django_tenants.utils import schema_exists

from sites.creation import cold_themes, enqueue_template_warming, run_site_creation, template_is_warm
from sites.models import Association, Domain, SiteCreation, SiteTemplate
from sites.provisioning import migration_fingerprint
from tests.conftest import ADMIN_PASSWORD, HOSTS
from tests.live_server import run_worker, subprocess_env

NEW = "/admin/network/sites/new/"
PASSWORD = "新网站管理员的密码-2026"


def central_admin() -> Client:
    client = Client()
    response = client.post(
        "/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["central"]
    )
    assert response.status_code == 302
    return client


def form(slug: str, **changes) -> dict:
    data = {
        "name": f"临时{slug}文联",
        "short_name": slug,
        "slug": slug,
        "kind": "provincial",
        "parent": Association.objects.get(slug="alpha").pk,
        "region": "浙江",
        "domain": f"{slug}.localhost",
        "theme": "blank",
        "admin_password": PASSWORD,
    }
    return {**data, **changes}


def status(client: Client, creation_id: int) -> dict:
    response = client.get(f"{NEW}{creation_id}/status/", HTTP_HOST=HOSTS["central"])
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    return response.json()


def test_a_site_is_created_by_the_worker_while_the_admin_shows_its_progress(committed):
    # Given the central office fills in the form
    admin = central_admin()
    response = admin.post(NEW, form("tmp-bg"), HTTP_HOST=HOSTS["central"])
    # Then the request returns at once, to a progress page, with the job queued and nothing made yet
    creation = SiteCreation.objects.get(params__slug="tmp-bg")
    assert response.status_code == 302 and response["Location"] == f"{NEW}{creation.pk}/"
    assert not Association.objects.filter(slug="tmp-bg").exists()
    assert DBTaskResult.objects.filter(task_path="sites.creation.create_site_job", status="READY").exists()
    assert PASSWORD not in creation.admin_password_hash and "$" in creation.admin_password_hash  # hashed
    page = admin.get(f"{NEW}{creation.pk}/", HTTP_HOST=HOSTS["central"]).content.decode()
    assert "排队中" in page and "<progress" in page and f"{NEW}{creation.pk}/status/" in page
    state = status(admin, creation.pk)
    assert (state["status"], state["statusDisplay"], state["finished"], state["site"]) == (
        "queued",
        "排队中",
        False,
        None,
    )
    # When the worker runs
    assert run_worker() == 0
    # Then the job is done, the site is whole and its administrator can log in with the password given
    state = status(admin, creation.pk)
    assert (state["status"], state["finished"], state["step"], state["steps"]) == ("done", True, 3, 3)
    assert state["site"] == {"name": "临时tmp-bg文联", "domain": "tmp-bg.localhost", "url": "http://tmp-bg.localhost/"}
    site = Association.objects.get(slug="tmp-bg")
    assert site.parent.slug == "alpha" and Domain.objects.filter(tenant=site, domain="tmp-bg.localhost").exists()
    assert SiteCreation.objects.get(pk=creation.pk).admin_password_hash == ""
    login = Client().post("/admin/login/", {"username": "admin", "password": PASSWORD}, HTTP_HOST="tmp-bg.localhost")
    assert login.status_code == 302
    # and the progress page says so, with a link to the new site
    page = admin.get(f"{NEW}{creation.pk}/", HTTP_HOST=HOSTS["central"]).content.decode()
    assert "已完成" in page and 'href="http://tmp-bg.localhost/"' in page


def test_bad_input_is_answered_on_the_form_at_once_and_nothing_is_queued(db):
    admin = central_admin()
    queued = DBTaskResult.objects.count()
    response = admin.post(NEW, form("tmp-bad", domain=HOSTS["beta"], admin_password="123"), HTTP_HOST=HOSTS["central"])
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "已被其他网站使用" in errors["domain"][0] and errors["admin_password"]
    assert not SiteCreation.objects.exists() and DBTaskResult.objects.count() == queued


def test_a_job_that_fails_says_why_in_chinese_and_leaves_nothing_half_made(committed):
    # Given a creation was queued, and before the worker got to it another site took its domain
    admin = central_admin()
    admin.post(NEW, form("tmp-late"), HTTP_HOST=HOSTS["central"])
    creation = SiteCreation.objects.get(params__slug="tmp-late")
    Domain.objects.create(domain="tmp-late.localhost", tenant=Association.objects.get(slug="gamma"), is_primary=False)
    try:
        # When the job runs
        assert run_site_creation(creation_id=creation.pk) == "failed"
        # Then it failed with the reason, in Chinese, and made nothing: no registry row, schema or media
        state = status(admin, creation.pk)
        assert state["status"] == "failed" and "域名“tmp-late.localhost”已被其他网站使用" in state["error"]
        assert "未留下任何半成品" in state["message"]
        assert not Association.objects.filter(slug="tmp-late").exists() and not schema_exists("tmp_late")
        assert not (Path(settings.MEDIA_ROOT) / "tmp_late").exists()
        # and the progress page shows the error and leads back to the form, filled in as it was (but the password)
        page = admin.get(f"{NEW}{creation.pk}/", HTTP_HOST=HOSTS["central"]).content.decode()
        assert "创建失败" in page and f"{NEW}?from={creation.pk}" in page
        again = admin.get(NEW, {"from": creation.pk}, HTTP_HOST=HOSTS["central"])
        initial = again.context["form"].initial
        assert (initial["slug"], initial["domain"], initial.get("admin_password")) == (
            "tmp-late",
            "tmp-late.localhost",
            None,
        )
        # and running it again changes nothing
        assert run_site_creation(creation_id=creation.pk) == "failed"
    finally:
        Domain.objects.filter(domain="tmp-late.localhost").delete()
        SiteCreation.objects.filter(pk=creation.pk).delete()


def test_a_job_rerun_after_its_worker_died_finds_the_site_the_first_run_made(committed):
    # Given a job whose first run created the site, and whose worker died before it could say so
    admin = central_admin()
    admin.post(NEW, form("tmp-rerun", admin_password="", no_admin="on"), HTTP_HOST=HOSTS["central"])
    creation = SiteCreation.objects.get(params__slug="tmp-rerun")
    assert run_site_creation(creation_id=creation.pk) == "done"
    SiteCreation.objects.filter(pk=creation.pk).update(status="running", site=None)
    # When it runs again
    assert run_site_creation(creation_id=creation.pk) == "done"
    # Then it reports the site, without making a second one
    assert SiteCreation.objects.get(pk=creation.pk).site.slug == "tmp-rerun"
    assert Association.objects.filter(slug="tmp-rerun").count() == 1


def test_only_the_central_office_sees_creation_jobs(db, alpha):
    creation = SiteCreation.objects.create(params={"name": "某网站", "slug": "tmp-x"})
    client = Client()
    client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["alpha"])
    assert client.get(f"{NEW}{creation.pk}/status/", HTTP_HOST=HOSTS["alpha"]).status_code == 404
    assert Client().get(f"{NEW}{creation.pk}/status/", HTTP_HOST=HOSTS["central"]).status_code == 302  # to login


def test_the_worker_warms_missing_templates_at_start_so_the_first_creation_builds_none(committed):
    # Given the blank theme's template was built for other migrations (as after a deploy)
    SiteTemplate.objects.filter(theme="blank", fingerprint=migration_fingerprint()).update(
        fingerprint="old", schema_name="cms_tpl_blank_v1_old"
    )
    assert cold_themes(["blank"]) == ["blank"] and not template_is_warm("blank")
    try:
        # When the worker starts as `cms up` starts it (here: warming the blank theme only)
        done = subprocess.run(
            [
                sys.executable,
                *("-m", "django", "tenant_worker", "--batch", "--interval", "0", "--no-startup-delay"),
                *("--warm-templates", "blank"),
            ],
            env=subprocess_env(),
            timeout=300,
            capture_output=True,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        # Then a task of the worker built the template
        tasks = list(DBTaskResult.objects.values_list("task_path", "status", "traceback"))
        assert template_is_warm("blank"), tasks
        assert DBTaskResult.objects.filter(task_path="sites.creation.warm_site_templates", status="SUCCESSFUL").exists()
        template = SiteTemplate.objects.get(theme="blank", fingerprint=migration_fingerprint())
        # and starting the worker again queues nothing
        assert enqueue_template_warming(themes=["blank"]) is False
        # and the first creation of that theme finds the template ready and builds none
        admin = central_admin()
        admin.post(NEW, form("tmp-warm"), HTTP_HOST=HOSTS["central"])
        creation = SiteCreation.objects.get(params__slug="tmp-warm")
        assert run_site_creation(creation_id=creation.pk) == "done"
        assert SiteTemplate.objects.get(theme="blank", fingerprint=migration_fingerprint()).pk == template.pk
    finally:
        SiteTemplate.objects.filter(theme="blank", fingerprint="old").delete()
        SiteCreation.objects.filter(params__slug__startswith="tmp-").delete()
