from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
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

    The statement is written once per process (`_routing_statement`) rather than compiled by the ORM on
    every request: routing runs before everything else, and the ORM's compilation was most of the cost
    of an answer served from the cache.
    """
    statement, columns, converters = _routing_statement()
    # Public tables only (no site schema has them): right on whatever schema the connection is on.
    with connection.cursor() as cursor:
        cursor.execute(statement, [hostname])
        row = cursor.fetchone()
    if row is None:
        raise Domain.DoesNotExist(f"No site is served at {hostname!r}.")
    width = len(columns)

    def values(part: tuple) -> list:
        # as the ORM reads them (e.g. JSON columns arrive as text and are decoded by their field)
        converted = list(part)
        for index, column, functions in converters:
            for function in functions:
                converted[index] = function(converted[index], column, connection)
        return converted

    site = Association.from_db(connection.alias, columns, values(row[:width]))
    parent_row = row[width : 2 * width]
    parent = Association.from_db(connection.alias, columns, values(parent_row)) if parent_row[0] is not None else None
    Association._meta.get_field("parent").set_cached_value(site, parent)
    site.canonical_host = row[-1]
    return site


@lru_cache(maxsize=1)
def _routing_statement() -> tuple[str, list[str], list]:
    """The routing query's SQL (the site, its parent, the primary domain), the site's column names, and the
    converters the ORM would apply to each column's value (index, column, converters)."""
    fields = Association._meta.concrete_fields
    columns = [field.attname for field in fields]
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(Association._meta.db_table)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            converters.append((index, column, functions))
    quote = connection.ops.quote_name
    site_columns = ", ".join(f"site.{quote(field.column)}" for field in fields)
    parent_columns = ", ".join(f"parent.{quote(field.column)}" for field in fields)
    domains, sites = quote(Domain._meta.db_table), quote(Association._meta.db_table)
    # Identifiers come from the models' metadata, quoted; the host is the only value, passed as a parameter.
    statement = (
        f"SELECT {site_columns}, {parent_columns}, "  # noqa: S608
        f"COALESCE((SELECT primary_domain.domain FROM {domains} primary_domain"
        f" WHERE primary_domain.tenant_id = host.tenant_id AND primary_domain.is_primary LIMIT 1), host.domain)"
        f" FROM {domains} host JOIN {sites} site ON site.id = host.tenant_id"
        f" LEFT JOIN {sites} parent ON parent.id = site.parent_id"
        f" WHERE host.domain = %s"
    )
    return statement, columns, converters


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
