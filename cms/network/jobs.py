"""Background jobs of the network (run by the worker; each step switches to the schemas it needs)."""

from django_tasks import task

from .syndication import deliver_all, refresh_copy


@task()
def deliver_pushed(syndication_ids: list[int]) -> dict:
    return deliver_all(syndication_ids=syndication_ids)


@task()
def refresh_copies(syndication_ids: list[int]) -> int:
    for syndication_id in syndication_ids:
        refresh_copy(syndication_id=syndication_id)
    return len(syndication_ids)
