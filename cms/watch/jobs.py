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


@task()
def watch_opinion(
    external_id: str, text: str, title: str, url: str, published_at: str | None, site_id: int | None
) -> int:
    """Match one opinion of the opinions channel (enqueued from public, after the opinion was saved)."""
    from datetime import datetime

    from sites.models import Association

    return len(
        services.ingest(
            source="opinions",
            external_id=external_id,
            text=text,
            title=title,
            url=url,
            published_at=datetime.fromisoformat(published_at) if published_at else None,
            site=Association.objects.filter(pk=site_id).first() if site_id else None,
        )
    )
