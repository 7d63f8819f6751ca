"""A task whose worker dies is taken back and run again; a task with a live worker is left alone."""

from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms.testing.tasks import report_schema
from sites.worker import LEASE_NAMESPACE, lease_key, reclaim_orphaned_tasks


def running_task(*, claimed_seconds_ago: int, attempts: int = 1) -> DBTaskResult:
    """A task marked running, as a worker leaves it when it is killed."""
    result = report_schema.enqueue()
    DBTaskResult.objects.filter(id=result.id).update(
        status="RUNNING",
        started_at=timezone.now() - timedelta(seconds=claimed_seconds_ago),
        worker_ids=[f"dead-worker-{n}" for n in range(attempts)],
    )
    return DBTaskResult.objects.get(id=result.id)


def test_a_running_task_without_a_live_lease_is_queued_again(db, settings):
    settings.CMS_TASK_LEASE_GRACE_SECONDS = 10
    # Given a task whose worker was killed a minute ago, and one claimed just now
    orphan, fresh = running_task(claimed_seconds_ago=60), running_task(claimed_seconds_ago=1)
    # When a worker looks for orphans
    with connection.cursor() as cursor:
        reclaimed = reclaim_orphaned_tasks(lease_cursor=cursor)
    # Then the orphan is back in the queue, and the one inside the grace period is left to its worker
    assert reclaimed == [str(orphan.id)]
    assert DBTaskResult.objects.get(id=orphan.id).status == "READY"
    assert DBTaskResult.objects.get(id=fresh.id).status == "RUNNING"


def test_a_task_whose_worker_is_alive_is_left_alone(db):
    # Given a long-running task whose worker holds its lease on its own connection
    task = running_task(claimed_seconds_ago=600)
    worker_connection = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        worker_connection.cursor().execute("SELECT pg_advisory_lock(%s, %s)", [LEASE_NAMESPACE, lease_key(task.id)])
        # When another worker looks for orphans, the task stays with its worker
        with connection.cursor() as cursor:
            assert reclaim_orphaned_tasks(lease_cursor=cursor) == []
        assert DBTaskResult.objects.get(id=task.id).status == "RUNNING"
    finally:
        worker_connection.close()  # the worker dies: its lock goes with its connection
    with connection.cursor() as cursor:
        assert reclaim_orphaned_tasks(lease_cursor=cursor) == [str(task.id)]


def test_a_task_that_keeps_killing_its_worker_is_failed_with_the_reason(db, settings):
    settings.CMS_TASK_MAX_ATTEMPTS = 3
    task = running_task(claimed_seconds_ago=60, attempts=3)
    with connection.cursor() as cursor:
        reclaim_orphaned_tasks(lease_cursor=cursor)
    failed = DBTaskResult.objects.get(id=task.id)
    assert failed.status == "FAILED" and failed.exception_class_path.endswith("WorkerDied")
    assert "died while running this task 3 times" in failed.traceback
