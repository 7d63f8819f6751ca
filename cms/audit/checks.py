from django.conf import settings
from django.core import checks

from .services import MINIMUM_RETENTION_DAYS


@checks.register()
def retention_at_least_six_months(app_configs=None, **kwargs):
    days = getattr(settings, "CMS_AUDIT_RETENTION_DAYS", MINIMUM_RETENTION_DAYS)
    if days < MINIMUM_RETENTION_DAYS:
        return [
            checks.Error(
                f"CMS_AUDIT_RETENTION_DAYS is {days}; audit entries must be kept at least "
                f"{MINIMUM_RETENTION_DAYS} days (six months, China's Cybersecurity Law).",
                id="audit.E001",
            )
        ]
    return []
