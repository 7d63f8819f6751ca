"""Tasks used by the test suite to observe where background work runs."""

from django.db import connection
from django_tasks import task


@task()
def report_schema() -> str:
    """Return the schema the worker ran this task in."""
    return connection.schema_name
