"""Background jobs of screening (run by the worker in the schema of the site they scan)."""

from django_tasks import task

from .rescanning import run_rescan


@task()
def rescan_site(rescan_id: int) -> dict:
    return run_rescan(rescan_id=rescan_id)
