"""Background jobs of the watch, run by the project's worker."""

from django_tasks import task

from . import services


@task()
def fetch_feed(source_id: int) -> dict:
    """Fetch one RSS/Atom feed (enqueued from the public schema, so it runs there)."""
    return services.fetch_source(source_id=source_id)


@task()
def watch_pages(site_id: int, pages: list[list]) -> int:
    """Match pages a site published (enqueued from that site's schema, so it runs there and reads them)."""
    from .network import ingest_pages

    return ingest_pages(site_id=site_id, pages=pages)
