"""The worker for sites.tasks: each task runs inside the schema that enqueued it."""

from django_tasks_db.management.commands.db_worker import Worker
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from .tasks import task_schema


class UnknownTaskSchema(RuntimeError):
    pass


class TenantWorker(Worker):
    """django-tasks-db's worker, running each task inside the schema that enqueued it."""

    def run_task(self, db_task_result) -> None:
        schema = task_schema(db_task_result)
        if schema != get_public_schema_name() and not schema_exists(schema):
            # The site was deleted after enqueuing: fail the task, never run it elsewhere.
            db_task_result.set_failed(UnknownTaskSchema(f"site schema {schema!r} no longer exists"))
            return
        with schema_context(schema):
            super().run_task(db_task_result)
