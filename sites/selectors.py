from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django_tenants.utils import get_public_schema_name

from .models import Association, Domain
from .validators import ICP_QUERY_URL, POLICE_QUERY_URL, police_digits


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


@dataclass(frozen=True)
class Footer:
    """What a site's footer shows: the registry's filing data with the site's own contact details."""

    sponsor: str
    operator: str
    address: str
    postcode: str
    phone: str
    email: str
    icp_number: str
    icp_url: str
    police_number: str
    police_url: str
    site_code: str
    copyright: str


def site_footer(*, site: Association, settings) -> Footer:
    """The footer of `site`: filing numbers and sponsor from the registry (the central office keeps them,
    the rules want the ICP number linked to the filing system), the rest from the site's settings."""
    police = police_digits(site.police_number)
    return Footer(
        sponsor=site.sponsor,
        operator=settings.operator if settings else "",
        address=settings.address if settings else "",
        postcode=settings.postcode if settings else "",
        phone=settings.phone if settings else "",
        email=settings.email if settings else "",
        icp_number=site.icp_number,
        icp_url=ICP_QUERY_URL if site.icp_number else "",
        police_number=site.police_number,
        police_url=POLICE_QUERY_URL.format(code=police) if police else "",
        site_code=site.site_code,
        copyright=settings.copyright if settings else "",
    )


def site_tree(*, queryset) -> list[tuple[Association, int, tuple[str, ...]]]:
    """The sites of `queryset` in tree order (each after its parent, siblings in creation order), one query:
    (site, depth, names from the top site down to it). A site whose parent is not in the queryset is a top."""
    sites = list(queryset.only("id", "name", "short_name", "kind", "parent_id").order_by("id"))
    ids = {site.pk for site in sites}
    children: dict[int | None, list[Association]] = {}
    for site in sites:
        children.setdefault(site.parent_id if site.parent_id in ids else None, []).append(site)
    ordered: list[tuple[Association, int, tuple[str, ...]]] = []
    stack = [(site, 0, ()) for site in reversed(children.get(None, []))]
    while stack:
        site, depth, above = stack.pop()
        path = (*above, site.name)
        ordered.append((site, depth, path))
        stack.extend((child, depth + 1, path) for child in reversed(children.get(site.pk, [])))
    return ordered
