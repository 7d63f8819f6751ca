from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django_tenants.utils import get_public_schema_name

from .models import Association, Domain


def all_schemas() -> list[str]:
    """The public schema first, then every site's schema."""
    public = get_public_schema_name()
    return [public] + list(Association.objects.exclude(schema_name=public).values_list("schema_name", flat=True))


def site_for_host(hostname: str) -> Association:
    """The site that owns a host (lower case, no port), read afresh: one query on every request.

    Nothing is cached per process, so archiving, deleting, restoring a site or moving a domain
    reaches every worker on every machine the moment it commits. The one query also brings the
    parent (GraphQL's `site { parent }`), the content version (the answer cache's key) and the
    site's primary domain as `canonical_host` (absolute URLs are built on it, never on the
    request's Host header). Raises Domain.DoesNotExist for an unknown host.
    """
    primary = Domain.objects.filter(tenant_id=OuterRef("tenant_id"), is_primary=True).values("domain")[:1]
    # Public tables only (no site schema has them): right on whatever schema the connection is on.
    domain = (
        Domain.objects.select_related("tenant", "tenant__parent")
        .annotate(primary_host=Subquery(primary))
        .get(domain=hostname)
    )
    site = domain.tenant
    site.canonical_host = domain.primary_host or domain.domain
    return site
