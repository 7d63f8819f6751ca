"""Background tasks that always run in the schema of the site that enqueued them.

The queue itself (django-tasks-db's table) lives only in the public schema, so one
worker serves the whole network. The enqueuing schema is recorded next to the
task's arguments, and the worker switches to it before calling the task.
"""

from __future__ import annotations

from django.db import connection
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json
from django_tenants.utils import get_public_schema_name

SCHEMA_KEY = "schema"


class TenantDatabaseBackend(DatabaseBackend):
    def _task_to_db_task(self, task, args, kwargs):
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.create(
            id=self._get_id(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs, SCHEMA_KEY: connection.schema_name}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=self.alias,
        )

    async def _atask_to_db_task(self, task, args, kwargs):
        from asgiref.sync import sync_to_async

        return await sync_to_async(self._task_to_db_task)(task, args, kwargs)


def task_schema(db_task_result) -> str:
    return (db_task_result.args_kwargs or {}).get(SCHEMA_KEY) or get_public_schema_name()
