"""Background tasks run in the schema of the site that enqueued them, from one shared queue."""

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from django_tenants.utils import schema_context
from wagtail.models import Page

from cms.testing.tasks import report_schema
from sites.worker import TenantWorker
from tests.conftest import add_article


def make_worker() -> TenantWorker:
    return TenantWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def run(result_id) -> DBTaskResult:
    connection.set_schema_to_public()
    db_result = DBTaskResult.objects.get(id=result_id)
    make_worker().run_task(db_result)
    db_result.refresh_from_db()
    return db_result


def test_task_runs_in_the_schema_that_enqueued_it(alpha, beta):
    # Given one task enqueued from each site
    with schema_context(alpha.schema_name):
        from_alpha = report_schema.enqueue()
    with schema_context(beta.schema_name):
        from_beta = report_schema.enqueue()
    # When the worker (which starts in the public schema) runs them
    alpha_result, beta_result = run(from_alpha.id), run(from_beta.id)
    # Then each ran in its own site's schema
    assert (alpha_result.status, alpha_result.return_value) == ("SUCCESSFUL", "alpha")
    assert (beta_result.status, beta_result.return_value) == ("SUCCESSFUL", "beta")


def test_task_enqueued_by_the_central_office_runs_in_public(db):
    result = report_schema.enqueue()
    assert run(result.id).return_value == "public"


def test_the_queue_lives_only_in_the_public_schema(alpha):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = %s", [DBTaskResult._meta.db_table]
        )
        assert [row[0] for row in cursor.fetchall()] == ["public"]


def test_task_of_a_deleted_site_fails_instead_of_running_elsewhere(db):
    # Given a queued task whose site's schema no longer exists
    with schema_context("public"):
        result = report_schema.enqueue()
    DBTaskResult.objects.filter(id=result.id).update(args_kwargs={"args": [], "kwargs": {}, "schema": "deleted_site"})
    # When the worker picks it up
    db_result = run(result.id)
    # Then it fails, naming the reason, and never ran
    assert db_result.status == "FAILED"
    assert db_result.return_value is None
    assert db_result.exception_class_path.endswith("UnknownTaskSchema")


def test_scheduled_publishing_runs_for_every_site_from_one_command(alpha, beta):
    # Given a page in each site, approved to go live a minute ago but not yet live
    scheduled = {}
    for site in (alpha, beta):
        article = add_article(site, f"{site.slug} 定时发布")
        with schema_context(site.schema_name):
            article.unpublish()
            article.title = f"{site.slug} 定时发布（已排期）"
            revision = article.save_revision(approved_go_live_at=timezone.now() - timezone.timedelta(minutes=1))
            assert revision.approved_go_live_at is not None
            assert not Page.objects.get(pk=article.pk).live
        scheduled[site.schema_name] = article.pk
    # When the one scheduling command runs
    call_command("publish_scheduled_all")
    # Then every site's scheduled page is live with its scheduled title
    for schema, pk in scheduled.items():
        with schema_context(schema):
            page = Page.objects.get(pk=pk)
            assert page.live and page.title.endswith("（已排期）")
