"""Background jobs of the opinions channel, each run by the worker in the schema of its site."""

from django_tasks import task

from . import services


@task()
def site_upkeep() -> dict:
    """Reminders, escalation and the erasure of expired personal data, for the site of the schema."""
    figures = services.check_deadlines()
    figures["erased"] = services.erase_expired_personal_data()
    return figures
