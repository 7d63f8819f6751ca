import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tasks_db.models import DBTaskResult

from cms.watch.models import Source, Topic
from sites.worker import TenantWorker


def run_queued_tasks(task: str = "cms.watch.jobs.fetch_feed", after=None) -> list[DBTaskResult]:
    """The project's worker runs every queued task (each in the schema that queued it), as `cms worker` would."""
    done = []
    connection.set_schema_to_public()
    worker = TenantWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    try:
        # Only the task asked for: others (site creation's, committed by the session) are not this test's.
        queued = DBTaskResult.objects.ready().filter(task_path=task)
        if after is not None:
            queued = queued.filter(enqueued_at__gt=after)
        for result in list(queued.order_by("enqueued_at")):
            worker.run_task(result)
            result.refresh_from_db()
            done.append(result)
            connection.set_schema_to_public()
    finally:
        if worker._lease_connection is not None:
            worker._lease_connection.close()
    return done


@pytest.fixture
def handler(db):
    return get_user_model().objects.create_user(
        username="yuqing", email="yuqing@example.test", password="x-Long-Passw0rd!", is_staff=True
    )


@pytest.fixture
def topic(db, handler):
    topic = Topic.objects.create(name="抄袭风波", rule='"文联" AND (抄袭 OR 剽窃) NOT 澄清', threshold=3)
    topic.handlers.add(handler)
    return topic


@pytest.fixture
def fast_feeds(settings):
    settings.CMS_WATCH_CONNECT_TIMEOUT = 1
    settings.CMS_WATCH_READ_TIMEOUT = 0.5
    settings.CMS_WATCH_TOTAL_TIMEOUT = 3
    settings.CMS_WATCH_MAX_BYTES = 200_000
    settings.CMS_WATCH_MAX_REDIRECTS = 3
    return settings


def feed_source(url: str, name: str = "文艺评论订阅") -> Source:
    return Source.objects.create(name=name, kind=Source.Kind.FEED, url=url)
