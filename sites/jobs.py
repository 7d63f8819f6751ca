"""Background jobs of the site registry (run by the worker in the public schema)."""

from django_tasks import task


@task()
def refill_spare_schemas(template_id: int) -> int:
    from .models import SiteTemplate
    from .provisioning import refill_spares

    template = SiteTemplate.objects.filter(pk=template_id).first()
    return refill_spares(template) if template else 0
