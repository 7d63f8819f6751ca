"""Background jobs of oversight (run by the worker in the schema of the site they check)."""

from django_tasks import task


@task()
def check_links(run_id: int) -> dict:
    from .links import run_check

    return run_check(run_id=run_id)


@task()
def refresh_health() -> int:
    from .scoring import refresh_health as refresh

    return refresh()
