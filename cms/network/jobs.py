"""Background jobs of the network (run by the worker; each step switches to the schemas it needs)."""

from django_tasks import task


@task()
def deliver_pushed(syndication_ids: list[int]) -> dict:
    from .syndication import deliver_all

    return deliver_all(syndication_ids=syndication_ids)


@task()
def refresh_copies(syndication_ids: list[int]) -> int:
    from .syndication import refresh_copy

    for syndication_id in syndication_ids:
        refresh_copy(syndication_id=syndication_id)
    return len(syndication_ids)
