from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .services import MINIMUM_RETENTION_DAYS
from .shipping import validate_target


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


@checks.register()
def shipping_target_is_understood(app_configs=None, **kwargs):
    target = getattr(settings, "CMS_AUDIT_SHIP", "")
    if not target:
        return []
    try:
        validate_target(target)
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="audit.E002")]
    return []
