from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Domain
from .services import sync_wagtail_site


@receiver(post_save, sender=Domain)
def keep_wagtail_site_on_primary_domain(sender, instance: Domain, **kwargs):
    if instance.is_primary:
        sync_wagtail_site(association=instance.tenant)
