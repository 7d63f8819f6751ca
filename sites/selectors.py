from __future__ import annotations

from django_tenants.utils import get_public_schema_name

from .models import Association


def all_schemas() -> list[str]:
    """The public schema first, then every site's schema."""
    public = get_public_schema_name()
    return [public] + list(Association.objects.exclude(schema_name=public).values_list("schema_name", flat=True))


def site_for_domain(*, domain: str) -> Association | None:
    return Association.objects.filter(domains__domain=domain).first()
