"""Writing the audit log: `record` (every layer above may call it) and `purge` (the only deletion)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from . import shipping
from .chain import GENESIS_HASH, canonical_detail, entry_hash
from .context import client_address, current_request, user_agent
from .models import AuditAnchor, AuditEntry

log = logging.getLogger("cms.audit")

# pg_advisory_xact_lock(namespace, hashtext(chain)): writers of one chain queue, other chains do not wait.
LOCK_NAMESPACE = 0x41554454  # "AUDT"
MINIMUM_RETENTION_DAYS = 180  # China's Cybersecurity Law: network logs kept at least six months
PURGE_SETTING = "cms_audit.purge_before"


def record(
    action: str,
    *,
    user=None,
    request=None,
    username: str | None = None,
    schema_name: str | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_label: str = "",
    detail: dict | None = None,
) -> AuditEntry:
    """Append one entry to the audit log, inside the caller's transaction (an action that rolls back takes
    its entry with it; an acknowledged one is never missing).

    The user, address and user agent come from `request`, else from the request being served (if any);
    `user` names someone else (a login's user), `username` a name without a user object (a failed
    login, a worker). The chain is the schema the action happened in: `schema_name`, else the connection's
    current schema (the request's site, or the site a job switched to)."""
    request = request if request is not None else current_request()
    if user is None and request is not None:
        request_user = getattr(request, "user", None)
        if request_user is not None and request_user.is_authenticated:
            user = request_user
    if schema_name is None:  # where the action happened: a request's site, or the site a job switched to
        schema_name = connection.schema_name
    user_id = user.pk if user is not None else None
    name = username if username is not None else (user.get_username() if user is not None else "")
    request_schema = getattr(getattr(request, "tenant", None), "schema_name", None)
    if user is not None and request_schema and request_schema != schema_name:
        # A user of another schema (the central office acting on a site): users live in their own schema, so
        # this one is named with it ("public:admin") and never by an id that means someone else here.
        user_id, name = None, f"{request_schema}:{name}"
    entry = AuditEntry(
        schema_name=schema_name,
        action=action[:64],
        user_id=user_id,
        username=name[:150],
        ip_address=client_address(request) if request is not None else "",
        user_agent=user_agent(request) if request is not None else "",
        object_type=str(object_type)[:100],
        object_id=str(object_id)[:100],
        object_label=str(object_label)[:255],
        detail=canonical_detail(detail),
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_NAMESPACE, schema_name])
        entry.seq, entry.prev_hash = _chain_head(schema_name)
        entry.seq += 1
        entry.timestamp = timezone.now()
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
    if settings.CMS_AUDIT_SHIP:
        transaction.on_commit(lambda: shipping.ship(entry))
    return entry


def _chain_head(schema_name: str) -> tuple[int, str]:
    """The number and hash of the chain's last entry (or of its last purge anchor, or the genesis)."""
    last = AuditEntry.objects.filter(schema_name=schema_name).order_by("-seq").values_list("seq", "hash").first()
    if last is None:
        last = AuditAnchor.objects.filter(schema_name=schema_name).order_by("-seq").values_list("seq", "hash").first()
    return last or (0, GENESIS_HASH)


def retention_days() -> int:
    days = settings.CMS_AUDIT_RETENTION_DAYS
    if days < MINIMUM_RETENTION_DAYS:
        raise ValidationError(
            f"CMS_AUDIT_RETENTION_DAYS 为 {days} 天，低于法定最少保存期限 {MINIMUM_RETENTION_DAYS} 天（六个月）。"
        )
    return days


@dataclass
class PurgeResult:
    cutoff: datetime
    removed: dict[str, int]  # chain -> entries removed

    @property
    def total(self) -> int:
        return sum(self.removed.values())


def purge(*, now: datetime | None = None, dry_run: bool = False) -> PurgeResult:
    """Remove entries older than the retention (CMS_AUDIT_RETENTION_DAYS, at least 180 days), chain by chain,
    keeping each chain verifiable: only a chain's oldest entries go (a prefix of it), and an anchor row
    keeps the number and hash of the last one removed. All chains in one transaction; the purge is itself
    recorded in the central office's chain. The database refuses any other deletion."""
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    removed: dict[str, int] = {}
    with transaction.atomic():
        chains = (
            AuditEntry.objects.filter(timestamp__lt=cutoff).values_list("schema_name", flat=True).distinct().order_by()
        )
        for chain in sorted(chains):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_NAMESPACE, chain])
            entries = AuditEntry.objects.filter(schema_name=chain)
            keep_from = entries.filter(timestamp__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
            old = entries if keep_from is None else entries.filter(seq__lt=keep_from)
            last = old.order_by("-seq").values_list("seq", "hash").first()
            if last is None:
                continue
            count = old.count()
            removed[chain] = count
            if dry_run:
                continue
            AuditAnchor.objects.create(
                schema_name=chain, seq=last[0], hash=last[1], purged_at=timezone.now(), cutoff=cutoff, removed=count
            )
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, %s, true)", [PURGE_SETTING, cutoff.isoformat()])
            AuditEntry.objects.filter(schema_name=chain, seq__lte=last[0]).delete()
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', true)", [PURGE_SETTING])
        if not dry_run:
            record(
                "audit.purge",
                schema_name=get_public_schema_name(),
                object_type="audit",
                detail={"cutoff": cutoff.isoformat(), "removed": removed},
            )
    log.info("Audit purge before %s: %s entries removed", cutoff, sum(removed.values()))
    return PurgeResult(cutoff=cutoff, removed=removed)
