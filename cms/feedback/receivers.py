"""The deadline sweep hangs on the worker's heartbeat: at most once an hour (one worker wins, in the database),
one upkeep task is enqueued for each site that the public receipts say needs it, in that site's schema."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django_tenants.utils import schema_context

from sites.signals import worker_heartbeat

from .receipts.models import Receipt, Sweep

logger = logging.getLogger(__name__)
SWEEP_INTERVAL = datetime.timedelta(hours=1)


def claim_sweep(*, name: str, now: datetime.datetime, interval: datetime.timedelta) -> bool:
    """True for exactly one caller per interval, across workers and machines."""
    with transaction.atomic():
        row, created = Sweep.objects.select_for_update().get_or_create(name=name, defaults={"last_run": now})
        if created:
            return True
        if row.last_run > now - interval:
            return False
        row.last_run = now
        row.save(update_fields=["last_run"])
        return True


def run_sweep(*, now: datetime.datetime | None = None) -> list[str]:
    from . import abuse, services
    from .jobs import site_upkeep

    now = now or timezone.now()
    schemas = set(services.sites_needing_sweep(today=timezone.localdate(now)))
    if claim_sweep(name="retention", now=now, interval=datetime.timedelta(days=1)):
        schemas |= set(
            Receipt.objects.filter(closed_at__isnull=False).values_list("site__schema_name", flat=True).distinct()
        )
        abuse.forget_old_counters(before=now - datetime.timedelta(days=1))
    for schema in sorted(schemas):
        with schema_context(schema):
            site_upkeep.enqueue()
    return sorted(schemas)


@receiver(worker_heartbeat)
def sweep_deadlines(sender, **kwargs):
    now = timezone.now()
    if claim_sweep(name="deadlines", now=now, interval=SWEEP_INTERVAL):
        schemas = run_sweep(now=now)
        if schemas:
            logger.info("Opinion upkeep enqueued for %d sites", len(schemas))
