"""Queueing the feeds' fetches for the worker (the scheduler of `cms up` calls this once a minute)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from . import jobs
from .models import Source

QUEUED_FOR_AT_MOST = timedelta(minutes=15)  # a queued fetch not started by then is queued again


def enqueue_due_fetches() -> int:
    """Queue a fetch for every enabled feed that is due and not already queued. Called once a minute."""
    now = timezone.now()
    with schema_context(get_public_schema_name()), transaction.atomic():
        due = list(
            Source.objects.select_for_update(skip_locked=True)
            .filter(kind=Source.Kind.FEED, enabled=True)
            .exclude(next_fetch_at__gt=now)
            .exclude(fetch_queued_at__gt=now - QUEUED_FOR_AT_MOST)
            .values_list("pk", flat=True)
        )
        Source.objects.filter(pk__in=due).update(fetch_queued_at=now)
        for source_id in due:
            jobs.fetch_feed.enqueue(source_id)  # enqueued from public: runs in public
    return len(due)


def fetch_now(*, source: Source) -> None:
    """Queue one fetch at once (the admin's 立即抓取)."""
    with schema_context(get_public_schema_name()), transaction.atomic():
        Source.objects.filter(pk=source.pk).update(fetch_queued_at=timezone.now())
        jobs.fetch_feed.enqueue(source.pk)
