from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django_tenants.utils import get_public_schema_name, schema_context

from .models import Association, Domain

TENANT_CACHE_KEY = "cms:site-for-host:{}"


def all_schemas() -> list[str]:
    """The public schema first, then every site's schema."""
    public = get_public_schema_name()
    return [public] + list(Association.objects.exclude(schema_name=public).values_list("schema_name", flat=True))


def tenant_for_host(hostname: str) -> Association:
    """The site that owns a host, from the cache when possible (routing runs on every request).

    Raises Domain.DoesNotExist for an unknown host. Entries are dropped whenever a domain
    or site changes (sites.signals) and expire after CMS_TENANT_CACHE_SECONDS anyway.
    """
    with schema_context(get_public_schema_name()):
        key = TENANT_CACHE_KEY.format(hostname)
        tenant = cache.get(key)
        if tenant is None:
            # The parent comes along: GraphQL's `site { parent }` then costs no query.
            tenant = Domain.objects.select_related("tenant", "tenant__parent").get(domain=hostname).tenant
            cache.set(key, tenant, settings.CMS_TENANT_CACHE_SECONDS)
        return tenant


def forget_hosts(hostnames: list[str]) -> None:
    with schema_context(get_public_schema_name()):
        cache.delete_many([TENANT_CACHE_KEY.format(host) for host in hostnames])
