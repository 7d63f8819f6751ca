"""Oversight writes: scores (scoring.py, kept current from publishing) and the link checker's runs."""

from __future__ import annotations

from django.db import transaction
from django_tenants.utils import schema_context

from sites.models import Association

from .jobs import check_links
from .models import LinkCheckRun
from .scoring import compute_health, ensure_default_rules, refresh_health, refresh_if_stale, site_changed, sync_sections

__all__ = [
    "compute_health",
    "ensure_default_rules",
    "refresh_health",
    "refresh_if_stale",
    "site_changed",
    "start_link_check",
    "sync_sections",
]


def start_link_check(*, site: Association) -> LinkCheckRun:
    """Queue a link check of one site: the job runs in the site's schema, under the worker's lease."""
    run = LinkCheckRun.objects.create(site=site)
    transaction.on_commit(lambda: _enqueue_in(site.schema_name, check_links, run.pk))
    return run


def _enqueue_in(schema: str, job, *args) -> None:
    with schema_context(schema):
        job.enqueue(*args)
