"""The worker for sites.tasks: each task runs inside the schema that enqueued it, under a lease.

A worker that takes a task holds a PostgreSQL advisory lock named after it, on a connection of its
own, for as long as the task runs. PostgreSQL drops the lock the moment that worker's connection
goes, however the worker died (`kill -9`, a crash, its machine), so a task still marked running
whose lock is free has lost its worker: any worker takes it back and runs it again (at start and
every few seconds). Tasks are written so that running again is safe (each step checks what is
already done). A task taken CMS_TASK_MAX_ATTEMPTS times is failed instead, so that one task that
kills its worker every time cannot stop the queue.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from .signals import worker_heartbeat
from .tasks import task_schema

log = logging.getLogger(__name__)
LEASE_NAMESPACE = 0x7461736B  # "task": the first key of every task lease (advisory locks take two ints)
RECLAIM_INTERVAL_SECONDS = 5


class UnknownTaskSchema(RuntimeError):
    pass


class WorkerDied(RuntimeError):
    """Recorded on a task whose worker died while running it too many times."""


def lease_key(task_id) -> int:
    """A signed 32-bit number from the task's UUID (the second key of its advisory lock)."""
    return int.from_bytes(uuid.UUID(str(task_id)).bytes[:4], "big", signed=True)


def _try_lock(cursor, task_id) -> bool:
    cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LEASE_NAMESPACE, lease_key(task_id)])
    return cursor.fetchone()[0]


def _unlock(cursor, task_id) -> None:
    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LEASE_NAMESPACE, lease_key(task_id)])


def reclaim_orphaned_tasks(*, lease_cursor) -> list[str]:
    """Put back in the queue (or fail, after CMS_TASK_MAX_ATTEMPTS) the running tasks whose worker is gone.

    A task claimed less than CMS_TASK_LEASE_GRACE_SECONDS ago is left alone: its worker may not have
    taken its lease yet. Returns the ids of the tasks taken back.
    """
    grace = timedelta(seconds=settings.CMS_TASK_LEASE_GRACE_SECONDS)
    with schema_context(get_public_schema_name()):
        candidates = list(
            DBTaskResult.objects.running().filter(started_at__lte=timezone.now() - grace).values_list("id", flat=True)
        )
        reclaimed = []
        for task_id in candidates:
            if not _try_lock(lease_cursor, task_id):
                continue  # its worker is alive and holds the lease
            try:
                with transaction.atomic():
                    task = (
                        DBTaskResult.objects.select_for_update()
                        .filter(pk=task_id, status=TaskResultStatus.RUNNING)
                        .first()
                    )
                    if task is None:
                        continue
                    if len(task.worker_ids) >= settings.CMS_TASK_MAX_ATTEMPTS:
                        task.set_failed(
                            WorkerDied(f"the worker died while running this task {len(task.worker_ids)} times")
                        )
                        log.error("Task %s failed: its worker died %s times", task_id, len(task.worker_ids))
                    else:
                        task.status = TaskResultStatus.READY
                        task.save(update_fields=["status"])
                        log.warning("Task %s lost its worker (%s); queued again", task_id, task.worker_ids[-1:])
                    reclaimed.append(str(task_id))
            finally:
                _unlock(lease_cursor, task_id)
        return reclaimed


class TenantWorker(Worker):
    """django-tasks-db's worker, running each task inside the schema that enqueued it, under a lease."""

    _lease_connection = None

    @property
    def lease_cursor(self):
        """A cursor on the worker's own connection for leases (a lost connection is replaced)."""
        lease = self._lease_connection
        if lease is not None and lease.connection is not None and not lease.is_usable():
            lease.close()
            lease = None
        if lease is None:
            lease = self._lease_connection = connections.create_connection(DEFAULT_DB_ALIAS)
        return lease.cursor()

    def run(self) -> None:
        reclaim_orphaned_tasks(lease_cursor=self.lease_cursor)
        stop = threading.Event()
        threading.Thread(target=self._reclaim_periodically, args=(stop,), daemon=True).start()
        try:
            super().run()
        finally:
            stop.set()

    def _reclaim_periodically(self, stop: threading.Event) -> None:
        lease = connections.create_connection(DEFAULT_DB_ALIAS)  # this thread's own connection
        try:
            while not stop.wait(RECLAIM_INTERVAL_SECONDS):
                try:
                    reclaim_orphaned_tasks(lease_cursor=lease.cursor())
                except Exception:  # the database may be away; try again next time
                    log.warning("Could not look for orphaned tasks", exc_info=True)
                    lease.close()
                try:
                    worker_heartbeat.send(sender=type(self))
                except Exception:
                    log.warning("A periodic job of the worker failed", exc_info=True)
                finally:
                    connections.close_all()
        finally:
            lease.close()

    def run_task(self, db_task_result) -> None:
        cursor = self.lease_cursor
        if not _try_lock(cursor, db_task_result.id):
            # Taken back from us while we were slow to start, and now leased by a live worker: its run.
            log.warning("Task %s is leased by another worker; not running it here", db_task_result.id)
            return
        try:
            schema = task_schema(db_task_result)
            if schema != get_public_schema_name() and not schema_exists(schema):
                # The site was deleted after enqueuing: fail the task, never run it elsewhere.
                db_task_result.set_failed(UnknownTaskSchema(f"site schema {schema!r} no longer exists"))
                return
            with schema_context(schema):
                super().run_task(db_task_result)
        finally:
            try:
                _unlock(cursor, db_task_result.id)
            except Exception:  # the connection went, and the lock with it
                log.warning("Could not release the lease of task %s", db_task_result.id, exc_info=True)
